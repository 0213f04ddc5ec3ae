/**
 * What one running app contributes to each scrape: the ACTIVE model versions and their age
 * (read from the database, so every process reports the same versions), whether this process
 * serves a trained model of each kind, and its Postgres pool usage.
 */
import type { Database } from '../db/client';
import type { RecommenderService } from '../recommender/serve/service';
import { addScrapeSource, processMetrics } from './registry';

const KINDS = ['ITEMS', 'FRIENDS'] as const;

export function registerAppSources(db: Database, recommender: RecommenderService): () => void {
  return addScrapeSource(async () => {
    const m = processMetrics();
    for (const kind of KINDS) m.modelLoaded.set({ kind }, recommender.hasModel(kind) ? 1 : 0);
    const pool = db.poolStats?.();
    if (pool) {
      m.dbPoolConnections.set({ state: 'total' }, pool.total);
      m.dbPoolConnections.set({ state: 'idle' }, pool.idle);
      m.dbPoolConnections.set({ state: 'waiting' }, pool.waiting);
    }
    const active = await db.prisma.modelVersion.findMany({
      where: { status: 'ACTIVE' },
      select: { id: true, kind: true, backend: true, createdAt: true },
    });
    for (const version of active) {
      const labels = { kind: version.kind, version: String(version.id) };
      m.modelVersionInfo.set({ ...labels, backend: version.backend }, 1);
      m.modelVersionAgeSeconds.set(labels, (Date.now() - version.createdAt.getTime()) / 1000);
    }
  });
}
