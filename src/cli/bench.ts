/**
 * `npm run bench -- [--dataset lastfm] [--database NAME] [--connections 16] [--duration 10]
 * [--warmup 2] [--postgres URL] [--json FILE] [--doc FILE] [--skip-train] [--skip-retrain] [--skip-experiment] [--only a,b] [--cpu-prof DIR]`:
 * prepares a Postgres database with the dataset and trained models, starts the server as a
 * child process, measures each scenario at fixed concurrency, recommendedItems asked by each
 * user without and with an ITEMS experiment running, again while an ITEMS retrain runs, and
 * writes docs/benchmarks.md.
 * Exits 1 when any request failed or any sampled response carried GraphQL errors.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { mintToken } from '../auth';
import { DATASET_NAMES } from '../datasets/types';
import { armImpressions, itemsStatus, recommendationSources, startItemsExperiment, stopExperiment, triggerItemsRetrain, type KindStatus } from '../bench/admin';
import { runLoad, type LoadOptions, type LoadResult } from '../bench/load';
import { copyActiveItemsVersion, dataSizes, databaseUrl, ensureDatabase, importDatasetInto, sampleIds, trainAll } from '../bench/prepare';
import { describeCommit, describeMachine, judgeTargets, textTable, trivialOf, updateBenchmarksDoc, type BenchResult, type ExperimentRows, experimentRatio, experimentRows } from '../bench/report';
import { buildScenarios, recommendedItemsAsUser, type Scenario } from '../bench/scenarios';
import { startSqlCounter, type SqlCounter } from '../bench/sql-counter';
import { startServerProcess, type ServerUnderTest } from '../bench/server-process';
import { projectRoot } from '../paths';
import { parseCommand } from './args';
import { exitOnError } from './errors';

/** Many ids, so per-user caches in the server see about as many misses as real traffic would. */
const SAMPLED_IDS = 5000;
const SOURCE_CHECK_USERS = 20;
const RETRAIN_WAIT_MS = 60 * 60_000;

function parseArguments() {
  // What --only accepts, read off the scenarios themselves (built from one placeholder id each).
  const scenarioNames: string[] = buildScenarios({ users: [1], items: [1] }).map((scenario) => scenario.name);
  const { values, usageError } = parseCommand({
    command: 'npm run bench --',
    summary:
      'Load benchmark (docs/benchmarks.md): prepares a Postgres database with the dataset and trained models, starts the\n' +
      'server as a child process, measures each scenario at fixed concurrency, then recommendedItems without and with an\n' +
      "ITEMS experiment and again while an ITEMS retrain runs, and rewrites the dataset's section of the doc. Exits 1 when\n" +
      'any request failed or any sampled response carried GraphQL errors.',
    options: {
      dataset: { type: 'string', value: 'NAME', default: 'lastfm', choices: DATASET_NAMES, help: 'the dataset to import (when the database has none) and load with' },
      database: { type: 'string', value: 'NAME', help: 'the Postgres database to use, created when missing; default bench_<dataset>' },
      postgres: { type: 'string', value: 'URL', default: 'postgres://postgres@127.0.0.1:5432/postgres', help: 'any database on the Postgres server to use; the bench database is created through it' },
      connections: { type: 'string', value: 'N', default: '16', min: 1, help: 'concurrent connections per scenario' },
      duration: { type: 'string', value: 'SECONDS', default: '10', min: 1, help: 'measured time per scenario' },
      warmup: { type: 'string', value: 'SECONDS', default: '2', min: 0, help: 'warm-up before each measurement, after one request per sampled id; 0: neither' },
      json: { type: 'string', value: 'FILE', help: 'also write the full result to FILE as JSON' },
      doc: { type: 'string', value: 'FILE', default: 'docs/benchmarks.md', help: 'the markdown file whose section for the dataset is rewritten' },
      'skip-train': { type: 'boolean', help: 'use the models already in the database instead of training' },
      'skip-retrain': { type: 'boolean', help: 'skip the measurement during an ITEMS retrain' },
      'skip-experiment': { type: 'boolean', help: 'skip recommendedItems without and with an ITEMS experiment' },
      only: { type: 'string', value: 'LIST', help: `comma-separated scenarios to run, of ${scenarioNames.join(', ')}; trivial always runs` },
      'cpu-prof': { type: 'string', value: 'DIR', help: 'the server writes a V8 CPU profile into DIR when it exits' },
    },
  });
  const only = values.only?.split(',').map((name) => name.trim());
  const unknown = only?.filter((name) => !scenarioNames.includes(name));
  if (unknown?.length) throw usageError(`--only: no scenario ${unknown.join(', ')}; the scenarios are ${scenarioNames.join(', ')}`);
  return {
    dataset: values.dataset,
    database: values.database ?? `bench_${values.dataset.replace(/-/g, '_')}`,
    postgres: values.postgres,
    connections: values.connections,
    duration: values.duration,
    warmup: values.warmup,
    json: values.json,
    doc: path.resolve(projectRoot(), values.doc),
    skipTrain: values['skip-train'],
    skipRetrain: values['skip-retrain'],
    skipExperiment: values['skip-experiment'],
    // A directory: the server child writes a V8 CPU profile there when it exits.
    cpuProf: values['cpu-prof'] ? path.resolve(values['cpu-prof']) : null,
    // The trivial scenario always runs: every ratio is taken against it in the same run.
    only: only ? new Set(['trivial', ...only]) : null,
  };
}

async function measure(server: ServerUnderTest, scenario: Scenario, options: LoadOptions, warmupSeconds: number, counter: SqlCounter): Promise<LoadResult> {
  if (warmupSeconds > 0) {
    // One request per sampled id first, so the run measures warm users and items (what
    // serving from memory is for); the timed warm-up then settles the JIT.
    if (scenario.bodies.length > 1) await runLoad(scenario, { ...options, amount: scenario.bodies.length });
    await runLoad(scenario, { ...options, durationSeconds: warmupSeconds });
    await server.drain();
  }
  const before = counter.statements;
  const cpuBefore = server.cpuSeconds();
  const result = await runLoad(scenario, options);
  result.sqlPerRequest = result.requests ? (counter.statements - before) / result.requests : null;
  result.cpuMsPerRequest = result.requests ? ((server.cpuSeconds() - cpuBefore) * 1000) / result.requests : null;
  result.drainSeconds = await server.drain();
  console.log(
    `  ${scenario.name}: ${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, ` +
      `${result.sqlPerRequest?.toFixed(2) ?? 'n/a'} SQL/req, ${result.cpuMsPerRequest?.toFixed(2) ?? 'n/a'} CPU ms/req, ${result.errors} errors, drained in ${result.drainSeconds.toFixed(1)} s`,
  );
  return result;
}

/**
 * Every scenario between two runs of trivial, so each is compared with the API's floor as
 * measured minutes apart at most: a shared host's speed moved by a fifth between scenarios
 * of one run (Last.fm, 2026-12-03: itemPage 39% of trivial in one run, 64% and 67% alone).
 * The trivial row is its first run.
 */
async function measureBracketed(
  server: ServerUnderTest,
  scenarios: Scenario[],
  options: LoadOptions,
  warmup: number,
  counter: SqlCounter,
): Promise<{ load: LoadResult[]; trivialRuns: number[] }> {
  const trivial = scenarios.find((s) => s.name === 'trivial')!;
  let before = await measure(server, trivial, options, warmup, counter);
  const load = [before];
  const trivialRuns = [before.requestsPerSecond];
  for (const scenario of scenarios.filter((s) => s !== trivial)) {
    const result = await measure(server, scenario, options, warmup, counter);
    const after = await measure(server, trivial, options, warmup, counter);
    result.baseline = { requestsPerSecond: (before.requestsPerSecond + after.requestsPerSecond) / 2, p99Ms: (before.p99Ms + after.p99Ms) / 2 };
    load.push(result);
    trivialRuns.push(after.requestsPerSecond);
    before = after;
  }
  return { load, trivialRuns };
}

/** Load during an admin-triggered ITEMS retrain; the run's status is read after each measurement. */
async function measureDuringRetrain(server: ServerUnderTest, scenarios: Scenario[], options: LoadOptions, counter: SqlCounter) {
  // The idle rate it is compared with, measured right before: seconds apart, not the whole
  // run (one run's 73% of idle was the host slowing; 97% minutes later).
  const recommended = scenarios.find((s) => s.name === 'recommendedItems');
  if (recommended) console.log('right before the retrain:');
  const idleBefore = recommended ? await measure(server, recommended, options, 0, counter) : null;
  console.log('while retraining ITEMS:');
  await triggerItemsRetrain(server.baseUrl, options.token);
  const load: LoadResult[] = [];
  const stillRunningAtEnd: Record<string, boolean> = {};
  for (const name of ['recommendedItems', 'trivial']) {
    const scenario = scenarios.find((s) => s.name === name);
    if (!scenario) continue;
    load.push(await measure(server, scenario, options, 0, counter));
    stillRunningAtEnd[name] = (await itemsStatus(server.baseUrl, options.token)).state === 'TRAINING';
    console.log(`  retrain ${stillRunningAtEnd[name] ? 'still running' : 'already finished'} at the end of ${name}`);
  }
  // A poll can fail without the server failing (a keep-alive socket it closed as the request
  // went out, after the swap held its event loop): only a server that has exited ends the wait.
  const poll = async (): Promise<KindStatus | null> =>
    itemsStatus(server.baseUrl, options.token).catch((error: unknown) => {
      const ended = server.ended();
      if (ended) throw new Error(`the server stopped during the retrain (${ended})`);
      console.log(`  status poll failed (${error instanceof Error ? error.message : error}); the server runs, polling on`);
      return null;
    });
  let status = await poll();
  const deadline = Date.now() + RETRAIN_WAIT_MS;
  while ((status === null || status.state === 'TRAINING') && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    status = await poll();
  }
  if (!status) throw new Error('the server did not answer modelStatus before the retrain deadline');
  return { load, stillRunningAtEnd, run: status.lastRun, idleBefore };
}

/** Pairs of rows without and with an experiment: on a shared machine one pair is too noisy for a 5% question. */
const EXPERIMENT_ROUNDS = 3;

/**
 * recommendedItems asked by each user (so impressions are recorded), alternately without an
 * experiment and with one (control = the active ITEMS version, treatment = a copy of it, half
 * the users each), EXPERIMENT_ROUNDS times; a new experiment per round, the same treatment.
 */
async function measureWithExperiment(
  server: ServerUnderTest,
  url: string,
  scenario: Scenario,
  options: LoadOptions,
  warmupSeconds: number,
  counter: SqlCounter,
): Promise<ExperimentRows> {
  console.log(`recommendedItems by each user, without / with an ITEMS experiment, ${EXPERIMENT_ROUNDS} rounds:`);
  const treatmentVersionId = await copyActiveItemsVersion(url);
  const rounds: ExperimentRows['rounds'] = [];
  let impressionsPerArm: Record<string, number> = {};
  for (let round = 1; round <= EXPERIMENT_ROUNDS; round++) {
    const without = { ...(await measure(server, scenario, options, warmupSeconds, counter)), scenario: `recommendedItemsAsUser ${round}, no experiment` };
    const id = await startItemsExperiment(server.baseUrl, options.token, treatmentVersionId);
    try {
      const withExperiment = { ...(await measure(server, scenario, options, warmupSeconds, counter)), scenario: `recommendedItemsAsUser ${round}, experiment` };
      rounds.push({ without, with: withExperiment });
      // The recorder writes at least once a second: wait for the last batch before counting.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      impressionsPerArm = await armImpressions(server.baseUrl, options.token, id);
      console.log(`  impressions per arm: ${JSON.stringify(impressionsPerArm)}`);
    } finally {
      await stopExperiment(server.baseUrl, options.token, id);
    }
  }
  return { treatmentVersionId, impressionsPerArm, rounds };
}

async function main(): Promise<void> {
  const args = parseArguments();
  const url = databaseUrl(args.postgres, args.database);
  console.log(`database ${args.database}: ${(await ensureDatabase(args.postgres, args.database)) ? 'created' : 'exists'}`);
  let data = await dataSizes(url, args.dataset);
  let importSeconds: number | null = null;
  if (data.users === 0) {
    console.log(`importing ${args.dataset}`);
    importSeconds = await importDatasetInto(url, args.dataset);
    data = await dataSizes(url, args.dataset);
  } else console.log(`${args.dataset} already imported (${data.users} users)`);
  const training = args.skipTrain ? null : await trainAll(url);
  if (training) console.log(`trained in ${training.wallSeconds.toFixed(1)} s`);

  const secret = randomBytes(24).toString('hex');
  // Every statement the server sends passes through the counting proxy.
  const target = new URL(url);
  const counter = await startSqlCounter({ host: target.hostname, port: Number(target.port || 5432) });
  const server = await startServerProcess(
    { ...process.env, DATABASE_URL: counter.urlFor(url), JWT_SECRET: secret, NODE_ENV: 'production' },
    args.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${args.cpuProf}`] : [],
  );
  try {
    const idle = server.memory();
    const ids = await sampleIds(url, args.dataset, SAMPLED_IDS);
    const scenarios = buildScenarios(ids).filter((scenario) => !args.only || args.only.has(scenario.name));
    const token = await mintToken(secret, ids.users[0] ?? 1, { admin: true, expiresIn: '6h' });
    const measureExperiment = !args.skipExperiment && scenarios.some((s) => s.name === 'recommendedItems');
    const userTokens = measureExperiment ? await Promise.all(ids.users.map((id) => mintToken(secret, id, { expiresIn: '6h' }))) : [];
    const options: LoadOptions = { baseUrl: server.baseUrl, token, connections: args.connections, durationSeconds: args.duration };
    const sources = await recommendationSources(server.baseUrl, token, ids.users.slice(0, SOURCE_CHECK_USERS));
    console.log(`server pid ${server.pid} at ${server.baseUrl}; ${ids.users.length} users, ${ids.items.length} items sampled`);
    const machine = describeMachine();
    const commit = describeCommit();
    const { load, trivialRuns } = await measureBracketed(server, scenarios, options, args.warmup, counter);
    const withExperiment = measureExperiment
      ? await measureWithExperiment(server, url, recommendedItemsAsUser(ids.users, userTokens), options, args.warmup, counter)
      : null;
    const afterLoad = server.memory();
    const duringRetrain = args.skipRetrain
      ? null
      : await measureDuringRetrain(server, scenarios, options, counter).catch((error: unknown) => {
          console.error(`  retrain measurement failed: ${error instanceof Error ? error.message : error}`);
          return null;
        });
    const result: BenchResult = {
      dataset: args.dataset,
      database: args.database,
      command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
      date: new Date().toISOString(),
      commit,
      machine,
      connections: args.connections,
      durationSeconds: args.duration,
      data,
      importSeconds,
      training,
      recommendationSources: sources,
      distinctIds: { users: ids.users.length, items: ids.items.length },
      load,
      trivialRuns,
      withExperiment,
      duringRetrain,
      memory: { idle, afterLoad, afterRetrain: duringRetrain ? server.memory() : null },
    };
    report(result, args);
  } finally {
    await server.stop();
    await counter.close();
  }
}

function report(result: BenchResult, args: ReturnType<typeof parseArguments>): void {
  console.log(`\n${result.dataset}, ${result.connections} connections, ${result.durationSeconds} s per scenario\n`);
  console.log(textTable(result.load, trivialOf(result.load)));
  if (result.trivialRuns && result.trivialRuns.length > 1) console.log(`trivial runs: ${result.trivialRuns.map((r) => r.toFixed(0)).join(', ')} req/s`);
  const experiment = result.withExperiment;
  if (experiment) {
    console.log(`\nrecommendedItems by each user, without / with an ITEMS experiment: median ratio ${(experimentRatio(experiment) * 100).toFixed(0)}%\n`);
    console.log(textTable(experimentRows(experiment), trivialOf(result.load)));
  }
  if (result.duringRetrain) {
    console.log('\nwhile an ITEMS retrain runs\n');
    console.log(textTable(result.duringRetrain.load, trivialOf(result.duringRetrain.load)));
  }
  console.log('');
  for (const target of judgeTargets(result)) console.log(`${target.status.padEnd(7)} ${target.name}: ${target.detail}`);
  updateBenchmarksDoc(args.doc, result);
  console.log(`\nwrote ${path.relative(process.cwd(), args.doc)}`);
  if (args.json) fs.writeFileSync(args.json, `${JSON.stringify(result, null, 2)}\n`);
  const failures = [...result.load, ...(experiment ? experimentRows(experiment) : []), ...(result.duringRetrain?.load ?? [])].filter((r) => r.errors || r.non2xx || r.graphqlErrors);
  for (const failure of failures) {
    console.error(`${failure.scenario}: ${failure.errors} errors, ${failure.non2xx} non-2xx, ${failure.graphqlErrors} with GraphQL errors (${failure.firstGraphqlError})`);
  }
  if (failures.length) process.exitCode = 1;
}

main().catch(exitOnError);
