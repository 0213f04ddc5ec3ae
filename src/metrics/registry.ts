/**
 * The process's Prometheus metrics (prom-client). One registry per process, as Prometheus
 * expects one target per process; it is created on first use, not at import. Hooks elsewhere
 * are one-liners calling the `record*` functions here, which never throw.
 *
 * Values that live in a database or a running app (model versions, pool usage) are read at
 * scrape time from sources each app registers while it runs (see ./app-sources.ts).
 */
import client from 'prom-client';

/** Something that sets gauges at scrape time; registered per app, removed when it stops. */
export type ScrapeSource = () => Promise<void> | void;

interface ProcessMetrics {
  registry: client.Registry;
  operationSeconds: client.Histogram<'operation' | 'type' | 'outcome'>;
  recommendations: client.Counter<'kind' | 'source'>;
  cacheLookups: client.Counter<'cache' | 'result'>;
  trainingRuns: client.Counter<'kind' | 'outcome'>;
  trainingSeconds: client.Histogram<'kind' | 'outcome'>;
  modelVersionInfo: client.Gauge<'kind' | 'version' | 'backend'>;
  modelVersionAgeSeconds: client.Gauge<'kind' | 'version'>;
  modelLoaded: client.Gauge<'kind'>;
  dbPoolConnections: client.Gauge<'state'>;
  sources: Set<ScrapeSource>;
  /** Operation names already used as label values (capped by the GraphQL plugin). */
  operationNames: Set<string>;
}

let current: ProcessMetrics | null = null;

export function processMetrics(): ProcessMetrics {
  return (current ??= createProcessMetrics());
}

function createProcessMetrics(): ProcessMetrics {
  const registry = new client.Registry();
  // Process CPU, memory, handles, GC and event-loop lag (nodejs_eventloop_lag_*).
  client.collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  const sources = new Set<ScrapeSource>();
  const registers = [registry];
  return {
    registry,
    sources,
    operationNames: new Set(),
    operationSeconds: new client.Histogram({
      name: 'graphql_operation_duration_seconds',
      help: 'GraphQL operations by name, type and outcome (ok or the first error code); _count counts requests',
      labelNames: ['operation', 'type', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    recommendations: new client.Counter({
      name: 'recommendations_served_total',
      help: 'Recommendation lists served, by kind (items, friends) and source (MODEL or FALLBACK)',
      labelNames: ['kind', 'source'],
      registers,
    }),
    cacheLookups: new client.Counter({
      name: 'cache_lookups_total',
      help: 'Lookups in in-process caches, by cache and result (hit or miss)',
      labelNames: ['cache', 'result'],
      registers,
    }),
    trainingRuns: new client.Counter({
      name: 'training_runs_total',
      help: 'Training runs finished in this process, by kind and outcome',
      labelNames: ['kind', 'outcome'],
      registers,
    }),
    trainingSeconds: new client.Histogram({
      name: 'training_duration_seconds',
      help: 'Wall time of training runs finished in this process (snapshot, training, evaluation, storing)',
      labelNames: ['kind', 'outcome'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
      registers,
    }),
    // The gauges below are set by scrape sources just before each scrape (see scrape()).
    modelVersionInfo: new client.Gauge({
      name: 'model_version_info',
      help: 'The ACTIVE model version of each kind (value 1)',
      labelNames: ['kind', 'version', 'backend'],
      registers,
    }),
    modelVersionAgeSeconds: new client.Gauge({
      name: 'model_version_age_seconds',
      help: 'Seconds since the ACTIVE version of each kind was trained',
      labelNames: ['kind', 'version'],
      registers,
    }),
    modelLoaded: new client.Gauge({
      name: 'recommender_model_loaded',
      help: '1 when this process serves a trained model of the kind, 0 when fallbacks serve',
      labelNames: ['kind'],
      registers,
    }),
    dbPoolConnections: new client.Gauge({
      name: 'db_pool_connections',
      help: 'Postgres pool connections by state (total, idle, waiting = queued requests); absent on embedded PGlite',
      labelNames: ['state'],
      registers,
    }),
  };
}

let scraping: Promise<unknown> = Promise.resolve();

/**
 * The exposition text. prom-client collects metrics concurrently, so scrape-time gauges are
 * filled here first; scrapes are serialised so one's reset never empties another's answer.
 */
export function scrape(): Promise<string> {
  const next = scraping.then(async () => {
    const m = processMetrics();
    // Gauges whose label sets change (a new version) start empty on each scrape.
    for (const gauge of [m.modelVersionInfo, m.modelVersionAgeSeconds, m.modelLoaded, m.dbPoolConnections]) gauge.reset();
    // A failing source (database down) leaves its series out; the scrape itself still answers.
    await Promise.allSettled([...m.sources].map(async (source) => source()));
    return m.registry.metrics();
  });
  scraping = next.catch(() => undefined);
  return next;
}

export const metricsContentType = (): string => processMetrics().registry.contentType;

/** Registers a scrape source until the returned function is called. */
export function addScrapeSource(source: ScrapeSource): () => void {
  const { sources } = processMetrics();
  sources.add(source);
  return () => void sources.delete(source);
}

export function recordRecommendation(kind: 'items' | 'friends', source: string): void {
  processMetrics().recommendations.inc({ kind, source });
}

/** One lookup in a named in-process cache; hit ratio = hits / lookups (see docs/metrics.md). */
export function recordCacheLookup(cache: string, hit: boolean): void {
  processMetrics().cacheLookups.inc({ cache, result: hit ? 'hit' : 'miss' });
}

/**
 * A finished training run; returns it unchanged so it can sit in the run's promise chain,
 * and never throws, so that chain keeps its never-rejects guarantee.
 */
export function recordTrainingRun<T extends { kind: string; outcome: string | null; startedAt: Date; finishedAt: Date | null }>(run: T): T {
  try {
    const m = processMetrics();
    const labels = { kind: run.kind, outcome: run.outcome ?? 'UNKNOWN' };
    m.trainingRuns.inc(labels);
    if (run.finishedAt) m.trainingSeconds.observe(labels, (run.finishedAt.getTime() - run.startedAt.getTime()) / 1000);
  } catch {
    // Metrics are best effort; the run is already recorded in its row.
  }
  return run;
}
