import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { jwtVerify } from 'jose';

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

describe('the server process', () => {
  it('starts on the embedded database and stops cleanly on SIGTERM', async () => {
    const dataDir = path.join(require('node:os').tmpdir(), `srv-${process.pid}-${Date.now()}`);
    const child = spawn(tsx, ['src/server.ts'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: '', DATA_DIR: dataDir, PORT: '0', SEED_DEMO: 'false', TRAIN_ON_START: 'false', LOG_LEVEL: 'info' },
    });
    let output = '';
    const ready = new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        output += chunk;
        const match = /"url":"(http:\/\/localhost:\d+\/graphql)"/.exec(output);
        if (match) resolve(match[1]);
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${output}`)));
    });
    const url = await ready;
    expect(await (await fetch(url.replace('/graphql', '/readyz'))).json()).toMatchObject({ status: 'ready', database: 'pglite' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toMatch(/shutting down/);
  });
});
