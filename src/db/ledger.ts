// Credit ledger writes shared by admission and the status mirror.
import { randomUUID } from 'node:crypto';
import type { Prisma } from '../generated/prisma/client';
import type { Db } from './client';

/** A Prisma interactive transaction. */
export type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

/**
 * What the ledger's writes need: raw statements inside a transaction, from Prisma (admission) or
 * on a `pg` connection (the RunStore, src/db/runStore.ts). A Prisma transaction is one.
 */
export interface RawTx {
  $executeRaw(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): Promise<number>;
  $queryRaw<T = unknown>(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): Promise<T>;
}

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

/** A run's net credits (`creditsUsed`) and refunded credits, as every surface reports them. */
export async function creditsOf(tx: Tx, executionId: string): Promise<{ creditsUsed: number; creditsRefunded: number }> {
  const row = await tx.execution.findUnique({ where: { id: executionId }, select: { creditsUsed: true, creditsRefunded: true } });
  return { creditsUsed: row?.creditsUsed ?? 0, creditsRefunded: row?.creditsRefunded ?? 0 };
}

/** Adds the run's credits to its `run.end` event (read after any refund of the same transaction). */
export async function withRunEndCredits<E extends { type: string; data: Record<string, unknown> }>(tx: Tx, executionId: string, events: E[]): Promise<E[]> {
  if (!events.some((event) => event.type === 'run.end')) return events;
  const credits = await creditsOf(tx, executionId);
  return events.map((event) => (event.type === 'run.end' ? { ...event, data: { ...event.data, ...credits } } : event));
}
