/**
 * The benchmark's result, its verdict against the targets, and its two renderings: a plain
 * table for the terminal and one Markdown section per dataset in docs/benchmarks.md (a new
 * run replaces that dataset's section and leaves the others).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { projectRoot } from '../paths';
import type { LoadResult } from './load';
import type { DataSizes, TrainingMeasurement } from './prepare';
import type { KindStatus } from './admin';
import type { ServerMemory } from './server-process';

export interface Machine {
  cpus: number;
  cpuModel: string;
  ramBytes: number;
  node: string;
  /** 1-minute load average when the load started: other work on the machine skews the numbers. */
  loadAverage: number;
}

export interface BenchResult {
  dataset: string;
  database: string;
  command: string;
  date: string;
  /** The commit the server ran from, with "+dirty" when tracked files had uncommitted changes. */
  commit: string;
  machine: Machine;
  connections: number;
  durationSeconds: number;
  data: DataSizes;
  /** Null when the dataset was already in the database. */
  importSeconds: number | null;
  /** Null with --skip-train. */
  training: TrainingMeasurement | null;
  recommendationSources: Record<string, number>;
  /** How many users and items the request bodies rotate over. */
  distinctIds: { users: number; items: number };
  load: LoadResult[];
  /** req/s of every run of trivial, in order: the first opens the load rows, one follows each scenario. */
  trivialRuns?: number[];
  /** Null with --skip-experiment or when recommendedItems is not measured. */
  withExperiment: ExperimentRows | null;
  duringRetrain: {
    /** Per measured scenario: was the run still going when its measurement ended? */
    stillRunningAtEnd: Record<string, boolean>;
    run: KindStatus['lastRun'];
    load: LoadResult[];
    /** recommendedItems measured right before the retrain was triggered: the idle rate it is compared with. */
    idleBefore?: LoadResult | null;
  } | null;
  memory: { idle: ServerMemory; afterLoad: ServerMemory; afterRetrain: ServerMemory | null };
}

/** recommendedItems asked by each user, in rounds of a row without and a row with an ITEMS experiment. */
export interface ExperimentRows {
  treatmentVersionId: number;
  /** Impressions the last round's experiment arms recorded (its results query). */
  impressionsPerArm: Record<string, number>;
  rounds: { without: LoadResult; with: LoadResult }[];
}

/** Median over the rounds of throughput with the experiment over throughput without it just before. */
export function experimentRatio(rows: ExperimentRows): number {
  const ratios = rows.rounds.map((r) => r.with.requestsPerSecond / r.without.requestsPerSecond).sort((a, b) => a - b);
  const mid = Math.floor(ratios.length / 2);
  return ratios.length % 2 ? ratios[mid] : (ratios[mid - 1] + ratios[mid]) / 2;
}

export function experimentRows(rows: ExperimentRows): LoadResult[] {
  return rows.rounds.flatMap((r) => [r.without, r.with]);
}

export interface Target {
  name: string;
  status: 'met' | 'missed' | 'n/a';
  detail: string;
}

export function describeMachine(): Machine {
  const cpuinfo = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
  const cpuModel = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  return { cpus: os.availableParallelism(), cpuModel, ramBytes: os.totalmem(), node: process.version, loadAverage: os.loadavg()[0] };
}

export function describeCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: projectRoot(), encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: projectRoot(), encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head}+dirty` : head;
  } catch {
    return 'unknown';
  }
}

const mib = (bytes: number | null) => (bytes === null ? 'n/a' : `${(bytes / 2 ** 20).toFixed(0)} MiB`);
const ms = (value: number) => value.toFixed(value < 10 ? 1 : 0);
/** No latency without an answered request (autocannon reports 0). */
const latency = (r: LoadResult, field: 'p50Ms' | 'p99Ms') => (r.requests > 0 ? ms(r[field]) : 'n/a');

export function judgeTargets(result: BenchResult): Target[] {
  const trivial = result.load.find((r) => r.scenario === 'trivial');
  const rec = result.load.find((r) => r.scenario === 'recommendedItems');
  const targets: Target[] = [];
  // Latency of a run with failures describes only the requests that got through.
  const clean = rec !== undefined && rec.requests > 0 && rec.errors === 0 && rec.non2xx === 0 && rec.graphqlErrors === 0;
  const ratioTarget = (r: LoadResult | undefined, share: number) => {
    const floor = r?.baseline ?? trivial;
    if (!r || !floor) return;
    const ratio = r.requestsPerSecond / floor.requestsPerSecond;
    targets.push({
      name: `${r.scenario} >= ${share * 100}% of trivial throughput`,
      status: r.errors === 0 && r.graphqlErrors === 0 && ratio >= share ? 'met' : 'missed',
      detail: `${(ratio * 100).toFixed(0)}% (${r.requestsPerSecond.toFixed(0)} vs ${floor.requestsPerSecond.toFixed(0)} req/s${r.baseline ? ', trivial around it' : ''})`,
    });
  };
  ratioTarget(rec, 0.6);
  for (const name of ['friendSuggestions', 'similarItems', 'itemPage']) ratioTarget(result.load.find((r) => r.scenario === name), 0.5);
  const recFloor = rec?.baseline ?? trivial;
  if (rec && recFloor) {
    targets.push({
      name: 'recommendedItems p99 <= 2x trivial p99',
      status: clean && rec.p99Ms <= 2 * recFloor.p99Ms ? 'met' : 'missed',
      detail: `p99 ${latency(rec, 'p99Ms')} vs ${ms(recFloor.p99Ms)} ms`,
    });
  }
  if (rec?.sqlPerRequest != null) {
    targets.push({ name: '0 SQL statements per warm recommendedItems request', status: rec.sqlPerRequest < 0.01 ? 'met' : 'missed', detail: `${rec.sqlPerRequest.toFixed(3)} per request, counted on the wire` });
  }
  if (result.withExperiment) {
    const ratio = experimentRatio(result.withExperiment);
    const pairs = result.withExperiment.rounds.map((r) => `${r.with.requestsPerSecond.toFixed(0)}/${r.without.requestsPerSecond.toFixed(0)}`);
    targets.push({
      name: 'recommendedItems with an experiment running >= 95% of without',
      status: ratio >= 0.95 ? 'met' : 'missed',
      detail: `median ${(ratio * 100).toFixed(0)}% (with/without req/s per round: ${pairs.join(', ')})`,
    });
  }
  const during = result.duringRetrain?.load.find((r) => r.scenario === 'recommendedItems');
  const idle = result.duringRetrain?.idleBefore ?? rec;
  if (idle && during) {
    const ratio = during.requestsPerSecond / idle.requestsPerSecond;
    const when = result.duringRetrain?.idleBefore ? ' right before it' : '';
    targets.push({
      name: 'recommendedItems during an ITEMS retrain >= 80% of idle',
      status: ratio >= 0.8 ? 'met' : 'missed',
      detail: `${(ratio * 100).toFixed(0)}% (${during.requestsPerSecond.toFixed(0)} vs ${idle.requestsPerSecond.toFixed(0)} req/s${when})`,
    });
  }
  const limits: Record<string, number> = { lastfm: 20, epinions: 120 };
  const limit = limits[result.dataset];
  const training = result.training;
  const failed = training?.runs.filter((run) => run.outcome === 'FAILED' || run.error) ?? [];
  targets.push({
    name: limit ? `retrain < ${limit >= 60 ? `${limit / 60} min` : `${limit} s`} on ${result.dataset}` : 'retrain time (target only for lastfm, epinions)',
    status: !limit || !training ? 'n/a' : failed.length ? 'missed' : training.wallSeconds < limit ? 'met' : 'missed',
    detail: training
      ? `npm run train --kind all: ${training.wallSeconds.toFixed(1)} s wall (${training.runs.map((r) => `${r.kind} ${r.seconds.toFixed(1)} s ${r.outcome}`).join(', ')})` +
        (failed.length ? `; failed: ${failed.map((r) => `${r.kind}: ${r.error}`).join('; ')}` : '')
      : 'not trained in this run (--skip-train)',
  });
  const peak = Math.max(result.memory.afterLoad.peakRssBytes, result.memory.afterRetrain?.peakRssBytes ?? 0);
  targets.push({
    name: result.dataset === 'epinions' ? 'server memory < 1 GB with Epinions loaded' : 'server memory (target only for epinions)',
    status: result.dataset === 'epinions' ? (peak < 2 ** 30 ? 'met' : 'missed') : 'n/a',
    detail: `peak RSS ${mib(peak)} (serving only: ${mib(result.memory.afterLoad.peakRssBytes)})`,
  });
  return targets;
}

/** A row's ratios are to the trivial runs around it (LoadResult.baseline), else to `fallback`. */
function loadRows(results: LoadResult[], fallback: LoadResult | undefined): string[][] {
  return results.map((r) => [r, r.baseline ?? fallback] as const).map(([r, trivial]) => [
    r.scenario,
    r.requestsPerSecond.toFixed(0),
    latency(r, 'p50Ms'),
    latency(r, 'p99Ms'),
    String(r.errors),
    String(r.non2xx),
    `${r.graphqlErrors}/${r.sampled}`,
    `${r.emptyLists}/${r.sampled}`,
    trivial ? `${((r.requestsPerSecond / trivial.requestsPerSecond) * 100).toFixed(0)}%` : '',
    trivial && trivial.p99Ms > 0 ? `${(r.p99Ms / trivial.p99Ms).toFixed(1)}x` : '',
    r.sqlPerRequest === null || r.sqlPerRequest === undefined ? 'n/a' : r.sqlPerRequest.toFixed(2),
    r.cpuMsPerRequest === null || r.cpuMsPerRequest === undefined ? 'n/a' : r.cpuMsPerRequest.toFixed(2),
    r.drainSeconds.toFixed(1),
  ]);
}

const HEADER = ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'non-2xx', 'GraphQL errors (sampled)', 'empty lists (sampled)', 'vs trivial', 'p99 vs trivial', 'SQL/req', 'CPU ms/req', 'drain s'];

function markdownTable(rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(HEADER), line(HEADER.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

export function textTable(results: LoadResult[], baseline: LoadResult | undefined): string {
  const rows = [HEADER, ...loadRows(results, baseline)];
  const widths = HEADER.map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ')).join('\n');
}

export function trivialOf(results: LoadResult[]): LoadResult | undefined {
  return results.find((r) => r.scenario === 'trivial');
}

export function markdownSection(result: BenchResult): string {
  const m = result.machine;
  const t = result.training;
  const retrain = result.duringRetrain;
  const lines = [
    `## ${result.dataset}`,
    '',
    `${result.date} · commit ${result.commit} · ${m.cpus} CPUs (${m.cpuModel}) · ${mib(m.ramBytes)} RAM · Node ${m.node} · load average ${m.loadAverage.toFixed(1)} at start · database \`${result.database}\``,
    '',
    '```sh',
    result.command,
    '```',
    '',
    `Data: ${result.data.users} users, ${result.data.items} items, ${result.data.interactions} interactions, ${result.data.follows} follows` +
      (result.importSeconds === null ? ' (already imported).' : `; imported in ${result.importSeconds.toFixed(0)} s.`),
    t
      ? `Training (\`npm run train -- --kind all\`): ${t.wallSeconds.toFixed(1)} s wall, peak RSS ${mib(t.peakRssBytes)}; ` +
        t.runs.map((r) => `${r.kind} ${r.seconds.toFixed(1)} s ${r.outcome}${r.error ? ` (${r.error})` : ''}`).join(', ') +
        '.'
      : 'Training: skipped (--skip-train).',
    `Recommendation source on a sample of users: ${Object.entries(result.recommendationSources).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
    '',
    `${result.connections} connections, ${result.durationSeconds} s per scenario, requests rotating over ${result.distinctIds.users} users and ${result.distinctIds.items} items:`,
    '',
    markdownTable(loadRows(result.load, trivialOf(result.load))),
    '',
    ...(result.trivialRuns && result.trivialRuns.length > 1
      ? [`trivial ran first and again after each scenario (${result.trivialRuns.map((r) => r.toFixed(0)).join(', ')} req/s); a row's ratios are to the two runs around it.`, '']
      : []),
  ];
  const experiment = result.withExperiment;
  if (experiment) {
    lines.push(
      `recommendedItems asked by each user with their own token (impressions are recorded only then), alternately without and with an ITEMS experiment ` +
        `(control = the active version, treatment = version ${experiment.treatmentVersionId}, a copy of it; half the users each; ` +
        `impressions per arm in the last round: ${Object.entries(experiment.impressionsPerArm).map(([arm, n]) => `${arm} ${n}`).join(', ')}); ` +
        `median over the rounds of with / without = ${(experimentRatio(experiment) * 100).toFixed(0)}%:`,
      '',
      markdownTable(loadRows(experimentRows(experiment), trivialOf(result.load))),
      '',
    );
  }
  if (retrain) {
    const still = Object.entries(retrain.stillRunningAtEnd).map(([s, running]) => `${s}: ${running ? 'still running' : 'finished before the end'}`);
    lines.push(
      `While an ITEMS retrain runs (admin \`retrainModel\` right before; run ${retrain.run?.state ?? '?'} ${retrain.run?.outcome ?? ''}, ` +
        `${retrain.run?.durationMs != null ? `${(retrain.run.durationMs / 1000).toFixed(1)} s` : 'duration unknown'}; at the end of each measurement ${still.join(', ')}` +
        `${retrain.idleBefore ? `; recommendedItems right before it: ${retrain.idleBefore.requestsPerSecond.toFixed(0)} req/s, p99 ${ms(retrain.idleBefore.p99Ms)} ms` : ''}):`,
      '',
      markdownTable(loadRows(retrain.load, trivialOf(retrain.load))),
      '',
    );
  } else lines.push('Load during a retrain: not measured (--skip-retrain).', '');
  const mem = result.memory;
  lines.push(
    `Server memory (RSS / peak): idle ${mib(mem.idle.rssBytes)} / ${mib(mem.idle.peakRssBytes)}, after load ${mib(mem.afterLoad.rssBytes)} / ${mib(mem.afterLoad.peakRssBytes)}` +
      (mem.afterRetrain ? `, after the in-server retrain ${mib(mem.afterRetrain.rssBytes)} / ${mib(mem.afterRetrain.peakRssBytes)}.` : '.'),
    '',
    '| target | status | measured |',
    '|---|---|---|',
    ...judgeTargets(result).map((target) => `| ${target.name} | ${target.status} | ${target.detail} |`),
  );
  return lines.join('\n');
}

const DOC_INTRO = `# Benchmarks

\`npm run bench -- --dataset <name> [--connections 16] [--duration 10] [--json FILE]\` prepares a
Postgres database with the dataset and trained models, starts the server as a child process and
loads it with autocannon, one scenario at a time, each between two runs of the trivial \`{ __typename }\`
that its ratios are taken against, then again while an ITEMS retrain runs in the server. Each section below is the latest run for one dataset and is rewritten by the next one.

The load generator, the server and Postgres share the machine, so on a small machine the
numbers are a floor for the server alone. "GraphQL errors" and "empty lists" are counted on
one response in ten. "errors" are socket errors and 10 s timeouts. "SQL/req" is every statement
the server process (and its training worker) sent to Postgres during the run, counted on the
wire by a proxy in front of Postgres (src/bench/sql-counter.ts), divided by the requests. Before each scenario's timed warm-up every sampled id is requested
once, so the rows measure warm users and items. "drain s" is how long the
server needed after a run to answer /readyz within 0.5 s again (work the run left behind).
`;

export function updateBenchmarksDoc(file: string, result: BenchResult): void {
  const start = `<!-- bench:${result.dataset} -->`;
  const end = `<!-- /bench:${result.dataset} -->`;
  const section = `${start}\n${markdownSection(result)}\n${end}`;
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : DOC_INTRO;
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  const next =
    from >= 0 && to > from ? current.slice(0, from) + section + current.slice(to + end.length) : `${current.trimEnd()}\n\n${section}\n`;
  fs.writeFileSync(file, next);
}
