/**
 * Model administration: status, activation and retraining, for admins and the composition
 * root. Not on any request's path; the request-facing recommender is serve/service.ts.
 */
import type { Database } from '../db/client';
import type { TrainingRun } from '../generated/prisma/client';
import type { ModelKind } from './artifact';
import { activeVersionSummary, activateVersion, lastRun, type VersionSummary } from './registry';
import type { ActiveModels } from './serve/active-models';
import { backendName } from './tf-backend';

export interface RetrainHooks {
  retrain(kind: ModelKind, trigger: 'MANUAL'): Promise<{ run: TrainingRun } | { busy: true }>;
  nextRun(): Date | null;
}

export class ModelAdmin {
  hooks: RetrainHooks | null = null;

  constructor(
    private readonly db: Database,
    private readonly models: ActiveModels,
  ) {}

  async status() {
    const prisma = this.db.prisma;
    const backend = await backendName();
    const models = await Promise.all(
      (['ITEMS', 'FRIENDS'] as const).map(async (kind) => {
        const serving = this.models.serving(kind);
        const [run, active] = await Promise.all([lastRun(prisma, kind), activeVersionSummary(prisma, kind)]);
        const state = run?.state === 'RUNNING' ? 'TRAINING' : run?.state === 'FAILED' ? 'FAILED' : 'IDLE';
        return {
          kind,
          state,
          source: serving.phase === 'ready' ? 'MODEL' : 'FALLBACK',
          activeVersion: active,
          servingSince: serving.phase === 'ready' ? serving.since : null,
          lastRun: run,
          nextScheduledRun: this.hooks?.nextRun() ?? null,
          message: serving.message,
        };
      }),
    );
    return { backend, models };
  }

  async retrain(kind: ModelKind, trigger: 'MANUAL') {
    if (!this.hooks) throw new Error('recommender not started');
    return this.hooks.retrain(kind, trigger);
  }

  /** Rollback or roll forward to a stored version; this process serves it at once. */
  async activate(versionId: number): Promise<{ version: VersionSummary } | { error: string; code: 'NOT_FOUND' | 'INVALID' }> {
    const prisma = this.db.prisma;
    const row = await prisma.modelVersion.findUnique({ where: { id: versionId }, omit: { artifact: true } });
    if (!row) return { error: 'No such model version', code: 'NOT_FOUND' };
    if (this.models.rejected.has(versionId)) return { error: `This version's artifact is unusable: ${this.models.rejected.get(versionId)}`, code: 'INVALID' };
    const version = await activateVersion(prisma, versionId);
    await this.models.sync();
    return { version };
  }
}
