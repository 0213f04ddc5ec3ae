/**
 * Online metrics, computed at query time in one SQL statement from the impression log and
 * the behaviour tables: nothing is pre-aggregated, so a new definition applies to history.
 *
 * Attribution: each interaction (ITEMS) or follow (FRIENDS) counts for at most one
 * impression of its user that showed its target: the one whose recommendationId it carries,
 * else the latest one shown at most `attributionWindowMs` before it. Its position is the
 * target's 1-based rank in that list (page offset included).
 *
 * Per group (model version or experiment arm), over impressions made in [from, to):
 * - engaged: any attributed action other than VIEW and HIDE (views are often logged by
 *   clients without intent); CTR per impression = impressions with an engagement /
 *   impressions; CTR per shown item = distinct engaged (impression, target) / ids shown;
 * - positive: LIKE, SHARE, PURCHASE, RATE >= positiveRating, FOLLOW;
 * - HIDE rate: impressions with an attributed HIDE / impressions;
 * - MRR: mean over impressions of 1 / (best engaged position), 0 when nothing was engaged;
 * - coverage: distinct ids shown / the catalogue (visible items, or users not erased); an
 *   erased user's id in others' friend impressions is 0 and not counted;
 * - per user (the unit experiments test on, src/online/results.ts): distinct viewers, and
 *   those with at least one engaged or hidden impression.
 * Actions are read up to `to + window`, so a list shown just before `to` still gets its clicks.
 */
import type { Database } from '../db/client';
import type { ModelKind } from '../recommender/artifact';

export interface MetricsQuery {
  kind: ModelKind;
  from: Date;
  to: Date;
  groupBy: 'version' | 'arm';
  experimentId?: number | null;
  versionId?: number | null;
  attributionWindowMs: number;
  positiveRating: number;
}

export interface GroupMetrics {
  /** Version id as text ('fallback' when no model served), or the arm name. */
  key: string;
  impressions: number;
  shownIds: number;
  engagedImpressions: number;
  engagedIds: number;
  positiveImpressions: number;
  hiddenImpressions: number;
  ctr: number;
  ctrPerShownId: number;
  positiveRate: number;
  hideRate: number;
  mrr: number;
  distinctShown: number;
  catalogueSize: number;
  coverage: number;
  exposedUsers: number;
  engagedUsers: number;
  hiddenUsers: number;
}

const ENGAGED = `a.type NOT IN ('VIEW', 'HIDE')`;

function statement(groupBy: MetricsQuery['groupBy']): string {
  const key = groupBy === 'version' ? `coalesce("versionId"::text, 'fallback')` : `arm`;
  return `
WITH imp AS (
  SELECT id, "recommendationId" AS rid, "viewerId" AS viewer, ${key} AS key, "shownIds", "offset", "createdAt"
  FROM "Impression"
  WHERE kind = $1::"ModelKind" AND "createdAt" >= $2::timestamp AND "createdAt" < $3::timestamp
    AND ($6::int IS NULL OR "experimentId" = $6) AND ($7::int IS NULL OR "versionId" = $7)
    ${groupBy === 'arm' ? 'AND arm IS NOT NULL' : ''}
),
acts AS (
  SELECT 'i' || x.id AS aid, x."userId" AS viewer, x."itemId" AS target, x.type::text AS type, x.value,
         x."recommendationId" AS rid, x."createdAt" AS at
  FROM "Interaction" x
  WHERE $1 = 'ITEMS' AND x."createdAt" >= $2::timestamp
    AND x."createdAt" < $3::timestamp + $4 * interval '1 millisecond'
    AND x."userId" IN (SELECT viewer FROM imp)
  UNION ALL
  SELECT 'f' || f."followerId" || ':' || f."followeeId", f."followerId", f."followeeId", 'FOLLOW', NULL, NULL, f."createdAt"
  FROM "Follow" f
  WHERE $1 = 'FRIENDS' AND f."createdAt" >= $2::timestamp
    AND f."createdAt" < $3::timestamp + $4 * interval '1 millisecond'
    AND f."followerId" IN (SELECT viewer FROM imp)
),
attributed AS (
  SELECT DISTINCT ON (a.aid) a.aid, a.type, a.value, a.target, imp.id AS impression,
         imp."offset" + array_position(imp."shownIds", a.target) AS position
  FROM acts a JOIN imp ON imp.viewer = a.viewer AND a.target = ANY(imp."shownIds")
  WHERE a.rid = imp.rid
     OR (a.at >= imp."createdAt" AND a.at <= imp."createdAt" + $4 * interval '1 millisecond')
  ORDER BY a.aid, (a.rid IS NOT DISTINCT FROM imp.rid) DESC, imp."createdAt" DESC
),
per_imp AS (
  SELECT imp.id, imp.key, imp.viewer, cardinality(imp."shownIds") AS shown,
         count(DISTINCT a.target) FILTER (WHERE ${ENGAGED}) AS engaged_ids,
         coalesce(bool_or(${ENGAGED}), false) AS engaged,
         coalesce(bool_or(a.type IN ('LIKE', 'SHARE', 'PURCHASE', 'FOLLOW') OR (a.type = 'RATE' AND a.value >= $5)), false) AS positive,
         coalesce(bool_or(a.type = 'HIDE'), false) AS hidden,
         min(a.position) FILTER (WHERE ${ENGAGED}) AS best_position
  FROM imp LEFT JOIN attributed a ON a.impression = imp.id
  GROUP BY imp.id, imp.key, imp.viewer, imp."shownIds"
),
coverage AS (
  SELECT imp.key, count(DISTINCT s)::int AS distinct_shown FROM imp, unnest(imp."shownIds") AS s WHERE s <> 0 GROUP BY imp.key
)
SELECT p.key,
       count(*)::int AS impressions,
       coalesce(sum(p.shown), 0)::int AS shown_ids,
       count(*) FILTER (WHERE p.engaged)::int AS engaged_impressions,
       coalesce(sum(p.engaged_ids), 0)::int AS engaged_ids,
       count(*) FILTER (WHERE p.positive)::int AS positive_impressions,
       count(*) FILTER (WHERE p.hidden)::int AS hidden_impressions,
       coalesce(sum(1.0 / p.best_position), 0)::float8 AS reciprocal_rank_sum,
       coalesce(max(c.distinct_shown), 0)::int AS distinct_shown,
       count(DISTINCT p.viewer)::int AS exposed_users,
       count(DISTINCT p.viewer) FILTER (WHERE p.engaged)::int AS engaged_users,
       count(DISTINCT p.viewer) FILTER (WHERE p.hidden)::int AS hidden_users,
       (CASE WHEN $1 = 'ITEMS' THEN (SELECT count(*) FROM "Item" WHERE NOT hidden)
             ELSE (SELECT count(*) FROM "User" WHERE "erasedAt" IS NULL) END)::int AS catalogue_size
FROM per_imp p LEFT JOIN coverage c ON c.key = p.key
GROUP BY p.key
ORDER BY p.key`;
}

interface Row {
  key: string;
  impressions: number;
  shown_ids: number;
  engaged_impressions: number;
  engaged_ids: number;
  positive_impressions: number;
  hidden_impressions: number;
  reciprocal_rank_sum: number;
  distinct_shown: number;
  catalogue_size: number;
  exposed_users: number;
  engaged_users: number;
  hidden_users: number;
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);

export async function onlineMetrics(db: Database, query: MetricsQuery): Promise<GroupMetrics[]> {
  const rows = await db.query<Row>(statement(query.groupBy), [
    query.kind,
    query.from.toISOString(),
    query.to.toISOString(),
    query.attributionWindowMs,
    query.positiveRating,
    query.experimentId ?? null,
    query.versionId ?? null,
  ]);
  return rows.map((row) => {
    const n = Number(row.impressions);
    return {
      key: String(row.key),
      impressions: n,
      shownIds: Number(row.shown_ids),
      engagedImpressions: Number(row.engaged_impressions),
      engagedIds: Number(row.engaged_ids),
      positiveImpressions: Number(row.positive_impressions),
      hiddenImpressions: Number(row.hidden_impressions),
      ctr: ratio(Number(row.engaged_impressions), n),
      ctrPerShownId: ratio(Number(row.engaged_ids), Number(row.shown_ids)),
      positiveRate: ratio(Number(row.positive_impressions), n),
      hideRate: ratio(Number(row.hidden_impressions), n),
      mrr: ratio(Number(row.reciprocal_rank_sum), n),
      distinctShown: Number(row.distinct_shown),
      catalogueSize: Number(row.catalogue_size),
      coverage: ratio(Number(row.distinct_shown), Number(row.catalogue_size)),
      exposedUsers: Number(row.exposed_users),
      engagedUsers: Number(row.engaged_users),
      hiddenUsers: Number(row.hidden_users),
    };
  });
}
