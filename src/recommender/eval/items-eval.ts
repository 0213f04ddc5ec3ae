/**
 * The item task of ../shared/EVALUATION.md for one dataset: split, then MostPop, friends'
 * items (when there is a social graph), cosine ItemKNN, EASE (when its dense dimension is at
 * most EASE_MAX_DIM) at the reference lambda and at the lambda tuned on validation, and the
 * project's model (tuned item-item + sources + learned ranker), all on the same split. When
 * exact EASE is too large, the row shows EASE on the catalogue's head, which is what the
 * project's model then uses as its item-item part.
 */
import { openDataset } from '../../datasets/open';
import type { DatasetName } from '../../datasets/types';
import { buildInteractions, type ItemTrainingData } from '../items/data';
import { friendsItemsScores, popularityScores } from './items/baselines';
import { easeDimension, fitEase } from '../train/items/ease';
import { loadIndexedDataset } from './items/from-dataset';
import { fitItemKnn } from '../train/items/itemknn';
import type { ItemModel, ItemModelConfigInput } from '../items/model';
import { trainItemModel } from '../train/items/trainer';
import { createTrainingPool } from '../train/items/pool';
import { accumulate, type NeighbourLists } from '../items/neighbours';
import { recommendItems } from '../items/scoring';
import { socialCircle } from '../items/social';
import { topK } from '../top-k';
import { MetricsAccumulator } from './metrics';
import type { EvalRow, EvalTable } from './report';
import { heldOutByUser, holdOut, type SplitMode } from './split';
import type { Csr } from '../sparse';

/** Above this the dense EASE baseline (m^3/2 multiply-adds in plain TypeScript) is skipped. */
export const EASE_MAX_DIM = 6000;

/** Reference lambdas of EVALUATION.md; other datasets use the validation-tuned one only. */
const REFERENCE_LAMBDA: Partial<Record<DatasetName, number>> = { 'movielens-100k': 300, lastfm: 100 };

export interface ItemsEvalOptions {
  dataset: DatasetName;
  dir?: string;
  seed: number;
  ks: number[];
  split: SplitMode;
  /** Use item tags as content features (off by default for Last.fm, whose tags leak; see docs/evaluation.md). */
  itemTags?: boolean;
  config?: ItemModelConfigInput;
  log?: (message: string) => void;
}

export async function runItemsEvaluation(options: ItemsEvalOptions): Promise<EvalTable> {
  const log = options.log ?? (() => {});
  const ds = await loadIndexedDataset(openDataset(options.dataset, options.dir));
  const { pairs } = ds;
  const split = holdOut(pairs, { mode: options.split, seed: options.seed });
  const train = split.train;
  const useTags = options.itemTags ?? options.dataset !== 'lastfm';
  const data: ItemTrainingData = {
    numUsers: pairs.numUsers,
    numItems: pairs.numItems,
    users: Int32Array.from(train, (e) => pairs.users[e]),
    items: Int32Array.from(train, (e) => pairs.items[e]),
    weights: new Float32Array(train.length).fill(1),
    times: pairs.times ? Float64Array.from(train, (e) => pairs.times![e]) : undefined,
    follows: ds.follows,
    itemFeatures: useTags ? ds.features : { ...ds.features, tags: undefined, numTags: 0 },
  };
  const x = buildInteractions(data);
  const held = heldOutByUser(pairs, split.heldOut);
  const maxK = Math.max(...options.ks);
  const hasSocial = ds.follows.indices.length > 0;
  log(`${options.dataset}: ${pairs.numUsers} users, ${pairs.numItems} items, ${train.length} train, ${split.heldOut.length} held out`);

  const history = (u: number) => x.byUser.indices.subarray(x.byUser.indptr[u], x.byUser.indptr[u + 1]);
  const evaluate = (model: string, trainMs: number, rank: (u: number) => ArrayLike<number>, note?: string): EvalRow => {
    const acc = new MetricsAccumulator(options.ks, pairs.numItems);
    for (const [u, set] of held) acc.add(rank(u), set);
    const r = acc.result();
    log(`${model}: Recall@10 ${r.recall[10]?.toFixed(4) ?? '-'} (${(trainMs / 1000).toFixed(1)} s)`);
    return { model, recall: r.recall, ndcg: r.ndcg, coverage: r.coverage, trainMs, ...(note ? { note } : {}) };
  };
  const scores = new Float32Array(pairs.numItems);
  const rankDense = (u: number, fill: (u: number) => void) => {
    fill(u);
    for (const i of history(u)) scores[i] = -Infinity;
    return topK(scores, maxK);
  };
  const rankLists = (lists: NeighbourLists) => (u: number) =>
    rankDense(u, () => {
      scores.fill(0);
      accumulate(lists, history(u), undefined, scores);
    });
  const timed = <T>(run: () => T): [T, number] => {
    const start = Date.now();
    return [run(), Date.now() - start];
  };

  const rows: EvalRow[] = [];
  const pop = popularityScores(x.byItem);
  rows.push(evaluate('MostPop', 0, (u) => rankDense(u, () => scores.set(pop))));
  if (hasSocial) {
    rows.push(
      evaluate("Friends' items (sum over followees)", 0, (u) =>
        rankDense(u, () => friendsItemsScores(x.byUser, socialCircle(ds.follows, u).followees, pop, scores)),
      ),
    );
  }
  const allNeighbours = Math.min(pairs.numItems, 1000);
  const [knn, knnMs] = timed(() => fitItemKnn(x, pairs.numItems, { similarity: 'cosine', neighbours: allNeighbours, shrink: 0, beta: 0 }));
  rows.push(evaluate('ItemKNN (cosine)', knnMs, rankLists(knn), `top ${allNeighbours} neighbours`));

  // Our model exactly as the retrain job trains it (tuning on its own carve-out included);
  // the EASE rows below reuse the lambda it tuned.
  // Its fits on the pipeline's thread pool: the same answers, in less time.
  const pool = createTrainingPool();
  const [trained, trainMs] = await timedAsync(() => trainItemModel(data, options.config, { pool }).finally(() => pool.close()));
  const { model, report } = trained;
  for (const t of report.tuning) log(`  tuning ${JSON.stringify(t.setting)}: objective ${t.objectives.map((o) => o.toFixed(4)).join(' / ')}, Recall@10 ${t.recall10.toFixed(4)} (${t.millis} ms)`);
  const tuned = report.config.itemItem;
  const tuning = { kind: report.itemItemKind };
  const tuneMs = report.millis.tune ?? 0;
  const { dim } = easeDimension(x, tuned.minSupport);
  if (dim <= EASE_MAX_DIM) {
    const exact = { dropout: 0, neighbours: pairs.numItems, keepAllBelow: pairs.numItems, minSupport: tuned.minSupport };
    const reference = REFERENCE_LAMBDA[options.dataset];
    const tunedIsReference = tuning.kind === 'ease' && tuned.lambda === reference;
    if (reference !== undefined) {
      const [lists, ms] = timed(() => fitEase(x, pairs.numItems, { ...exact, lambda: reference }));
      const note = `min support ${tuned.minSupport}${tunedIsReference ? '; also the lambda tuned on validation' : ''}`;
      rows.push(evaluate(`EASE (lambda=${reference})`, ms, rankLists(lists), note));
    }
    if (tuning.kind === 'ease' && !tunedIsReference) {
      const [lists, ms] = timed(() => fitEase(x, pairs.numItems, { ...exact, lambda: tuned.lambda }));
      rows.push(evaluate(`EASE (lambda=${Math.round(tuned.lambda)}, tuned)`, ms, rankLists(lists), 'lambda tuned on validation'));
    }
  } else {
    log(`exact EASE skipped: dense dimension ${dim} > ${EASE_MAX_DIM}`);
    const head = tuned.maxDenseDim;
    const [lists, ms] = timed(() => fitEase(x, pairs.numItems, { ...tuned, dropout: 0, maxItems: head }));
    const name = `EASE on the ${head} most popular items (lambda=${Math.round(tuned.lambda)}, tuned)`;
    rows.push(evaluate(name, ms, rankLists(lists), `exact EASE needs a ${dim}-dimensional inverse`));
  }

  log(`model: ${JSON.stringify(report)}`);
  const ours = (u: number) => evaluationList(model, x.byUser, ds.follows, u, maxK);
  const itemItem = tuning.kind === 'ease' ? `EASE lambda=${Math.round(tuned.lambda)}` : tuning.kind;
  const ranker =
    report.rankerBestEpoch > 0
      ? `ranker epoch ${report.rankerBestEpoch}, t=${report.rankerImprovementT.toFixed(1)}`
      : `ranker not used: gain not significant, t=${report.rankerImprovementT.toFixed(1)}`;
  const note = `${itemItem}; ${ranker} (${report.backend}); tuning ${(tuneMs / 1000).toFixed(0)} s`;
  rows.push(evaluate('Ours (item-item + sources + ranker)', trainMs, ours, note));
  return {
    dataset: options.dataset,
    task: 'items',
    split: options.split,
    seed: options.seed,
    ks: options.ks,
    sizes: { users: pairs.numUsers, items: pairs.numItems, train: train.length, heldOut: split.heldOut.length, evalUsers: held.size },
    rows,
  };
}

/**
 * The list the evaluation scores for user `u`: the serving entry point (recommendItems, what
 * LoadedItemModel.rank calls) on the user's training positives, friends and followees.
 */
export function evaluationList(model: ItemModel, byUser: Csr, follows: Csr | undefined, u: number, count: number): number[] {
  const circle = socialCircle(follows, u);
  const items = byUser.indices.subarray(byUser.indptr[u], byUser.indptr[u + 1]);
  return recommendItems(model, { user: u, items, followees: circle.followees, friends: circle.friends }, { count }).map((r) => r.item);
}

async function timedAsync<T>(run: () => Promise<T>): Promise<[T, number]> {
  const start = Date.now();
  return [await run(), Date.now() - start];
}
