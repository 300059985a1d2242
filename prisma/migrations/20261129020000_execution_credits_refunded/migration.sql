-- AlterTable
ALTER TABLE "executions" ADD COLUMN     "credits_refunded" INTEGER NOT NULL DEFAULT 0;
