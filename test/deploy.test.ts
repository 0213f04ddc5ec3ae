/**
 * The docs/deploy.md topology as plain processes (no Docker daemon on these machines): two
 * API servers (ROLE=api: no schedule, no training) and one trainer (ROLE=trainer) start at
 * once on one empty Postgres database. The trainer migrates, seeds and trains; both APIs
 * then serve the version it promoted, and nothing else trained.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';

import { mintToken } from '../src/auth';
import { createEmptyDatabase, describeOnPostgres, type TestDatabase } from './helpers/db';

const root = path.resolve(__dirname, '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const SECRET = 'deploy-test-secret-0123456789';

interface Process {
  child: ChildProcessWithoutNullStreams;
  url: string;
  output: () => string;
}

function startProcess(env: Record<string, string>): Promise<Process> {
  const child = spawn(tsx, ['src/server.ts'], {
    cwd: root,
    env: { ...process.env, PORT: '0', JWT_SECRET: SECRET, LOG_LEVEL: 'info', MODEL_POLL_MS: '300', ...env },
  });
  let output = '';
  child.stderr.on('data', (chunk) => (output += chunk));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /"url":"(http:\/\/localhost:\d+)\/graphql"/.exec(output);
      if (match) resolve({ child, url: match[1], output: () => output });
    });
    child.on('exit', (code) => reject(new Error(`${env.ROLE} exited ${code}: ${output}`)));
  });
}

async function stop(processes: Process[]): Promise<void> {
  await Promise.all(
    processes.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
}

async function gql(base: string, query: string, token: string): Promise<any> {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as { data?: any; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

/** Re-checks until `check` returns a value or the deadline passes (the machine may be loaded). */
async function eventually<T>(check: () => Promise<T | null>, deadlineMs: number, what: string): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const value = await check();
    if (value !== null) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const STATUS = `{ modelStatus { models { kind source activeVersion { id } nextScheduledRun } } }`;

// The topology shares one database between processes, which embedded PGlite cannot do.
describeOnPostgres('several API processes and one trainer on one Postgres', () => {
  let database: TestDatabase;
  const processes: Process[] = [];
  beforeAll(async () => {
    database = await createEmptyDatabase();
  });
  afterAll(async () => {
    await stop(processes);
    await database?.drop();
  });

  it('serves the trainer’s model from every API process', async () => {
    const url = database.url!;
    const started = await Promise.all([
      startProcess({ ROLE: 'trainer', DATABASE_URL: url, SEED_DEMO: 'true' }),
      startProcess({ ROLE: 'api', DATABASE_URL: url, SEED_DEMO: 'false' }),
      startProcess({ ROLE: 'api', DATABASE_URL: url, SEED_DEMO: 'false' }),
    ]);
    processes.push(...started);
    const [trainer, ...apis] = started;
    const admin = await mintToken(SECRET, 1, { admin: true });

    // Both kinds promoted by the trainer's first run, and both APIs serving those versions.
    const served = await eventually(
      async () => {
        const statuses = await Promise.all(apis.map((api) => gql(api.url, STATUS, admin)));
        const ids = statuses.map((s) => s.modelStatus.models.map((m: any) => (m.source === 'MODEL' ? m.activeVersion?.id : null)));
        const ready = ids.every((kinds: (string | null)[]) => kinds.every(Boolean)) && JSON.stringify(ids[0]) === JSON.stringify(ids[1]);
        return ready ? statuses : null;
      },
      480_000,
      'both API processes to serve a trained model',
    );
    for (const status of served) {
      // The schedule runs in the trainer only.
      expect(status.modelStatus.models.map((m: any) => m.nextScheduledRun)).toEqual([null, null]);
    }
    const trainerStatus = await gql(trainer.url, STATUS, admin);
    expect(trainerStatus.modelStatus.models.every((m: any) => m.nextScheduledRun !== null)).toBe(true);

    // One start-up run per kind, all the trainer's: an API process never trained.
    const runs = await database.db.prisma.trainingRun.findMany({ select: { kind: true, trigger: true } });
    expect(runs.map((r) => `${r.kind}:${r.trigger}`).sort()).toEqual(['FRIENDS:STARTUP', 'ITEMS:STARTUP']);
    for (const api of apis) expect(api.output()).toMatch(/retrain schedule off in this process/);

    const user = await database.db.prisma.user.findFirstOrThrow({ where: { role: 'USER' }, orderBy: { id: 'asc' } });
    const token = await mintToken(SECRET, user.id);
    for (const api of apis) {
      const data = await gql(api.url, `{ viewer { recommendedItems(first: 5) { source edges { node { id } } } } }`, token);
      expect(data.viewer.recommendedItems.source).toBe('MODEL');
      expect(data.viewer.recommendedItems.edges.length).toBe(5);
    }
  }, 600_000);
});
