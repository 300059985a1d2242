// The public view of an execution and its steps, built in one place from the stored rows into the
// contract's shapes (src/contract/executions.ts): the list item is a part of the full view.
import type { ExecutionSummary, ExecutionView, RunError, StepView } from '../contract/executions';
import { triggerTypeFromDb } from '../contract/statuses';
import type { Db } from '../db/client';
import type { Execution, Step } from '../generated/prisma/client';
import { presentMedia, type MediaUrlSigner } from '../media/urls';

export type { ExecutionSummary, ExecutionView } from '../contract/executions';

/** The stored execution row with its workflow's slug (what a list reads). */
export type ExecutionRow = Execution & { workflow: { slug: string } };

/** A run as lists show it. */
export function presentExecutionSummary(row: ExecutionRow): ExecutionSummary {
  return {
    id: row.id,
    workflowSlug: row.workflow.slug,
    status: row.status,
    triggerType: triggerTypeFromDb(row.triggerType),
    creditsUsed: row.creditsUsed,
    creditsRefunded: row.creditsRefunded,
    durationMs: row.durationMs,
    parentExecutionId: row.parentExecutionId,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}

/** A run with its steps (stored JSON columns are typed by the contract; the writers keep to it). */
export function presentExecution(row: ExecutionRow & { workflow: { canvasId: string }; steps: Step[] }): ExecutionView {
  const names = stepNames(row.plan);
  return {
    ...presentExecutionSummary(row),
    canvasId: row.workflow.canvasId,
    targetNodeId: row.targetNodeId,
    inputs: row.inputs,
    output: row.output,
    error: row.error as RunError | null,
    waitingOn: row.waitingOn as ExecutionView['waitingOn'],
    fromStepId: row.fromStepId,
    temporalWorkflowId: row.temporalWorkflowId,
    startedAt: row.startedAt?.toISOString() ?? null,
    steps: row.steps.map((step) => presentStep(step, names.get(step.stepId) ?? step.stepId)),
  };
}

function presentStep(step: Step, name: string): StepView {
  return {
    id: step.stepId,
    name,
    nodeType: step.nodeType,
    groupIndex: step.groupIndex,
    status: step.status,
    attempts: step.attempts,
    output: step.output,
    error: step.error as RunError | null,
    attemptErrors: step.attemptErrors as StepView['attemptErrors'],
    waitingOn: publicWaitingOn(step.waitingOn),
    reused: step.reused,
    cache: (step.cache as StepView['cache']) ?? null,
    startedAt: step.startedAt?.toISOString() ?? null,
    finishedAt: step.finishedAt?.toISOString() ?? null,
  };
}

/**
 * Loads an execution of `accountId` with its steps, or null (also for another account's). Media
 * references in outputs gain freshly signed URLs when a signer is given.
 */
export async function loadExecutionView(db: Db, accountId: string, executionId: string, signer?: MediaUrlSigner): Promise<ExecutionView | null> {
  const row = await db.execution.findFirst({
    where: { id: executionId, accountId },
    include: { steps: { orderBy: [{ groupIndex: 'asc' }, { stepId: 'asc' }] }, workflow: { select: { slug: true, canvasId: true } } },
  });
  if (!row) return null;
  const view = presentExecution(row);
  return signer ? presentMedia(view, signer) : view;
}

/** The canvas names of a recorded plan's steps (the plan is stored as JSON). */
function stepNames(plan: unknown): Map<string, string> {
  const steps = (plan as { steps?: Array<{ id?: unknown; name?: unknown }> } | null)?.steps ?? [];
  return new Map(steps.flatMap((step) => (typeof step.id === 'string' && typeof step.name === 'string' ? [[step.id, step.name] as const] : [])));
}

/** A step's waitpoint without its callback token (a per-job secret). */
function publicWaitingOn(value: unknown): StepView['waitingOn'] {
  if (!value || typeof value !== 'object') return null;
  const { callbackToken: _secret, ...rest } = value as Record<string, unknown>;
  return rest as StepView['waitingOn'];
}
