-- AlterTable
ALTER TABLE "idempotency_records" ADD COLUMN     "claim_token" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "lease_expires_at" TIMESTAMPTZ(3);
