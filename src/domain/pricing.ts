// Credits: the price of a plan at an account's tier, with the platform markup.
import { DEFAULT_VENDOR_DEFAULTS, findModel, tierAllows, usageCeiling, type Tier, type UsagePricing, type VendorDefaults } from './models';
import type { Plan } from './types';

/** Price multiplier per tier: larger plans pay less per credit. */
export const TIER_PRICE_FACTOR: Readonly<Record<Tier, number>> = { pro: 1, business: 0.9, enterprise: 0.8 };

/** One billable step's price. */
export interface StepCharge {
  stepId: string;
  model: string;
  credits: number;
}

/** The price of a plan: total credits and each billable step's share. */
export interface PlanPrice {
  total: number;
  charges: StepCharge[];
}

/** Credits for one call of `model` at `tier` with `markup` (e.g. 1.2 = 20%), rounded up to whole credits. */
export function priceOfModel(modelId: string, tier: Tier, markup: number, vendorDefaults: VendorDefaults = DEFAULT_VENDOR_DEFAULTS): number {
  const model = findModel(modelId, vendorDefaults);
  if (!model) return 0;
  return priceOfCredits(model.credits, tier, markup);
}

/** Base credits (a node module's price hook, or its model's price) at `tier` with `markup`, rounded up. */
export function priceOfCredits(credits: number, tier: Tier, markup: number): number {
  return Math.ceil(credits * TIER_PRICE_FACTOR[tier] * markup - 1e-9);
}

/** Prices every billable step of the plan (steps in `skip` are reused and not billed). */
export function pricePlan(
  plan: Plan,
  tier: Tier,
  markup: number,
  skip: ReadonlySet<string> = new Set(),
  vendorDefaults: VendorDefaults = DEFAULT_VENDOR_DEFAULTS,
): PlanPrice {
  const charges = plan.steps
    .filter((step) => step.model !== undefined && !skip.has(step.id))
    .map((step) => ({
      stepId: step.id,
      model: step.model!,
      // Plans record each step's base credits (the node module's price hook); older plans only their model.
      credits: step.credits !== undefined ? priceOfCredits(step.credits, tier, markup) : priceOfModel(step.model!, tier, markup, vendorDefaults),
    }));
  return { total: charges.reduce((sum, charge) => sum + charge.credits, 0), charges };
}

/** The first model of the plan that `tier` may not use, if any. */
export function modelAboveTier(
  plan: Plan,
  tier: Tier,
  vendorDefaults: VendorDefaults = DEFAULT_VENDOR_DEFAULTS,
): { stepId: string; model: string; requiredTier: Tier } | undefined {
  for (const step of plan.steps) {
    const model = step.model ? findModel(step.model, vendorDefaults) : undefined;
    if (model && !tierAllows(tier, model.minTier)) return { stepId: step.id, model: model.id, requiredTier: model.minTier };
  }
  return undefined;
}

/** How one billable step is paid. */
export interface StepPayment extends StepCharge {
  fromGrant: number;
  fromBalance: number;
}

/** How a plan's price is paid: trial grants per model first, the balance the rest. */
export interface ChargeSplit {
  /** What the run reports as `creditsUsed` (0 when grants pay it all). */
  fromBalance: number;
  /** Credits taken from each model's grant. */
  fromGrants: Record<string, number>;
  /** Models whose grant exists but cannot pay their whole share (the balance must cover the rest). */
  exhausted: string[];
  /** Each billable step's share, grants applied in step order. */
  steps: StepPayment[];
}

/**
 * Splits `price` between trial grants (`grantsRemaining`, credits left per model) and the balance.
 * Admission charges with it (grants locked) and the estimate reports it (grants read).
 */
export function splitCharge(price: PlanPrice, grantsRemaining: ReadonlyMap<string, number>): ChargeSplit {
  const left = new Map(grantsRemaining);
  const fromGrants: Record<string, number> = {};
  const exhausted = new Set<string>();
  const steps = price.charges.map((charge) => {
    const grant = left.get(charge.model);
    const fromGrant = grant === undefined ? 0 : Math.min(grant, charge.credits);
    if (grant !== undefined) {
      left.set(charge.model, grant - fromGrant);
      if (fromGrant < charge.credits) exhausted.add(charge.model);
    }
    if (fromGrant > 0) fromGrants[charge.model] = (fromGrants[charge.model] ?? 0) + fromGrant;
    return { ...charge, fromGrant, fromBalance: charge.credits - fromGrant };
  });
  const fromBalance = steps.reduce((sum, step) => sum + step.fromBalance, 0);
  return { fromBalance, fromGrants, exhausted: [...exhausted], steps };
}

/** What a usage-priced step reported using (vendor numbers: untrusted until {@link usedShare} checks them). */
export interface StepUsage {
  inputTokens?: unknown;
  outputTokens?: unknown;
  seconds?: unknown;
}

/**
 * The share (0 to 1) of its hold a step captures: its usage priced by the model's rates over the
 * most one call can cost. A vendor's numbers are untrusted: a missing, negative, fractional token,
 * NaN or infinite count captures the whole hold (the price of the maximum), and usage beyond the
 * maximum captures the hold, never more.
 */
export function usedShare(pricing: UsagePricing, usage: StepUsage): number {
  const count = (value: unknown, integer: boolean): number | undefined =>
    typeof value === 'number' && Number.isFinite(value) && value >= 0 && (!integer || Number.isInteger(value)) ? value : undefined;
  let used: number | undefined;
  if (pricing.unit === 'tokens') {
    const input = count(usage.inputTokens, true);
    const output = count(usage.outputTokens, true);
    if (input !== undefined && output !== undefined) used = (input / 1000) * pricing.inputPer1k + (output / 1000) * pricing.outputPer1k;
  } else {
    const seconds = count(usage.seconds, false);
    if (seconds !== undefined) used = seconds * pricing.perSecond;
  }
  const ceiling = usageCeiling(pricing);
  if (used === undefined || ceiling <= 0) return 1;
  return Math.min(1, used / ceiling);
}

/** The credits a step captures from its hold: the used share of it, rounded up, never more than the hold. */
export function capturedCredits(hold: number, share: number): number {
  return Math.min(hold, Math.max(0, Math.ceil(hold * share - 1e-9)));
}
