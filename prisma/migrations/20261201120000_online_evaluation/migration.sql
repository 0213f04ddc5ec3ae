-- Online evaluation: impressions of served lists, experiments between model versions, and
-- their audit trail. Impressions carry no foreign keys on purpose: they are an append-only
-- log written in batches, and a version or user deleted later must not block or cascade
-- into the log (the retention prune removes old rows).

-- CreateEnum
CREATE TYPE "ExperimentStatus" AS ENUM ('DRAFT', 'RUNNING', 'STOPPED');

-- CreateEnum
CREATE TYPE "ExperimentEventType" AS ENUM ('CREATED', 'STARTED', 'STOPPED', 'ARM_STOPPED', 'PROMOTED');

-- CreateTable
CREATE TABLE "Impression" (
    "id" BIGSERIAL NOT NULL,
    "recommendationId" TEXT NOT NULL,
    "viewerId" INTEGER NOT NULL,
    "kind" "ModelKind" NOT NULL,
    "surface" TEXT NOT NULL,
    "versionId" INTEGER,
    "experimentId" INTEGER,
    "arm" TEXT,
    "shownIds" INTEGER[],
    "offset" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Impression_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Experiment" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "ModelKind" NOT NULL,
    "status" "ExperimentStatus" NOT NULL DEFAULT 'DRAFT',
    "arms" JSONB NOT NULL,
    "audienceShare" DOUBLE PRECISION NOT NULL DEFAULT 1,
    "minImpressionsPerArm" INTEGER NOT NULL,
    "createdById" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "stoppedAt" TIMESTAMP(3),
    "winnerVersionId" INTEGER,

    CONSTRAINT "Experiment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ExperimentEvent" (
    "id" SERIAL NOT NULL,
    "experimentId" INTEGER NOT NULL,
    "type" "ExperimentEventType" NOT NULL,
    "actorId" INTEGER,
    "detail" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ExperimentEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Impression_recommendationId_idx" ON "Impression"("recommendationId");

-- CreateIndex
CREATE INDEX "Impression_viewerId_createdAt_idx" ON "Impression"("viewerId", "createdAt");

-- CreateIndex
CREATE INDEX "Impression_kind_createdAt_idx" ON "Impression"("kind", "createdAt");

-- CreateIndex
CREATE INDEX "Impression_experimentId_arm_idx" ON "Impression"("experimentId", "arm");

-- CreateIndex
CREATE INDEX "Experiment_kind_status_idx" ON "Experiment"("kind", "status");

-- CreateIndex
CREATE INDEX "ExperimentEvent_experimentId_createdAt_idx" ON "ExperimentEvent"("experimentId", "createdAt");

-- AddForeignKey
ALTER TABLE "ExperimentEvent" ADD CONSTRAINT "ExperimentEvent_experimentId_fkey" FOREIGN KEY ("experimentId") REFERENCES "Experiment"("id") ON DELETE CASCADE ON UPDATE CASCADE;
