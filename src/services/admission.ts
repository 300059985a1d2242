// Admission: plan the subgraph, validate inputs, check tier and credits, record the execution and
// its debit in one transaction, then hand the run to Temporal.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { RunExecutionInput } from '../activities/contracts';
import { triggerTypeToDb } from '../contract/statuses';
import type { Db } from '../db/client';
import { Prisma } from '../generated/prisma/client';
import { chargeGrants, debitBalance, type RunCharge } from './credits';
import { estimateRun, type EstimateRequest, type RunEstimate } from './estimate';
import { bindClaim, type IdempotencyClaim } from './idempotency';
import { planOrRefuse, validateRunInputs } from './runChecks';
import { settleUnstarted } from './settle';
import { findModel, type Tier, type VendorDefaults } from '../domain/models';
import { findUnstorableText } from '../domain/storableText';
import { modelAboveTier, pricePlan } from '../domain/pricing';
import type { Plan, StepOutput, TriggerType } from '../domain/types';
import { temporalWorkflowIdOf } from '../domain/workflowIds';
import { ACCOUNT_ID, CANVAS_ID, RUN_STATUS, TRIGGER_TYPE, WORKFLOW_SLUG } from '../workflows/searchAttributes';
import {
  asyncNotSupported,
  engineUnavailable,
  executionExists,
  invalidInputs,
  modelTierRequired,
} from '../domain/refusals';

export { planOrRefuse, validateRunInputs } from './runChecks';

/** The workflow row admission needs. */
export interface WorkflowRecord {
  id: string;
  accountId: string;
  slug: string;
  name: string;
  canvasId: string;
  graph: unknown;
}

/** One request to start a run. */
export interface AdmissionRequest {
  account: { id: string; tier: Tier };
  workflow: WorkflowRecord;
  triggerType: TriggerType;
  inputs: unknown;
  targetNodeId?: string;
  async: boolean;
  receivedAtMs: number;
  executionId?: string;
  /** The Idempotency-Key claim this admission answers; bound to the execution in the same transaction. */
  idempotencyClaim?: IdempotencyClaim;
  parentExecutionId?: string;
  fromStepId?: string;
  reusedOutputs?: Record<string, StepOutput>;
  /** Replays run the plan they recorded, not the canvas as it is now. */
  plan?: Plan;
  callbackUrl?: string;
  /**
   * Event data of a non-input trigger (a webhook's `{ body, headers }`), merged into the run's
   * inputs after validation: it feeds Webhook Trigger nodes, not Request Input fields.
   */
  triggerPayload?: Record<string, unknown>;
}

/** An admitted run. */
export interface Admission {
  executionId: string;
  /** Its Temporal workflow's id (see temporalWorkflowIdOf). */
  temporalWorkflowId: string;
  creditsUsed: number;
  plan: Plan;
}

/** Dependencies of admission. */
export interface AdmissionDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  markup: number;
  runTimeoutMs: number;
  /** Price and tier of vendor models the catalog does not list (REPLICATE_/FAL_DEFAULT_CREDITS). */
  vendorDefaults?: VendorDefaults;
}

/**
 * Admission's transaction waits at most `maxWait` for a connection (then the burst gets a 503 with
 * Retry-After) and may take `timeout` while queued behind the account's row lock.
 */
const ADMISSION_TRANSACTION = { maxWait: 5_000, timeout: 15_000 };

/** Plans and admits runs. */
export class Admissions {
  constructor(private readonly deps: AdmissionDeps) {}

  /** What `request` would cost and the refusals it would get, without running or charging anything. */
  estimate(request: EstimateRequest): Promise<RunEstimate> {
    return estimateRun({ db: this.deps.db, markup: this.deps.markup, ...(this.deps.vendorDefaults ? { vendorDefaults: this.deps.vendorDefaults } : {}) }, request);
  }

  /** Checks the request and starts the run; throws Refusals with the seed's codes. */
  async admit(request: AdmissionRequest): Promise<Admission> {
    const { db, markup } = this.deps;
    const plan = request.plan ?? planOrRefuse(request.workflow.graph, request.targetNodeId);
    const inputs = { ...validateRunInputs(request, plan), ...request.triggerPayload };
    // Every trigger's data ends up in jsonb: refuse what Postgres cannot store (webhook bodies included).
    const unstorable = findUnstorableText(inputs, ['inputs']);
    if (unstorable) throw invalidInputs(`Input "${unstorable.path.slice(1).join('.')}" ${unstorable.reason}.`, [{ field: unstorable.path.join('.'), message: unstorable.reason }]);

    if (request.async) {
      const pushOnly = plan.steps.find((step) => step.model && findModel(step.model)?.pollable === false);
      if (pushOnly) {
        throw asyncNotSupported(`Step "${pushOnly.id}" uses ${pushOnly.model}, whose provider cannot be polled; run it in sync mode.`, {
          stepId: pushOnly.id,
          model: pushOnly.model,
        });
      }
    }
    const aboveTier = modelAboveTier(plan, request.account.tier, this.deps.vendorDefaults);
    if (aboveTier) throw modelTierRequired(aboveTier.model, aboveTier.requiredTier, request.account.tier);

    const reused = new Set(Object.keys(request.reusedOutputs ?? {}));
    const price = pricePlan(plan, request.account.tier, markup, reused, this.deps.vendorDefaults);
    const executionId = request.executionId ?? `ex_${randomUUID()}`;
    const temporalWorkflowId = temporalWorkflowIdOf(request.workflow.slug, executionId);

    let charge: RunCharge = { fromBalance: 0, fromGrants: {} };
    try {
      await db.$transaction(async (tx) => {
        // First, so a claim taken over by another request admits nothing here.
        if (request.idempotencyClaim) await bindClaim(tx, request.idempotencyClaim, executionId);
        // A client-chosen id must be new; the primary key below still guards the race.
        if (request.executionId && (await tx.execution.findUnique({ where: { id: executionId }, select: { id: true } }))) {
          throw executionExists(executionId);
        }
        const grants = await chargeGrants(tx, request.account.id, executionId, price);
        charge = grants;
        await tx.execution.create({
          data: {
            id: executionId,
            accountId: request.account.id,
            workflowId: request.workflow.id,
            triggerType: triggerTypeToDb(request.triggerType),
            targetNodeId: plan.targetNodeId,
            status: 'planning',
            inputs: inputs as object,
            plan: plan as object,
            creditsUsed: charge.fromBalance,
            paidByGrant: Object.keys(charge.fromGrants).length > 0,
            temporalWorkflowId,
            receivedAt: new Date(request.receivedAtMs),
            idempotencyKey: request.idempotencyClaim?.key ?? null,
            parentExecutionId: request.parentExecutionId ?? null,
            fromStepId: request.fromStepId ?? null,
            callbackUrl: request.callbackUrl ?? null,
            steps: {
              createMany: {
                data: plan.steps.map((step) => ({ stepId: step.id, nodeType: step.nodeType, groupIndex: step.groupIndex })),
              },
            },
          },
        });
        // Last: the account row lock it takes serialises the account's admissions until the commit.
        await debitBalance(tx, request.account.id, executionId, grants.fromBalance, grants.exhausted);
      }, ADMISSION_TRANSACTION);
    } catch (err) {
      if (request.executionId && err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') throw executionExists(executionId);
      throw err;
    }

    await this.start(request, plan, inputs, executionId, temporalWorkflowId);
    return { executionId, temporalWorkflowId, creditsUsed: charge.fromBalance, plan };
  }

  private async start(request: AdmissionRequest, plan: Plan, inputs: Record<string, unknown>, executionId: string, workflowId: string): Promise<void> {
    const { temporal, taskQueue, runTimeoutMs, db } = this.deps;
    const { workflow, account, triggerType } = request;
    const input: RunExecutionInput = {
      executionId,
      accountId: account.id,
      workflowId: workflow.id,
      workflowSlug: workflow.slug,
      canvasId: workflow.canvasId,
      triggerType,
      plan,
      inputs,
      receivedAtMs: request.receivedAtMs,
      runTimeoutMs,
      ...(request.reusedOutputs ? { reusedOutputs: request.reusedOutputs } : {}),
      // Read by the workflow to deliver the signed result callback once the run settles.
      ...(request.callbackUrl ? { callbackUrl: request.callbackUrl } : {}),
    };
    try {
      await temporal.workflow.start('runExecution', {
        taskQueue,
        workflowId,
        args: [input],
        typedSearchAttributes: [
          { key: TRIGGER_TYPE, value: triggerType },
          { key: WORKFLOW_SLUG, value: workflow.slug },
          { key: ACCOUNT_ID, value: account.id },
          { key: CANVAS_ID, value: workflow.canvasId },
          { key: RUN_STATUS, value: 'planning' },
        ],
        memo: { workflowName: workflow.name, targetNodeId: plan.targetNodeId, steps: plan.steps.length },
        staticSummary: `${workflow.name} (${workflow.slug}) · ${triggerType} run of ${plan.targetNodeId}`,
        staticDetails: `Steps: ${plan.groups.map((group) => group.join(' + ')).join(' → ')}`,
      });
    } catch (err) {
      // The run never started: settle it as an error so its credits come back.
      await settleUnstarted(db, executionId, {
        status: 'error',
        error: { type: 'EngineUnavailable', message: 'The run could not be started.' },
        from: ['planning'],
      });
      throw engineUnavailable(`The run could not be started: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
