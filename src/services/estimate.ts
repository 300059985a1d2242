// The cost estimate: what a run would cost at the account's tier (each step and in total, trial
// grants applied) and every refusal admission would give it, computed with admission's own
// checks and pricing, reading (never locking or changing) the balance and grants.
import type { EstimateResponse } from '../contract/workflows';
import type { Db } from '../db/client';
import { HttpError } from '../api/errors';
import type { Tier, VendorDefaults } from '../domain/models';
import { modelAboveTier, pricePlan, splitCharge } from '../domain/pricing';
import { modelTierRequired } from '../api/errors';
import { creditRefusal, creditsByModel } from './credits';
import { planOrRefuse, validateRunInputs } from './runChecks';

/** What to estimate: a run of `workflow` with `inputs` by `account`. */
export interface EstimateRequest {
  account: { id: string; tier: Tier };
  workflow: { slug: string; graph: unknown };
  inputs: unknown;
  /** A refusal already found in the request body (e.g. no `inputs` object). */
  bodyRefusal?: HttpError;
}

/** One refusal the run would get, as the run route would answer it (the contract's shape). */
export type Refusal = EstimateResponse['refusals'][number];

/** The estimate: the answer of POST /api/workflows/:slug/estimate (src/contract/workflows.ts). */
export type RunEstimate = EstimateResponse;

/** Estimates a run; throws only when the canvas cannot be planned (422 INVALID_WORKFLOW). */
export async function estimateRun(deps: { db: Db; markup: number; vendorDefaults?: VendorDefaults }, request: EstimateRequest): Promise<RunEstimate> {
  const plan = planOrRefuse(request.workflow.graph);
  const refusals: Refusal[] = [];
  // Only admission's refusals reach here (the contract lists their codes; the response test checks real answers).
  const refuse = (err: HttpError) => refusals.push({ ...err.details, status: err.status, code: err.code as Refusal['code'], message: err.message });

  if (request.bodyRefusal) refuse(request.bodyRefusal);
  else {
    try {
      validateRunInputs(request, plan);
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
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

  const payments = new Map(split.steps.map((payment) => [payment.stepId, payment]));
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
      };
    }),
    refusals,
  };
}
