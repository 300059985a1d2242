// Credits: the price of a plan at an account's tier, with the platform markup.
import { DEFAULT_VENDOR_DEFAULTS, findModel, tierAllows, type Tier, type VendorDefaults } from './models';
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
