// Charging a run: trial grants per model pay first, the balance pays the rest, all inside the
// admission transaction so a refused run leaves nothing behind.
import type { Tx } from '../db/ledger';
import type { PlanPrice } from '../domain/pricing';
import { grantExhausted, insufficientCredits } from '../api/errors';

/** What a run was charged. */
export interface RunCharge {
  /** Credits taken from the balance: what the run reports as `creditsUsed` (0 when grants paid it all). */
  fromBalance: number;
  /** Credits taken from trial grants, by model. */
  fromGrants: Record<string, number>;
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
  const fromGrants: Record<string, number> = {};
  const exhausted: string[] = [];
  let fromBalance = 0;
  if (byModel.size > 0) {
    const grants = await tx.$queryRaw<Array<{ model: string; credits_remaining: number }>>`
      SELECT model, credits_remaining FROM trial_grants
      WHERE account_id = ${accountId} AND model = ANY(${[...byModel.keys()]}::text[])
      ORDER BY model
      FOR UPDATE`;
    const remaining = new Map(grants.map((grant) => [grant.model, Number(grant.credits_remaining)]));
    for (const [model, credits] of byModel) {
      const grant = remaining.get(model);
      const fromGrant = grant === undefined ? 0 : Math.min(grant, credits);
      if (fromGrant > 0) fromGrants[model] = fromGrant;
      if (grant !== undefined && fromGrant < credits) exhausted.push(model);
      fromBalance += credits - fromGrant;
    }
  }

  if (fromBalance > 0) {
    const debited = await tx.$executeRaw`
      UPDATE accounts SET credit_balance = credit_balance - ${fromBalance}
      WHERE id = ${accountId} AND credit_balance >= ${fromBalance}`;
    if (debited === 0) {
      const account = await tx.account.findUniqueOrThrow({ where: { id: accountId }, select: { creditBalance: true } });
      if (exhausted.length > 0) throw grantExhausted(exhausted[0]!, fromBalance, account.creditBalance);
      throw insufficientCredits(fromBalance, account.creditBalance);
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
