// Credit ledger writes shared by admission and the status mirror.
import { randomUUID } from 'node:crypto';
import type { Db } from './client';

/** A Prisma interactive transaction. */
export type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

/** Refunds an execution's debit and grant use exactly once: the ledger's unique key guards it. */
export async function refundExecution(tx: Tx, executionId: string): Promise<void> {
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
    } else {
      await tx.$executeRaw`
        UPDATE trial_grants SET credits_remaining = credits_remaining + ${refund.amount}
        WHERE account_id = ${refund.account_id} AND model = ${refund.model}`;
    }
  }
}
