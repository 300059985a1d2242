// Admission: plan the subgraph, validate inputs, check tier and credits, record the execution and
// its debit in one transaction, then hand the run to Temporal.
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { RunExecutionInput } from '../activities/contracts';
import type { Db } from '../db/client';
import { recordHolds } from '../db/ledger';
import { rawTransaction, isUniqueViolation } from '../db/rawTransaction';
import type { RunnableWorkflow } from '../db/hotReads';
import { RunStore, type NewExecution } from '../db/runStore';
import { chargeGrants, creditsByModel, debitAtCommit, debitRefusal, holdsOf, type RunCharge } from './credits';
import { estimateRun, type EstimateRequest, type RunEstimate } from './estimate';
import { bindClaim, type IdempotencyClaim } from './idempotency';
import { planOrRefuse, validateRunInputs } from './runChecks';
import { runPriority } from './runPriority';
import { findModel, type Tier, type VendorDefaults } from '../domain/models';
import { findUnstorableText } from '../domain/storableText';
import { modelAboveTier, pricePlan, splitCharge, type ChargeSplit } from '../domain/pricing';
import type { Plan, StepOutput, TriggerType } from '../domain/types';
import { temporalWorkflowIdOf } from '../domain/workflowIds';
import { ACCOUNT_ID, CANVAS_ID, RUN_STATUS, TRIGGER_TYPE, WORKFLOW_SLUG } from '../workflows/searchAttributes';
import {
  asyncNotSupported,
  budgetExceeded,
  engineUnavailable,
  executionExists,
  invalidInputs,
  modelTierRequired,
} from '../domain/refusals';

export { planOrRefuse, validateRunInputs } from './runChecks';

/** The workflow row admission needs: as the run routes read it (src/db/hotReads.ts). */
export type WorkflowRecord = RunnableWorkflow;

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
  /** A budget: the run is refused (BUDGET_EXCEEDED) when its estimate, each step at its maximum, exceeds it. */
  maxCredits?: number;
  /** `Cache-Control: no-cache`: the run's cached steps skip reading the output cache (and refresh it). */
  cacheBypass?: boolean;
  /**
   * Event data of a non-input trigger (a webhook's `{ body, headers }`), merged into the run's
   * inputs after validation: it feeds Webhook Trigger nodes, not Request Input fields.
   */
  triggerPayload?: Record<string, unknown>;
  /**
   * Called once the run is recorded and paid, just before its workflow starts: a sync caller starts
   * watching for the run's end here, so the end cannot come before the watch (and the caller need
   * not read the run first to learn it has not ended yet). A failure here fails nothing: the caller
   * then reads as usual.
   */
  beforeStart?: (executionId: string) => Promise<void>;
}

/** An admitted run. */
export interface Admission {
  executionId: string;
  /** Its Temporal workflow's id (see temporalWorkflowIdOf). */
  temporalWorkflowId: string;
  creditsUsed: number;
  /** Credits held for usage-priced and cached steps (captured by what they use; the metrics count them). */
  creditsHeld: number;
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
 * Admission's transaction waits at most the pool's connection timeout for a connection (then the burst gets a 503 with
 * Retry-After; the pool waits 5 s, src/db/client.ts) and each statement may take `timeout` while queued behind the account's row lock.
 */
const ADMISSION_TRANSACTION = { timeout: 15_000 };


/** Plans and admits runs. */
export class Admissions {
  private readonly runs: RunStore;

  constructor(private readonly deps: AdmissionDeps) {
    this.runs = new RunStore(deps.db);
  }

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
    if (request.maxCredits !== undefined && price.total > request.maxCredits) throw budgetExceeded(price.total, request.maxCredits);
    const executionId = request.executionId ?? `ex_${randomUUID()}`;
    const temporalWorkflowId = temporalWorkflowIdOf(request.workflow.slug, executionId);

    const rowOf = (charge: RunCharge): NewExecution => ({
      executionId,
      accountId: request.account.id,
      workflowId: request.workflow.id,
      triggerType: request.triggerType,
      plan,
      inputs,
      creditsUsed: charge.fromBalance,
      paidByGrant: Object.keys(charge.fromGrants).length > 0,
      temporalWorkflowId,
      receivedAt: new Date(request.receivedAtMs),
      ...(request.idempotencyClaim ? { idempotencyKey: request.idempotencyClaim.key } : {}),
      ...(request.parentExecutionId ? { parentExecutionId: request.parentExecutionId } : {}),
      ...(request.fromStepId ? { fromStepId: request.fromStepId } : {}),
      ...(request.callbackUrl ? { callbackUrl: request.callbackUrl } : {}),
      cacheBypass: request.cacheBypass ?? false,
    });

    let split: ChargeSplit = splitCharge(price, new Map());
    // Usage-priced and cached steps: their share of the debit is held, captured by what they use (src/db/ledger.ts).
    let holds = holdsOf(split.steps, plan, this.deps.vendorDefaults);
    let recorded = false;
    try {
      // Most runs: no idempotency key, no client-chosen id, no trial grant for their models. One
      // statement records them (execution, steps, holds, debit): one round trip, the account's row
      // lock held only for its commit. It records nothing when a grant turns out to apply.
      if (!request.idempotencyClaim && !request.executionId) {
        recorded = await this.runs.insertPaidExecution(rowOf(split), {
          grantModels: [...creditsByModel(price).keys()],
          holds,
          debit: split.fromBalance,
        });
      }
      // Otherwise a transaction on a plain `pg` connection (src/db/rawTransaction.ts).
      if (!recorded) {
        await rawTransaction(db, async (tx, _client, commit) => {
          // First, so a claim taken over by another request admits nothing here.
          if (request.idempotencyClaim) await bindClaim(tx, request.idempotencyClaim, executionId);
          // A client-chosen id must be new; the primary key below still guards the race.
          if (request.executionId && (await tx.$queryRaw<unknown[]>`SELECT 1 FROM executions WHERE id = ${executionId}`).length > 0) {
            throw executionExists(executionId);
          }
          split = await chargeGrants(tx, request.account.id, executionId, price);
          holds = holdsOf(split.steps, plan, this.deps.vendorDefaults);
          await this.runs.insertExecution(tx, rowOf(split));
          await recordHolds(tx, request.account.id, executionId, holds);
          // Last, sent with the commit: the account row lock it takes serialises the account's admissions.
          debitAtCommit(commit, request.account.id, executionId, split.fromBalance);
        }, { statementTimeoutMs: ADMISSION_TRANSACTION.timeout });
      }
    } catch (err) {
      if (request.executionId && isUniqueViolation(err)) throw executionExists(executionId);
      throw debitRefusal(err, split) ?? err;
    }

    await request.beforeStart?.(executionId).catch(() => undefined);
    await this.start(request, plan, inputs, executionId, temporalWorkflowId);
    return { executionId, temporalWorkflowId, creditsUsed: split.fromBalance, creditsHeld: holds.reduce((sum, hold) => sum + hold.credits, 0), plan };
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
          // `running` from the start: the workflow's first task makes the run running, and this
          // spares every run an upsert (a history event and a visibility write) just for that.
          { key: RUN_STATUS, value: 'running' },
        ],
        memo: { workflowName: workflow.name, targetNodeId: plan.targetNodeId, steps: plan.steps.length },
        staticSummary: `${workflow.name} (${workflow.slug}) · ${triggerType} run of ${plan.targetNodeId}`,
        staticDetails: `Steps: ${plan.groups.map((group) => group.join(' + ')).join(' → ')}`,
        // One account's backlog must not hold another account's runs back (src/services/runPriority.ts).
        priority: runPriority(account),
      });
    } catch (err) {
      // A failed call does not mean a failed start: the start may have reached Temporal and only its
      // answer was lost. Only Temporal saying "no such workflow" makes the run unstarted and refunded.
      const started = err instanceof WorkflowExecutionAlreadyStartedError ? 'exists' : await this.workflowExists(workflowId);
      if (started === 'exists') return; // It runs, paid: answered as if the start had succeeded.
      if (started === 'unknown') {
        // Left `planning` and paid: the reconciler refunds it once Temporal says it never started.
        throw engineUnavailable(`The run ${executionId} may or may not have started (Temporal could not be asked); check GET /api/executions/${executionId} before retrying.`);
      }
      await this.runs.settleUnstarted(executionId, {
        status: 'error',
        error: { type: 'EngineUnavailable', message: 'The run could not be started.' },
        from: ['planning'],
      });
      throw engineUnavailable(`The run could not be started: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Whether Temporal has a workflow with this id: asked a few times, `unknown` when it cannot answer. */
  private async workflowExists(workflowId: string): Promise<'exists' | 'absent' | 'unknown'> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.deps.temporal.workflow.getHandle(workflowId).describe();
        return 'exists';
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return 'absent';
        await new Promise((resolve) => setTimeout(resolve, 200 * (attempt + 1)));
      }
    }
    return 'unknown';
  }
}
