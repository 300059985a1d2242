-- CreateTable
CREATE TABLE "provider_jobs" (
    "idempotency_key" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "job_id" TEXT NOT NULL,
    "data" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "provider_jobs_pkey" PRIMARY KEY ("idempotency_key")
);
