// The cost estimate: what a run would cost at the account's tier (each step and in total, trial
// grants applied) and every refusal admission would give it, computed with admission's own
// checks and pricing, reading (never locking or changing) the balance and grants.
import type { Db } from '../db/client';
import type { Tier, VendorDefaults } from '../domain/models';
import { modelAboveTier, pricePlan, splitCharge } from '../domain/pricing';
import { budgetExceeded, modelTierRequired, Refusal } from '../domain/refusals';
import { creditRefusal, creditsByModel } from './credits';
import { planOrRefuse, validateRunInputs } from './runChecks';
import { cacheKeyOf, cacheTtlOf } from '../activities/outputCache';
import { resolveStepInputs, runInlineStep } from '../domain/stepInputs';
import type { Plan, StepOutput } from '../domain/types';

/** What to estimate: a run of `workflow` with `inputs` by `account`. */
export interface EstimateRequest {
  account: { id: string; tier: Tier };
  workflow: { slug: string; graph: unknown };
  inputs: unknown;
  /** A refusal already found in the request body (e.g. no `inputs` object). */
  bodyRefusal?: Refusal;
  /** The body's budget (BUDGET_EXCEEDED when the estimate exceeds it). */
  maxCredits?: number;
}

/** The estimate. */
export interface RunEstimate {
  success: true;
  slug: string;
  tier: Tier;
  /** True when the run would be admitted now. */
  admissible: boolean;
  /** Price of every billable step at the tier, with markup, before grants. */
  creditsTotal: number;
  /** What the run would take from the balance (its `creditsUsed`; 0 when grants pay it all). */
  creditsFromBalance: number;
  creditsFromGrants: number;
  creditBalance: number;
  steps: Array<{
    stepId: string;
    name: string;
    nodeType: string;
    model?: string;
    credits: number;
    fromGrant: number;
    fromBalance: number;
    paidBy: 'free' | 'balance' | 'grant' | 'grant+balance';
    /** A cached step whose output the cache holds for these inputs now: the run that paid for it. */
    cache?: { hit: true; executionId: string; stepId: string };
  }>;
  /** Every refusal admission would give the run now (the API adds each one's HTTP status). */
  refusals: Refusal[];
}

/** Estimates a run; throws only when the canvas cannot be planned (INVALID_WORKFLOW). */
export async function estimateRun(deps: { db: Db; markup: number; vendorDefaults?: VendorDefaults }, request: EstimateRequest): Promise<RunEstimate> {
  const plan = planOrRefuse(request.workflow.graph);
  const refusals: Refusal[] = [];
  const refuse = (refusal: Refusal) => refusals.push(refusal);

  let runInputs: Record<string, unknown> | undefined;
  if (request.bodyRefusal) refuse(request.bodyRefusal);
  else {
    try {
      runInputs = validateRunInputs(request, plan);
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      refuse(err);
    }
  }
  const aboveTier = modelAboveTier(plan, request.account.tier, deps.vendorDefaults);
  if (aboveTier) refuse(modelTierRequired(aboveTier.model, aboveTier.requiredTier, request.account.tier));

  const price = pricePlan(plan, request.account.tier, deps.markup, new Set(), deps.vendorDefaults);
  const [account, grants] = await Promise.all([
    deps.db.account.findUniqueOrThrow({ where: { id: request.account.id }, select: { creditBalance: true } }),
    deps.db.trialGrant.findMany({ where: { accountId: request.account.id, model: { in: [...creditsByModel(price).keys()] } } }),
  ]);
  const split = splitCharge(price, new Map(grants.map((grant) => [grant.model, grant.creditsRemaining])));
  const credits = creditRefusal(split, account.creditBalance);
  if (credits) refuse(credits);
  if (request.maxCredits !== undefined && price.total > request.maxCredits) refuse(budgetExceeded(price.total, request.maxCredits));

  const payments = new Map(split.steps.map((payment) => [payment.stepId, payment]));
  const hits = runInputs ? await cacheHitsOf(deps.db, request.account.id, plan, runInputs) : new Map<string, { executionId: string; stepId: string }>();
  return {
    success: true,
    slug: request.workflow.slug,
    tier: request.account.tier,
    admissible: refusals.length === 0,
    creditsTotal: price.total,
    creditsFromBalance: split.fromBalance,
    creditsFromGrants: price.total - split.fromBalance,
    creditBalance: account.creditBalance,
    steps: plan.steps.map((step) => {
      const payment = payments.get(step.id);
      const credits = payment?.credits ?? 0;
      const fromGrant = payment?.fromGrant ?? 0;
      const fromBalance = payment?.fromBalance ?? 0;
      return {
        stepId: step.id,
        name: step.name,
        nodeType: step.nodeType,
        ...(step.model ? { model: step.model } : {}),
        credits,
        fromGrant,
        fromBalance,
        paidBy: credits === 0 ? 'free' : fromGrant === 0 ? 'balance' : fromBalance === 0 ? 'grant' : 'grant+balance',
        ...(hits.has(step.id) ? { cache: { hit: true as const, ...hits.get(step.id)! } } : {}),
      };
    }),
    refusals,
  };
}

/**
 * The cached steps the output cache would answer now: the plan is walked as the run would walk it,
 * inline steps computed, cached steps' keys made from their inputs the way the step activity makes
 * them (src/activities/outputCache.ts). A step fed by a provider step that is not a hit cannot be
 * known before the run.
 */
async function cacheHitsOf(db: Db, accountId: string, plan: Plan, runInputs: Record<string, unknown>): Promise<Map<string, { executionId: string; stepId: string }>> {
  const outputs = new Map<string, StepOutput>();
  const hits = new Map<string, { executionId: string; stepId: string }>();
  const steps = new Map(plan.steps.map((step) => [step.id, step]));
  for (const group of plan.groups) {
    for (const stepId of group) {
      const step = steps.get(stepId);
      if (!step || !step.inputs.every((binding) => outputs.has(binding.sourceNodeId))) continue;
      const inputs = resolveStepInputs(step, outputs);
      if (step.kind === 'inline') {
        try {
          outputs.set(step.id, runInlineStep(step, inputs, runInputs));
        } catch {
          // Fails in the run too; nothing downstream can be known.
        }
        continue;
      }
      if (cacheTtlOf(step.config) === undefined) continue;
      const key = cacheKeyOf({ executionId: '', stepId: step.id, nodeType: step.nodeType, config: step.config, inputs, ...(step.model ? { model: step.model } : {}) });
      const entry = await db.outputCache.findFirst({ where: { accountId, key, expiresAt: { gt: new Date() } } });
      if (!entry) continue;
      outputs.set(step.id, entry.output as StepOutput);
      hits.set(step.id, { executionId: entry.executionId, stepId: entry.stepId });
    }
  }
  return hits;
}
