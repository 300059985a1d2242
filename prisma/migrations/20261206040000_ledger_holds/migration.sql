-- AlterEnum: holds captured by real usage. `hold` (per step, `model` = the step id) is the part of
-- the run's debit set aside for a usage-priced step's maximum, `capture` (per step) what the step
-- really used, `release` (per run) what the run gave back to the balance when it ended.
ALTER TYPE "LedgerKind" ADD VALUE IF NOT EXISTS 'hold';
ALTER TYPE "LedgerKind" ADD VALUE IF NOT EXISTS 'capture';
ALTER TYPE "LedgerKind" ADD VALUE IF NOT EXISTS 'release';
