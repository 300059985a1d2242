// The public JSON view of an execution and its steps.
import type { Db } from '../db/client';
import { presentMedia, type MediaUrlSigner } from '../media/urls';

/**
 * Loads an execution of `accountId` with its steps, or null (also for another account's). Media
 * references in outputs gain freshly signed URLs when a signer is given.
 */
export async function loadExecutionView(db: Db, accountId: string, executionId: string, signer?: MediaUrlSigner) {
  const view = await readExecutionView(db, accountId, executionId);
  return view && signer ? presentMedia(view, signer) : view;
}

async function readExecutionView(db: Db, accountId: string, executionId: string) {
  const execution = await db.execution.findFirst({
    where: { id: executionId, accountId },
    include: { steps: { orderBy: [{ groupIndex: 'asc' }, { stepId: 'asc' }] }, workflow: { select: { slug: true, canvasId: true } } },
  });
  if (!execution) return null;
  return {
    id: execution.id,
    workflowSlug: execution.workflow.slug,
    canvasId: execution.workflow.canvasId,
    status: execution.status,
    triggerType: execution.triggerType === 'user_mcp' ? 'user-mcp' : execution.triggerType,
    targetNodeId: execution.targetNodeId,
    inputs: execution.inputs,
    output: execution.output,
    creditsUsed: execution.creditsUsed,
    creditsRefunded: execution.creditsRefunded,
    durationMs: execution.durationMs,
    error: execution.error,
    waitingOn: execution.waitingOn,
    parentExecutionId: execution.parentExecutionId,
    fromStepId: execution.fromStepId,
    temporalWorkflowId: execution.temporalWorkflowId,
    createdAt: execution.createdAt.toISOString(),
    startedAt: execution.startedAt?.toISOString() ?? null,
    finishedAt: execution.finishedAt?.toISOString() ?? null,
    steps: execution.steps.map((step) => ({
      id: step.stepId,
      nodeType: step.nodeType,
      groupIndex: step.groupIndex,
      status: step.status,
      attempts: step.attempts,
      output: step.output,
      error: step.error,
      attemptErrors: step.attemptErrors,
      waitingOn: publicWaitingOn(step.waitingOn),
      reused: step.reused,
      startedAt: step.startedAt?.toISOString() ?? null,
      finishedAt: step.finishedAt?.toISOString() ?? null,
    })),
  };
}

/** The execution view type. */
export type ExecutionView = NonNullable<Awaited<ReturnType<typeof loadExecutionView>>>;

/** A step's waitpoint without its callback token (a per-job secret). */
function publicWaitingOn(value: unknown): unknown {
  if (!value || typeof value !== 'object') return value ?? null;
  const { callbackToken: _secret, ...rest } = value as Record<string, unknown>;
  return rest;
}
