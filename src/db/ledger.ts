// Credit ledger writes shared by admission and the status mirror.
import { randomUUID } from 'node:crypto';
import type { Db } from './client';
import { Prisma } from '../generated/prisma/client';
import type { RawTx } from './rawTransaction';

/** A Prisma interactive transaction. */
export type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

export type { RawTx } from './rawTransaction';

/** Refunds an execution's debit and grant use exactly once: the ledger's unique key guards it. */
export async function refundExecution(tx: RawTx, executionId: string): Promise<void> {
  const refunds = await tx.$queryRaw<Array<{ kind: string; amount: number; account_id: string; model: string }>>`
    INSERT INTO credit_ledger (id, account_id, execution_id, kind, amount, model)
    SELECT ${randomUUID()} || '-' || kind::text || '-' || model, account_id, execution_id,
           (CASE kind WHEN 'debit' THEN 'refund' ELSE 'grant_refund' END)::"LedgerKind", amount, model
    FROM credit_ledger
    WHERE execution_id = ${executionId} AND kind IN ('debit', 'grant_debit') AND amount > 0
    ON CONFLICT (execution_id, kind, model) DO NOTHING
    RETURNING kind::text, amount, account_id, model`;
  for (const refund of refunds) {
    if (refund.kind === 'refund') {
      await tx.$executeRaw`UPDATE accounts SET credit_balance = credit_balance + ${refund.amount} WHERE id = ${refund.account_id}`;
      // The run reports what it cost net of the refund, and the refund itself.
      await tx.$executeRaw`
        UPDATE executions SET credits_used = credits_used - ${refund.amount}, credits_refunded = credits_refunded + ${refund.amount}
        WHERE id = ${executionId}`;
    } else {
      await tx.$executeRaw`
        UPDATE trial_grants SET credits_remaining = credits_remaining + ${refund.amount}
        WHERE account_id = ${refund.account_id} AND model = ${refund.model}`;
    }
  }
}

// Holds captured by real usage. A usage-priced step's share of the run's debit is its hold (ledger
// `hold`, `model` = the step id): the most the step can cost. When the step settles it captures
// what it used (`capture`, at most its hold); when the run completes, what its holds did not
// capture goes back to the balance (`release`, written with the run's end by the RunStore's SQL
// function run_store_apply) and leaves `creditsUsed`. A run ending `error` or
// `cancelled` is refunded in full as before (refundExecution), so nothing is released then.

/**
 * The INSERT of the holds of the executions in `runs` (a relation with `id` and `account_id`): one
 * `hold` per step with credits, once (the ledger's unique key). The one way a hold is written: by
 * recordHolds, and inside admission's one-statement insert (RunStore.insertPaidExecution).
 */
export function holdsInsert(runs: Prisma.Sql, holds: Array<{ stepId: string; credits: number }>): Prisma.Sql {
  const rows = JSON.stringify(holds.filter((hold) => hold.credits > 0).map((hold) => ({ step_id: hold.stepId, credits: hold.credits })));
  return Prisma.sql`
    INSERT INTO credit_ledger (id, account_id, execution_id, kind, amount, model)
    SELECT 'hold-' || run.id || '-' || h.step_id, run.account_id, run.id, 'hold'::"LedgerKind", h.credits, h.step_id
    FROM ${runs} AS run, jsonb_to_recordset(${rows}::jsonb) AS h(step_id text, credits int)
    ON CONFLICT (execution_id, kind, model) DO NOTHING`;
}

/** Records the holds of a run's usage-priced steps (admission, inside its transaction). */
export async function recordHolds(tx: RawTx, accountId: string, executionId: string, holds: Array<{ stepId: string; credits: number }>): Promise<void> {
  if (!holds.some((hold) => hold.credits > 0)) return;
  await tx.$executeRaw(holdsInsert(Prisma.sql`(SELECT ${executionId}::text AS id, ${accountId}::text AS account_id)`, holds));
}

/** The credits held for a step; undefined when it has no hold (flat-priced, paid by a grant, or reused). */
export async function holdOf(tx: RawTx, executionId: string, stepId: string): Promise<number | undefined> {
  const [row] = await tx.$queryRaw<Array<{ amount: number }>>`
    SELECT amount FROM credit_ledger WHERE execution_id = ${executionId} AND kind = 'hold' AND model = ${stepId}`;
  return row?.amount;
}

/**
 * Captures what a step really used from its hold (clamped to the hold); once per step: a retried
 * capture keeps the first. No hold, no capture.
 */
export async function captureStep(tx: RawTx, executionId: string, stepId: string, credits: number): Promise<void> {
  const amount = Number.isFinite(credits) ? Math.max(0, Math.ceil(credits)) : Number.MAX_SAFE_INTEGER;
  await tx.$executeRaw`
    INSERT INTO credit_ledger (id, account_id, execution_id, kind, amount, model)
    SELECT ${`capture-${executionId}-${stepId}`}, account_id, execution_id, 'capture'::"LedgerKind", LEAST(amount, ${amount}), model
    FROM credit_ledger WHERE execution_id = ${executionId} AND kind = 'hold' AND model = ${stepId}
    ON CONFLICT (execution_id, kind, model) DO NOTHING`;
}
