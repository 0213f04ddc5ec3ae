import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { jwtVerify } from 'jose';
import { startRetrain, type RetrainDeps } from '../src/jobs/retrain';
import { createLogger } from '../src/logger';
import { trainInWorker } from '../src/recommender/train/spawn';
import { eventually } from './faults/pg-admin';
import { READY, serverEnv, spawnTs } from './faults/server-process';
import { usingPostgres } from './helpers/db';
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
    await expect(promisify(execFile)(tsx, ['src/cli/token.ts'], { cwd: root, env })).rejects.toMatchObject({ code: 1 });
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

const describeOnPostgres = usingPostgres() ? describe : describe.skip;

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

describe('dataset CLIs on user errors', () => {
  /** Runs a CLI that is expected to fail; resolves with its exit code and stderr. */
  const fail = (script: string, args: string[], env: Record<string, string> = {}) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(tsx, [script, ...args], { cwd: root, env: { ...process.env, ...env } }, (error, _stdout, stderr) =>
        resolve({ code: error ? (error as { code?: number }).code ?? null : 0, stderr }),
      );
    });
  const oneLine = (stderr: string) => stderr.trim().split('\n');

  it.each([
    ['src/cli/import.ts', ['--dataset', 'ciao']],
    ['src/cli/eval.ts', ['--dataset', 'ciao', '--task', 'items']],
  ])('%s: a missing dataset folder is one line naming the folder, --dir and DATASETS_DIR, exit 2', async (script, args) => {
    const { code, stderr } = await fail(script, args, { DATASETS_DIR: '/nonexistent/datasets' });
    expect(code).toBe(2);
    expect(oneLine(stderr)).toHaveLength(1);
    expect(stderr).toMatch(/\/nonexistent\/datasets\/ciao does not exist.*--dir PATH or set DATASETS_DIR/);
  });

  it('honours --dir over DATASETS_DIR', async () => {
    const { code, stderr } = await fail('src/cli/import.ts', ['--dataset', 'ciao', '--dir', '/elsewhere/ciao'], { DATASETS_DIR: '/nonexistent' });
    expect([code, oneLine(stderr)]).toEqual([2, [expect.stringMatching(/folder \/elsewhere\/ciao does not exist/)]]);
  });

  it.each([
    ['src/cli/import.ts', ['--dataset', 'nope'], /unknown or missing --dataset; usage: npm run import/],
    ['src/cli/import.ts', ['--dataset', 'ciao', '--limit', 'x'], /--limit must be a positive integer/],
    ['src/cli/import.ts', ['--bogus'], /Unknown option '--bogus'/],
    ['src/cli/eval.ts', ['--dataset', 'nope'], /unknown or missing --dataset; usage: npm run eval/],
  ])('%s %j: bad flags are one line, exit 2', async (script, args, message) => {
    const { code, stderr } = await fail(script, args);
    expect([code, oneLine(stderr)]).toEqual([2, [expect.stringMatching(message)]]);
  });
});
