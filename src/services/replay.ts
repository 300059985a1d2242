// Replay: a new execution of a recorded plan, in full or from a step forward, reusing the recorded
// outputs of the steps before that step (they are neither re-run nor re-billed).
import type { Db } from '../db/client';
import { collectMediaIds } from '../media/refs';
import { downstreamOf } from '../domain/planner';
import { nodeHasRole } from '../nodes/registry';
import type { Plan, StepOutput } from '../domain/types';
import { invalidStep, notFound, stepOutputMissing } from '../domain/refusals';
import type { Admission, Admissions } from './admission';

/** Replays `executionId` of `account`; `fromStepId` picks the first step to re-run. */
export async function replayExecution(
  deps: { db: Db; admissions: Admissions },
  request: { account: { id: string; tier: 'pro' | 'business' | 'enterprise' }; executionId: string; fromStepId?: string; receivedAtMs: number },
): Promise<Admission & { parentExecutionId: string; fromStepId: string | null }> {
  const original = await deps.db.execution.findFirst({
    where: { id: request.executionId, accountId: request.account.id },
    include: { workflow: true, steps: true },
  });
  if (!original) throw notFound(`Execution "${request.executionId}"`);
  const plan = original.plan as unknown as Plan;

  let reusedOutputs: Record<string, StepOutput> | undefined;
  if (request.fromStepId !== undefined) {
    const stepIds = plan.steps.map((step) => step.id);
    if (!stepIds.includes(request.fromStepId)) {
      throw invalidStep(`Step "${request.fromStepId}" is not in the plan of execution ${original.id}.`, {
        fromStepId: request.fromStepId,
        steps: stepIds,
      });
    }
    const rerun = downstreamOf(plan, request.fromStepId);
    const recorded = new Map(original.steps.map((step) => [step.stepId, step]));
    reusedOutputs = {};
    for (const step of plan.steps) {
      if (rerun.has(step.id)) continue;
      const earlier = recorded.get(step.id);
      if (earlier?.status !== 'completed' || earlier.output === null) {
        throw stepOutputMissing(
          `Step "${step.id}" did not complete in execution ${original.id}, so there is no output to reuse; replay from "${step.id}" or an earlier step.`,
          { stepId: step.id, status: earlier?.status ?? 'unknown' },
        );
      }
      reusedOutputs[step.id] = earlier.output as StepOutput;
    }
  }

  // A webhook-started run's inputs are the event itself, not Request Input fields: pass them through.
  const triggered = plan.steps.some((step) => nodeHasRole(step.nodeType, 'webhook'));
  const recordedInputs = (original.inputs ?? {}) as Record<string, unknown>;
  const admission = await deps.admissions.admit({
    account: request.account,
    workflow: original.workflow,
    triggerType: 'replay',
    inputs: triggered ? {} : recordedInputs,
    ...(triggered ? { triggerPayload: recordedInputs } : {}),
    async: true,
    receivedAtMs: request.receivedAtMs,
    plan,
    parentExecutionId: original.id,
    ...(request.fromStepId !== undefined ? { fromStepId: request.fromStepId } : {}),
    ...(reusedOutputs ? { reusedOutputs } : {}),
  });
  // Reused media now belongs to the replay too: it is kept while either execution exists.
  const reusedMedia = reusedOutputs ? collectMediaIds(reusedOutputs) : [];
  if (reusedMedia.length > 0) {
    await deps.db.executionMedia.createMany({ data: reusedMedia.map((mediaId) => ({ executionId: admission.executionId, mediaId })), skipDuplicates: true });
  }
  return { ...admission, parentExecutionId: original.id, fromStepId: request.fromStepId ?? null };
}
