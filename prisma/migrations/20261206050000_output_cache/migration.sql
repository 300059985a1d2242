-- AlterTable: a run asked with `Cache-Control: no-cache` (its steps do not read the output cache).
ALTER TABLE "executions" ADD COLUMN "cache_bypass" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable: a step completed from the output cache: { hit, executionId, stepId } of the run that paid.
ALTER TABLE "steps" ADD COLUMN "cache" JSONB;

-- CreateTable
CREATE TABLE "output_cache" (
    "account_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "node_type" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "output" JSONB NOT NULL,
    "execution_id" TEXT NOT NULL,
    "step_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "output_cache_pkey" PRIMARY KEY ("account_id","key")
);

-- CreateIndex
CREATE INDEX "output_cache_expires_at_idx" ON "output_cache"("expires_at");
