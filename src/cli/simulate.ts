/**
 * `npm run simulate -- --dataset lastfm [--dir PATH] [--holdout 0.2] [--rounds 2] [--page 10] [--aa-runs 3]
 * [--min-impressions 300] [--seed 1] [--treatment strong|weak]`: closes the loop from offline to online evaluation.
 *
 * Into a fresh database (a new Postgres database when DATABASE_URL is set, dropped at the
 * end; else an in-memory PGlite): imports the dataset without a hash-chosen `holdout` share
 * of each user's interactions, trains the default item model (strong) and a popularity-like
 * one (weak: one cosine neighbour, no ranker, no kNN sources), starts an experiment and replays every user through the GraphQL API with the
 * position-biased behaviour of src/online/simulation.ts on their held-out items. Prints
 * per-arm metrics, the verdict and whether the online order matches the offline one; then
 * `aa-runs` A/A experiments (the control against a byte-identical copy of itself) and how
 * many declared a winner.
 *
 * The control is always the active version. With `--treatment strong` (the default) the weak
 * version is activated first, so the candidate under test is the better one and a detected
 * difference reads "promote the treatment", the case the platform is for; `--treatment weak`
 * keeps the strong one active and tests the weak one against it (the guardrail's case).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { mintToken } from '../auth';
import { loadConfig } from '../config';
import { openDatabase, type Database } from '../db/client';
import { migrate } from '../db/migrate';
import { openDataset } from '../datasets/open';
import { DATASET_NAMES, type DatasetReader } from '../datasets/types';
import { importDataset } from '../importer/import-dataset';
import { startRetrain } from '../jobs/retrain';
import { createLogger } from '../logger';
import { unitHash } from '../online/assignment';
import { createExperiment, parseExperiment, startExperiment, stopExperiment } from '../online/experiments';
import { experimentResults, type ExperimentResults } from '../online/results';
import { defaultOnlineSettings } from '../online/settings';
import { positionBiasedUser, replay, type ReplayTarget } from '../online/simulation';
import { seededRng } from '../recommender/eval/rng';
import { startServer, type RunningServer } from '../server';
import { parseCommand } from './args';
import { exitOnError } from './errors';

const SECRET = 'simulate-secret-0123456789';
const WEAK = { itemItem: { kind: 'cosine', neighbours: 1 }, itemKnnNeighbours: 0, userNeighbours: 0, ranker: { enabled: false } };

const log = (message: string) => console.error(`[simulate] ${message}`);

/** The dataset minus the held-out interactions, which are kept per user. */
function trainingPart(reader: DatasetReader, holdout: number, heldOut: Map<string, Set<string>>): DatasetReader {
  return {
    name: reader.name,
    dir: reader.dir,
    issues: reader.issues,
    users: () => reader.users(),
    items: () => reader.items(),
    edges: () => reader.edges(),
    async *interactions() {
      for await (const row of reader.interactions()) {
        if (unitHash(`holdout:${row.user}:${row.item}`) < holdout) {
          const set = heldOut.get(row.user) ?? new Set<string>();
          set.add(row.item);
          heldOut.set(row.user, set);
        } else yield row;
      }
    },
  };
}

async function freshDatabase(): Promise<{ db: Database; drop(): Promise<void> }> {
  const base = process.env.DATABASE_URL;
  if (!base) {
    const db = await openDatabase({ url: null, dataDir: 'memory://' });
    return { db, drop: () => db.close() };
  }
  const name = `simulate_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: base });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  const db = await openDatabase({ url: url.toString(), poolSize: 8 });
  return { db, drop: async () => (await db.close(), await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)) };
}

function describe(results: ExperimentResults): string {
  const lines = results.arms.map((r) => {
    const m = r.metrics;
    const vs = r.ctrVersusControl
      ? `  diff ${r.ctrVersusControl.difference.toFixed(4)} [${r.ctrVersusControl.interval.low.toFixed(4)}, ${r.ctrVersusControl.interval.high.toFixed(4)}] p=${r.ctrVersusControl.pValue.toFixed(4)}`
      : '';
    const stopped = r.arm.stoppedReason ? `  STOPPED at ${r.arm.stoppedAt} (${r.arm.stoppedReason})` : '';
    const userCtr = m.exposedUsers ? m.engagedUsers / m.exposedUsers : 0;
    return `  ${r.arm.name.padEnd(10)} v${r.arm.versionId}  impressions ${m.impressions}  users ${m.engagedUsers}/${m.exposedUsers} engaged = ${userCtr.toFixed(4)} [${r.ctrInterval.low.toFixed(4)}, ${r.ctrInterval.high.toFixed(4)}]  CTR ${m.ctr.toFixed(4)}  per-item ${m.ctrPerShownId.toFixed(4)}  positive ${m.positiveRate.toFixed(4)}  HIDE ${m.hideRate.toFixed(4)}  MRR ${m.mrr.toFixed(4)}  coverage ${m.coverage.toFixed(4)}${vs}${stopped}`;
  });
  return [...lines, `  verdict ${results.verdict}${results.winner ? ` (winner: ${results.winner.name})` : ''}`].join('\n');
}

async function main(): Promise<void> {
  const { values, usageError } = parseCommand({
    command: 'npm run simulate --',
    summary:
      "A/B simulation (docs/online-evaluation.md): imports the dataset without a held-out share of each user's interactions\n" +
      "into a fresh database (a new one on DATABASE_URL's server, dropped at the end, else an in-memory PGlite), trains a\n" +
      'strong and a weak item model, runs an experiment with virtual users replaying their held-out items through the\n' +
      'GraphQL API, prints per-arm metrics and the verdict, then A/A runs (the control against a copy of itself).',
    options: {
      dataset: { type: 'string', value: 'NAME', default: 'lastfm', choices: DATASET_NAMES, help: 'the dataset to replay' },
      dir: { type: 'string', value: 'PATH', help: "the dataset's own folder; default DATASETS_DIR/<its folder>" },
      holdout: { type: 'string', value: 'SHARE', default: '0.2', help: "share of each user's interactions held out as what they will click, between 0 and 1" },
      rounds: { type: 'string', value: 'N', default: '2', min: 1, help: 'pages each user asks for' },
      page: { type: 'string', value: 'N', default: '10', min: 1, help: 'recommendations per page' },
      'aa-runs': { type: 'string', value: 'N', default: '3', min: 0, help: 'A/A experiments after the A/B one' },
      'min-impressions': { type: 'string', value: 'N', default: '300', min: 1, help: 'impressions each arm needs before a verdict' },
      seed: { type: 'string', value: 'S', default: '1', min: 0, help: "seed of the virtual users' behaviour" },
      treatment: {
        type: 'string',
        default: 'strong',
        choices: ['strong', 'weak'],
        help: 'the candidate under test against the active version: strong (the weak one is activated first) or weak',
      },
    },
  });
  const dataset = values.dataset;
  const holdout = Number(values.holdout);
  if (!(holdout > 0 && holdout < 1)) throw usageError(`--holdout must be a number between 0 and 1 (not "${values.holdout}")`);
  const { rounds, page, 'aa-runs': aaRuns, 'min-impressions': minImpressions, seed } = values;
  // Before any database is made: a missing folder or file is the user's to fix.
  const reader = openDataset(dataset, values.dir);

  const { db, drop } = await freshDatabase();
  let server: RunningServer | null = null;
  try {
    await migrate(db);
    const heldOut = new Map<string, Set<string>>();
    log(`importing ${dataset} without ${holdout * 100}% of each user's interactions`);
    await importDataset(db, trainingPart(reader, holdout, heldOut));
    const config = loadConfig({ NODE_ENV: 'test', PORT: '0', JWT_SECRET: SECRET, SEED_DEMO: 'false', TRAIN_ON_START: 'false', LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '0' });
    const logger = createLogger('silent');
    server = await startServer(config, logger, { db, online: defaultOnlineSettings });
    const running = server;
    const train = async (params?: Record<string, unknown>) => {
      const started = await startRetrain({ config, db, logger, onPromoted: () => running.recommender.sync(), params }, 'ITEMS', 'CLI');
      if ('busy' in started) throw new Error('busy');
      const run = await started.done;
      if (!run.versionId) throw new Error(`training failed: ${run.error}`);
      return db.prisma.modelVersion.findUniqueOrThrow({ where: { id: run.versionId }, omit: { artifact: true } });
    };
    log('training the strong version (defaults)');
    const strong = await train();
    log('training the weak version (popularity-like)');
    const weak = await train(WEAK);
    const ndcg = (v: { metrics: unknown }) => Number((v.metrics as Record<string, unknown>).ndcgAt10);
    log(`offline NDCG@10: strong v${strong.id} ${ndcg(strong).toFixed(4)} (${strong.status}), weak v${weak.id} ${ndcg(weak).toFixed(4)} (${weak.status})`);
    const [controlVersion, treatmentVersion] = values.treatment === 'strong' ? [weak, strong] : [strong, weak];
    if (controlVersion.id !== (await db.prisma.modelVersion.findFirst({ where: { kind: 'ITEMS', status: 'ACTIVE' } }))?.id) {
      // The control is whatever is active: make it the weak one, through the admin path.
      const activated = await running.recommender.activate(controlVersion.id);
      if ('error' in activated) throw new Error(activated.error);
    }

    const users = await db.query<{ id: number; externalId: string }>(`SELECT id, "externalId" FROM "User" WHERE "externalId" IS NOT NULL`);
    const items = new Map((await db.query<{ id: number; externalId: string }>(`SELECT id, "externalId" FROM "Item"`)).map((r) => [r.externalId, Number(r.id)]));
    const positives = new Map<number, Set<number>>();
    for (const user of users) {
      // The importer namespaces external ids by dataset ("lastfm:123").
      const held = heldOut.get(user.externalId.slice(dataset.length + 1));
      if (held) positives.set(Number(user.id), new Set([...held].map((e) => items.get(`${dataset}:${e}`)).filter((id): id is number => id !== undefined)));
    }
    const userIds = [...positives.keys()];
    if (userIds.length === 0) throw new Error('no user has held-out interactions');
    const tokens = new Map<number, string>();
    const target: ReplayTarget = {
      async gql(query, variables, userId) {
        let token = tokens.get(userId);
        if (!token) tokens.set(userId, (token = await mintToken(SECRET, userId)));
        const response = await fetch(running.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query, variables }),
        });
        const body = (await response.json()) as { data?: unknown; errors?: { message: string }[] };
        if (body.errors) throw new Error(body.errors[0].message);
        return body.data as never;
      },
    };
    const adminId = userIds[0];
    const runExperiment = async (treatmentId: number, label: string, rngSeed: number) => {
      const created = await createExperiment(db.prisma, { name: label, kind: 'ITEMS', treatments: [{ versionId: treatmentId, share: 1 }], controlShare: 1, audienceShare: 1, minImpressionsPerArm: minImpressions }, adminId);
      if ('error' in created) throw new Error(created.error);
      const started = await startExperiment(db.prisma, created.ok.id, adminId);
      if ('error' in started) throw new Error(started.error);
      await running.online.refresh();
      const t0 = Date.now();
      const stats = await replay(target, userIds, positionBiasedUser(positives, seededRng(rngSeed)), { rounds, pageSize: page, concurrency: 8 });
      await running.online.recorder.flush();
      const row = await db.prisma.experiment.findUniqueOrThrow({ where: { id: created.ok.id } });
      const results = await experimentResults(db, parseExperiment(row), running.online.settings);
      await stopExperiment(db.prisma, created.ok.id, adminId, { reason: 'simulation finished' });
      await running.online.refresh();
      log(`${label}: ${stats.requests} requests, ${stats.actions} actions in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      return results;
    };

    const name = (v: { id: number }) => (v.id === strong.id ? 'strong' : 'weak');
    const ab = await runExperiment(treatmentVersion.id, `A/B ${name(controlVersion)} (control) vs ${name(treatmentVersion)}`, seed);
    console.log(
      `A/B on ${dataset}: control = ${name(controlVersion)} v${controlVersion.id}, treatment = ${name(treatmentVersion)} v${treatmentVersion.id}; ${userIds.length} users x ${rounds} rounds, page ${page}`,
    );
    console.log(describe(ab));
    const [control, treatment] = ab.arms;
    const strongArm = treatmentVersion.id === strong.id ? treatment : control;
    const weakArm = strongArm === control ? treatment : control;
    const onlineStrongBetter = strongArm.metrics.ctr > weakArm.metrics.ctr;
    const offlineStrongBetter = ndcg(strong) > ndcg(weak);
    console.log(`  online order ${onlineStrongBetter ? 'strong > weak' : 'weak >= strong'}; offline order ${offlineStrongBetter ? 'strong > weak' : 'weak >= strong'}: ${onlineStrongBetter === offlineStrongBetter ? 'agree' : 'DISAGREE'}`);
    console.log(`  extra model bytes held during the experiment: ${treatmentVersion.artifactBytes} (artifact of v${treatmentVersion.id})`);

    if (aaRuns > 0) {
      // A byte-identical copy of the control: any difference the test reports is noise.
      const [copy] = await db.query<{ id: number }>(
        `INSERT INTO "ModelVersion" (kind, status, params, "dataSizes", metrics, backend, "trainingMs", artifact, "artifactBytes", checksum, "dataWatermark")
         SELECT kind, 'CANDIDATE', params, "dataSizes", metrics, backend, "trainingMs", artifact, "artifactBytes", checksum, "dataWatermark"
         FROM "ModelVersion" WHERE id = $1 RETURNING id`,
        [controlVersion.id],
      );
      let winners = 0;
      for (let run = 0; run < aaRuns; run++) {
        const aa = await runExperiment(Number(copy.id), `A/A run ${run + 1}`, seed + 100 + run);
        if (aa.verdict === 'TREATMENT_WINS' || aa.verdict === 'CONTROL_WINS') winners++;
        console.log(`A/A run ${run + 1}:\n${describe(aa)}`);
      }
      console.log(`A/A: ${winners} of ${aaRuns} runs declared a winner`);
    }
  } finally {
    await server?.stop();
    await drop();
  }
}

main().catch(exitOnError);
