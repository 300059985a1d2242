// Charging a run: trial grants per model pay first, the balance pays the rest, all inside the
// admission transaction so a refused run leaves nothing behind.
import type { Tx } from '../db/ledger';
import { splitCharge, type ChargeSplit, type PlanPrice } from '../domain/pricing';
import { grantExhausted, insufficientCredits, type HttpError } from '../api/errors';

/** What a run was charged. */
export interface RunCharge {
  /** Credits taken from the balance: what the run reports as `creditsUsed` (0 when grants paid it all). */
  fromBalance: number;
  /** Credits taken from trial grants, by model. */
  fromGrants: Record<string, number>;
}

/**
 * The 402 a run gets when `balance` cannot pay what grants leave over: grant_exhausted when a
 * model's grant ran out, else INSUFFICIENT_CREDITS. Undefined when the balance suffices.
 */
export function creditRefusal(split: Pick<ChargeSplit, 'fromBalance' | 'exhausted'>, balance: number): HttpError | undefined {
  if (split.fromBalance <= balance) return undefined;
  if (split.exhausted.length > 0) return grantExhausted(split.exhausted[0]!, split.fromBalance, balance);
  return insufficientCredits(split.fromBalance, balance);
}

/** The credits a price needs from each model. */
export function creditsByModel(price: PlanPrice): Map<string, number> {
  const byModel = new Map<string, number>();
  for (const charge of price.charges) byModel.set(charge.model, (byModel.get(charge.model) ?? 0) + charge.credits);
  return byModel;
}

/**
 * Charges a run inside `tx` and writes its ledger entries (one `debit`, one `grant_debit` per
 * model). The account's grants are locked (FOR UPDATE) and the balance is decremented with a
 * conditional update, so concurrent admissions can never overdraw either. Throws 402
 * `grant_exhausted` when a model's grant is used up and the balance cannot pay for it, else
 * 402 INSUFFICIENT_CREDITS when the balance cannot cover the rest.
 */
export async function chargeRun(tx: Tx, accountId: string, executionId: string, price: PlanPrice): Promise<RunCharge> {
  const byModel = creditsByModel(price);
  let grants: Array<{ model: string; credits_remaining: number }> = [];
  if (byModel.size > 0) {
    grants = await tx.$queryRaw<Array<{ model: string; credits_remaining: number }>>`
      SELECT model, credits_remaining FROM trial_grants
      WHERE account_id = ${accountId} AND model = ANY(${[...byModel.keys()]}::text[])
      ORDER BY model
      FOR UPDATE`;
  }
  const { fromBalance, fromGrants, exhausted } = splitCharge(price, new Map(grants.map((grant) => [grant.model, Number(grant.credits_remaining)])));

  if (fromBalance > 0) {
    const debited = await tx.$executeRaw`
      UPDATE accounts SET credit_balance = credit_balance - ${fromBalance}
      WHERE id = ${accountId} AND credit_balance >= ${fromBalance}`;
    if (debited === 0) {
      const account = await tx.account.findUniqueOrThrow({ where: { id: accountId }, select: { creditBalance: true } });
      // The balance may have grown since the update; refuse as it stood then.
      throw creditRefusal({ fromBalance, exhausted }, account.creditBalance) ?? insufficientCredits(fromBalance, account.creditBalance);
    }
    await tx.creditLedgerEntry.create({
      data: { id: `debit-${executionId}`, accountId, executionId, kind: 'debit', amount: fromBalance },
    });
  }
  for (const [model, credits] of Object.entries(fromGrants)) {
    await tx.$executeRaw`
      UPDATE trial_grants SET credits_remaining = credits_remaining - ${credits}
      WHERE account_id = ${accountId} AND model = ${model}`;
    await tx.creditLedgerEntry.create({
      data: { id: `grant-debit-${executionId}-${model}`, accountId, executionId, kind: 'grant_debit', amount: credits, model },
    });
  }
  return { fromBalance, fromGrants };
}
