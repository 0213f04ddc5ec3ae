/** The few GraphQL calls the benchmark makes outside the load: retrain, model status, a source check. */
import { toGlobalId } from '../graphql/ids';

export interface KindStatus {
  kind: string;
  state: string;
  source: string;
  lastRun: { id: string; state: string; outcome: string | null; durationMs: number | null; error: string | null } | null;
}

async function graphql<T>(baseUrl: string, token: string, query: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const json = (await response.json()) as { data?: T; errors?: Array<{ message: string }> };
  if (json.errors?.length || !json.data) throw new Error(`GraphQL error: ${json.errors?.[0]?.message ?? `HTTP ${response.status}`}`);
  return json.data;
}

export async function modelStatus(baseUrl: string, token: string): Promise<KindStatus[]> {
  const data = await graphql<{ modelStatus: { models: KindStatus[] } }>(
    baseUrl,
    token,
    '{ modelStatus { models { kind state source lastRun { id state outcome durationMs error } } } }',
  );
  return data.modelStatus.models;
}

export async function itemsStatus(baseUrl: string, token: string): Promise<KindStatus> {
  const items = (await modelStatus(baseUrl, token)).find((model) => model.kind === 'ITEMS');
  if (!items) throw new Error('modelStatus has no ITEMS entry');
  return items;
}

/** Starts an ITEMS training run in the server; throws when it refuses (one already running). */
export async function triggerItemsRetrain(baseUrl: string, token: string): Promise<string> {
  const data = await graphql<{ retrainModel: { run: { id: string } | null; userErrors: Array<{ message: string }> } }>(
    baseUrl,
    token,
    'mutation { retrainModel(kind: ITEMS) { run { id } userErrors { message } } }',
  );
  const { run, userErrors } = data.retrainModel;
  if (!run) throw new Error(`retrainModel refused: ${userErrors.map((e) => e.message).join('; ')}`);
  return run.id;
}

/** How many of these users get recommendations from the model rather than the fallback. */
export async function recommendationSources(baseUrl: string, token: string, userIds: number[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const id of userIds) {
    const data = await graphql<{ user: { recommendedItems: { source: string } } | null }>(
      baseUrl,
      token,
      'query($id: ID!) { user(id: $id) { recommendedItems(first: 20) { source } } }',
      { id: toGlobalId('User', id) },
    );
    const source = data.user?.recommendedItems.source ?? 'NO_USER';
    counts[source] = (counts[source] ?? 0) + 1;
  }
  return counts;
}

/** Creates and starts an ITEMS experiment: the active version against `treatmentVersionId`, half each. */
export async function startItemsExperiment(baseUrl: string, token: string, treatmentVersionId: number): Promise<string> {
  type Payload = { experiment: { id: string } | null; userErrors: Array<{ message: string }> };
  const created = await graphql<{ createExperiment: Payload }>(
    baseUrl,
    token,
    'mutation($v: ID!) { createExperiment(input: { name: "bench", kind: ITEMS, treatments: [{ versionId: $v }] }) { experiment { id } userErrors { message } } }',
    { v: toGlobalId('ModelVersion', treatmentVersionId) },
  );
  const id = created.createExperiment.experiment?.id;
  if (!id) throw new Error(`createExperiment refused: ${created.createExperiment.userErrors.map((e) => e.message).join('; ')}`);
  const started = await graphql<{ startExperiment: Payload }>(baseUrl, token, 'mutation($id: ID!) { startExperiment(id: $id) { experiment { id } userErrors { message } } }', { id });
  if (!started.startExperiment.experiment) throw new Error(`startExperiment refused: ${started.startExperiment.userErrors.map((e) => e.message).join('; ')}`);
  return id;
}

export async function stopExperiment(baseUrl: string, token: string, id: string): Promise<void> {
  await graphql(baseUrl, token, 'mutation($id: ID!) { stopExperiment(id: $id) { userErrors { message } } }', { id });
}

/** Impressions recorded per arm so far: proof that both arms served during the run. */
export async function armImpressions(baseUrl: string, token: string, id: string): Promise<Record<string, number>> {
  const data = await graphql<{ experiment: { results: { arms: Array<{ arm: { name: string }; metrics: { impressions: number } }> } } | null }>(
    baseUrl,
    token,
    'query($id: ID!) { experiment(id: $id) { results { arms { arm { name } metrics { impressions } } } } }',
    { id },
  );
  return Object.fromEntries((data.experiment?.results.arms ?? []).map((a) => [a.arm.name, a.metrics.impressions]));
}
