// Charging a run: trial grants per model pay first, the balance pays the rest, all inside the
// admission transaction so a refused run leaves nothing behind.
import type { RawTx } from '../db/ledger';
import { sqlLiteral, type CommitOptions } from '../db/rawTransaction';
import { findModel, type VendorDefaults } from '../domain/models';
import { splitCharge, type ChargeSplit, type PlanPrice } from '../domain/pricing';
import type { Plan } from '../domain/types';
import { grantExhausted, insufficientCredits, type Refusal } from '../domain/refusals';

/** What a run was charged. */
export interface RunCharge {
  /** Credits taken from the balance: what the run reports as `creditsUsed` (0 when grants paid it all). */
  fromBalance: number;
  /** Credits taken from trial grants, by model. */
  fromGrants: Record<string, number>;
}

/**
 * The refusal a run gets when `balance` cannot pay what grants leave over: grant_exhausted when a
 * model's grant ran out, else INSUFFICIENT_CREDITS. Undefined when the balance suffices.
 */
export function creditRefusal(split: Pick<ChargeSplit, 'fromBalance' | 'exhausted'>, balance: number): Refusal | undefined {
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
 * Charges a run's trial grants inside `tx` (one `grant_debit` ledger entry per model) and works out
 * what the balance must pay. The account's grants are locked (FOR UPDATE), so concurrent admissions
 * never overdraw them. The balance is debited separately, by {@link debitAtCommit}, with the
 * transaction's COMMIT (a run no grant pays for skips this: RunStore.insertPaidExecution).
 */
export async function chargeGrants(tx: RawTx, accountId: string, executionId: string, price: PlanPrice): Promise<RunCharge & Pick<ChargeSplit, 'exhausted' | 'steps'>> {
  const byModel = creditsByModel(price);
  let grants: Array<{ model: string; credits_remaining: number }> = [];
  if (byModel.size > 0) {
    grants = await tx.$queryRaw<Array<{ model: string; credits_remaining: number }>>`
      SELECT model, credits_remaining FROM trial_grants
      WHERE account_id = ${accountId} AND model = ANY(${[...byModel.keys()]}::text[])
      ORDER BY model
      FOR UPDATE`;
  }
  // The same split the cost estimate reports (src/services/estimate.ts).
  const { fromBalance, fromGrants, exhausted, steps } = splitCharge(price, new Map(grants.map((grant) => [grant.model, Number(grant.credits_remaining)])));
  for (const [model, credits] of Object.entries(fromGrants)) {
    await tx.$executeRaw`
      UPDATE trial_grants SET credits_remaining = credits_remaining - ${credits}
      WHERE account_id = ${accountId} AND model = ${model}`;
    await tx.$executeRaw`
      INSERT INTO credit_ledger (id, account_id, execution_id, kind, amount, model)
      VALUES (${`grant-debit-${executionId}-${model}`}, ${accountId}, ${executionId}, 'grant_debit'::"LedgerKind", ${credits}, ${model})`;
  }
  return { fromBalance, fromGrants, exhausted, steps };
}

/**
 * The holds of a run's usage-priced and cached steps: each one's balance share (what grants pay stays spent,
 * as for flat prices). See src/db/ledger.ts.
 */
export function holdsOf(steps: ChargeSplit['steps'], plan: Plan, vendorDefaults?: VendorDefaults): Array<{ stepId: string; credits: number }> {
  // A cached step (config.cache) is held too: a cache hit captures nothing of it, so it costs 0.
  const cached = new Set(plan.steps.filter((step) => step.config.cache !== undefined).map((step) => step.id));
  return steps
    .filter((step) => step.fromBalance > 0 && (cached.has(step.stepId) || findModel(step.model, vendorDefaults)?.usage))
    .map((step) => ({ stepId: step.stepId, credits: step.fromBalance }));
}

/** SQLSTATE of admission_debit's refusal (migration 20261206070000_admission_debit). */
const DEBIT_REFUSED = 'BS402';

/**
 * Debits `amount` from the balance and writes the run's `debit` ledger entry: the admission
 * transaction's last statement, sent with its COMMIT in one message (admission_debit). A
 * conditional update, so concurrent admissions never overdraw. It takes the account's row lock,
 * which every admission of the account queues for: sent with the commit, the lock is held only
 * for the statement and the commit, never across a round trip to the API. When the balance is too
 * small, the commit fails with {@link debitRefusal}'s error and nothing is written.
 */
export function debitAtCommit(commit: CommitOptions, accountId: string, executionId: string, amount: number): void {
  if (amount <= 0) return;
  commit.withCommit(`SELECT admission_debit(${sqlLiteral(accountId)}, ${sqlLiteral(executionId)}, ${sqlLiteral(amount)})`);
}

/**
 * The refusal for a commit that failed because admission_debit found the balance too small (402
 * `grant_exhausted` when a model's grant ran out, else INSUFFICIENT_CREDITS, with the balance as
 * it stood then); undefined for any other error.
 */
export function debitRefusal(err: unknown, split: Pick<ChargeSplit, 'fromBalance' | 'exhausted'>): Refusal | undefined {
  const { code, detail } = (err ?? {}) as { code?: unknown; detail?: unknown };
  if (code !== DEBIT_REFUSED) return undefined;
  const balance = Number(detail);
  const known = Number.isFinite(balance) ? balance : 0;
  return creditRefusal(split, known) ?? insufficientCredits(split.fromBalance, known);
}
