import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { jwtVerify } from 'jose';
import { startRetrain, type RetrainDeps } from '../src/jobs/retrain';
import { createLogger } from '../src/logger';
import { trainInWorker } from '../src/recommender/train/spawn';
import { eventually } from './faults/pg-admin';
import { READY, serverEnv, spawnTs } from './faults/server-process';
import { describeOnPostgres } from './helpers/db';
import { plantCommunities } from './helpers/planted';
import { startTestServer } from './helpers/server';

const root = path.resolve(__dirname, '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

describe('npm run token', () => {
  it('mints a token for a user, optionally an admin', async () => {
    const env = { ...process.env, JWT_SECRET: 'cli-secret' };
    const { stdout } = await promisify(execFile)(tsx, ['src/cli/token.ts', '--user', '7', '--admin'], { cwd: root, env });
    const { payload } = await jwtVerify(stdout.trim(), new TextEncoder().encode('cli-secret'));
    expect(payload).toMatchObject({ sub: '7', role: 'ADMIN' });
    await expect(promisify(execFile)(tsx, ['src/cli/token.ts'], { cwd: root, env })).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^--user is required; usage: npm run token -- --user ID/),
    });
  });
});

/** Child processes a failed test left running are killed, so Jest can exit. */
const cleanups: (() => void)[] = [];
const afterCleanup = (fn: () => void) => cleanups.push(fn);
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe('the server process', () => {
  it('starts on the embedded database, keeps npm run train off it, and stops cleanly on SIGTERM', async () => {
    const dataDir = path.join(require('node:os').tmpdir(), `srv-${process.pid}-${Date.now()}`);
    // development, not test: Apollo installs its own signal handlers outside tests, and they
    // must not cut the graceful stop short.
    const server = spawnTs('src/server.ts', [], serverEnv({ NODE_ENV: 'development', DATABASE_URL: '', DATA_DIR: dataDir }));
    afterCleanup(() => server.child.kill('SIGKILL'));
    const [, url] = await server.waitFor(READY);
    expect(await (await fetch(url.replace('/graphql', '/readyz'))).json()).toMatchObject({ status: 'ready', database: 'pglite' });

    // PGlite cannot be shared: training from another process must refuse, not corrupt or train unseen.
    const train = spawnTs('src/cli/train.ts', ['--kind', 'friends'], { DATABASE_URL: '', DATA_DIR: dataDir });
    expect((await train.exited).code).toBe(1);
    expect(train.output()).toMatch(/is open in another process \(pid \d+\), probably the server/);
    expect(train.output()).toMatch(/Stop the server.*retrainModel.*DATABASE_URL/);

    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.output()).toMatch(/shutting down/);
    // Released on stop: the CLI may use the database now (an empty one: nothing to train).
    const after = spawnTs('src/cli/train.ts', ['--kind', 'friends'], { DATABASE_URL: '', DATA_DIR: dataDir });
    expect(await after.exited).toEqual({ code: 0, signal: null });
    expect(after.output()).toMatch(/"outcome": "SKIPPED"/);
  }, 600_000);
});


describeOnPostgres('npm run train on Postgres beside a running server', () => {
  it('trains under the advisory lock and the server serves the promoted version after its next poll', async () => {
    const t = await startTestServer({ MODEL_POLL_MS: '200' });
    try {
      const planted = await plantCommunities(t.database.db, { communities: 3, usersPer: 10, itemsPer: 20 });
      const admin = await t.tokenFor(planted.communities[0].users[0], true);
      const friendsStatus = async () =>
        (await t.gql(`{ modelStatus { models { kind source activeVersion { id } } } }`, {}, admin)).data.modelStatus.models.find((m: any) => m.kind === 'FRIENDS');

      // While the server trains FRIENDS, the CLI's run of that kind is refused. The server's
      // real run is held at its end until the CLI has answered.
      let cliAnswered!: () => void;
      const answered = new Promise<void>((resolve) => (cliAnswered = resolve));
      const deps: RetrainDeps = {
        config: t.config,
        db: t.database.db,
        logger: createLogger('silent'),
        train: async (job, progress, signal) => {
          const result = await trainInWorker(job, progress, signal);
          await answered;
          return result;
        },
      };
      const serverRun = await startRetrain(deps, 'FRIENDS', 'MANUAL');
      if (!('done' in serverRun)) throw new Error('unexpectedly busy');
      const refused = spawnTs('src/cli/train.ts', ['--kind', 'friends'], { DATABASE_URL: t.database.url!, LOG_LEVEL: 'silent' });
      const refusedExit = await refused.exited;
      cliAnswered();
      expect(refusedExit.code).toBe(1);
      expect(refused.output()).toMatch(/FRIENDS: another training run is in progress/);
      expect((await serverRun.done).state).toBe('SUCCEEDED');

      // No active version: the CLI's run is promoted whatever its metrics.
      await t.database.db.prisma.modelVersion.updateMany({ where: { kind: 'FRIENDS' }, data: { status: 'REJECTED' } });
      const cli = spawnTs('src/cli/train.ts', ['--kind', 'friends'], { DATABASE_URL: t.database.url!, LOG_LEVEL: 'silent' });
      expect(await cli.exited).toEqual({ code: 0, signal: null });
      const report = JSON.parse(/\{[\s\S]*\}/.exec(cli.output())![0]);
      expect(report).toMatchObject({ kind: 'FRIENDS', outcome: 'PROMOTED' });
      const expected = Buffer.from(`ModelVersion:${report.version}`).toString('base64url');
      const served = await eventually(async () => {
        const status = await friendsStatus();
        return status.source === 'MODEL' && status.activeVersion.id === expected && status;
      }, 'the server to pick up the version trained by the CLI');
      expect(served.activeVersion.id).toBe(expected);
    } finally {
      await t.close();
    }
  }, 600_000);
});

/** Runs a CLI; resolves with its exit code and output, whatever the code. */
const run = (script: string, args: string[], env: Record<string, string> = {}) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(tsx, [script, ...args], { cwd: root, env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
const lines = (text: string) => text.trim().split('\n');

describe('every CLI on --help and on an unknown flag', () => {
  it.each([
    ['bench', 'npm run bench --', ['dataset', 'database', 'postgres', 'connections', 'duration', 'warmup', 'json', 'doc', 'skip-train', 'skip-retrain', 'skip-experiment', 'only', 'cpu-prof']],
    ['eval', 'npm run eval --', ['dataset', 'task', 'seed', 'split', 'k', 'dir', 'json', 'item-tags', 'served']],
    ['import', 'npm run import --', ['dataset', 'dir', 'limit']],
    ['migrate', 'npm run db:migrate', []],
    ['simulate', 'npm run simulate --', ['dataset', 'dir', 'holdout', 'rounds', 'page', 'aa-runs', 'min-impressions', 'seed', 'treatment']],
    ['token', 'npm run token --', ['user', 'admin', 'expires']],
    ['train', 'npm run train --', ['kind']],
  ])('%s: --help prints the usage and exits 0; --bogus is one line and exit 2', async (name, command, options) => {
    // The embedded database, in a folder a CLI that went on past its flags would create.
    const dataDir = path.join(os.tmpdir(), `cli-flags-${process.pid}-${name}`);
    const env = { DATABASE_URL: '', DATA_DIR: dataDir };
    const script = `src/cli/${name}.ts`;
    const [help, bogus] = await Promise.all([run(script, ['--help'], env), run(script, ['--bogus'], env)]);
    expect([help.code, help.stderr]).toEqual([0, '']);
    const [usage, ...rest] = lines(help.stdout);
    expect(usage.startsWith(`usage: ${command}`)).toBe(true);
    for (const option of [...options, 'help']) expect(rest.join('\n')).toMatch(new RegExp(`^ +(-\\w, )?--${option}\\b`, 'm'));
    for (const option of options) expect(usage).toContain(`--${option}`);

    expect([bogus.code, bogus.stdout]).toEqual([2, '']);
    expect(lines(bogus.stderr)).toEqual([`Unknown option '--bogus'; ${usage}`]);
    expect(fs.existsSync(dataDir)).toBe(false);
  });

  it('-h is --help, and help wins over a mistake on the same line', async () => {
    const [short, mixed] = await Promise.all([run('src/cli/train.ts', ['-h']), run('src/cli/train.ts', ['--kind', 'nope', 'extra', '--help'])]);
    for (const result of [short, mixed]) expect([result.code, lines(result.stdout)[0]]).toEqual([0, 'usage: npm run train -- [--kind items|friends|all]']);
  });

  it.each([
    ['src/cli/train.ts', ['--kind', 'nope'], /^--kind must be one of items, friends, all \(not "nope"\); usage: npm run train/],
    ['src/cli/token.ts', ['--user', 'x'], /^--user must be a user id or a global user id \(not "x"\); usage: npm run token/],
    ['src/cli/token.ts', ['--user', '1', '--expires', 'soon'], /^--expires: Invalid time period format \(not "soon"\)/],
    ['src/cli/migrate.ts', ['now'], /^Unexpected argument 'now'\. This command does not take positional arguments; usage: npm run db:migrate$/],
    ['src/cli/bench.ts', ['--only', 'itemPage,nope'], /^--only: no scenario nope; the scenarios are trivial, recommendedItems/],
    ['src/cli/simulate.ts', ['--holdout', '1'], /^--holdout must be a number between 0 and 1 \(not "1"\); usage: npm run simulate/],
    ['src/cli/eval.ts', ['--dataset', 'lastfm', '--k', '10,x'], /^--k must be positive integers, comma-separated \(not "10,x"\); usage: npm run eval/],
  ])('%s %j: a bad value is one line, exit 2', async (script, args, message) => {
    const { code, stdout, stderr } = await run(script, args, { JWT_SECRET: 'cli-secret', DATABASE_URL: '', DATA_DIR: '/nonexistent/cli-test' });
    expect([code, stdout, lines(stderr)]).toEqual([2, '', [expect.stringMatching(message)]]);
  });
});

describe('dataset CLIs on user errors', () => {
  it.each([
    ['src/cli/import.ts', ['--dataset', 'ciao']],
    ['src/cli/eval.ts', ['--dataset', 'ciao', '--task', 'items']],
    ['src/cli/simulate.ts', ['--dataset', 'ciao']],
  ])('%s: a missing dataset folder is one line naming the folder, --dir and DATASETS_DIR, exit 2', async (script, args) => {
    const { code, stderr } = await run(script, args, { DATASETS_DIR: '/nonexistent/datasets' });
    expect(code).toBe(2);
    expect(lines(stderr)).toHaveLength(1);
    expect(stderr).toMatch(/\/nonexistent\/datasets\/ciao does not exist.*--dir PATH or set DATASETS_DIR/);
  });

  it('honours --dir over DATASETS_DIR', async () => {
    const { code, stderr } = await run('src/cli/import.ts', ['--dataset', 'ciao', '--dir', '/elsewhere/ciao'], { DATASETS_DIR: '/nonexistent' });
    expect([code, lines(stderr)]).toEqual([2, [expect.stringMatching(/folder \/elsewhere\/ciao does not exist/)]]);
  });

  it.each([
    ['src/cli/import.ts', ['--dataset', 'nope'], /^--dataset must be one of lastfm, .*\(not "nope"\); usage: npm run import/],
    ['src/cli/import.ts', [], /^--dataset is required; usage: npm run import -- --dataset NAME \[--dir PATH\] \[--limit N\]$/],
    ['src/cli/import.ts', ['--dataset', 'ciao', '--limit', 'x'], /--limit must be a positive integer \(not "x"\)/],
    ['src/cli/eval.ts', ['--dataset', 'nope'], /^--dataset must be one of .*; usage: npm run eval/],
    ['src/cli/eval.ts', ['--task', 'items'], /^--dataset is required; usage: npm run eval/],
  ])('%s %j: bad flags are one line, exit 2', async (script, args, message) => {
    const { code, stderr } = await run(script, args);
    expect([code, lines(stderr)]).toEqual([2, [expect.stringMatching(message)]]);
  });
});
