// How step failures are described: one RunErrorInfo per failure, whatever raised it.
import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import type { RunErrorInfo } from '../activities/contracts';
import type { PlanStep } from '../domain/types';

/** Thrown inside the walk when a step fails; carries what the run and the step record. */
export class StepFailed extends Error {
  constructor(readonly info: RunErrorInfo) {
    super(info.message);
  }
}

/** The error a failed step records: activity timeouts say which timeout fired, provider failures keep their type. */
export function describeFailure(step: PlanStep, err: unknown): RunErrorInfo {
  if (err instanceof StepFailed) return err.info;
  const base = { stepId: step.id, nodeType: step.nodeType };
  if (err instanceof ActivityFailure) {
    const cause = err.cause;
    if (cause instanceof TimeoutFailure) {
      return { ...base, type: 'StepTimeout', message: `Step "${step.id}" exceeded its ${step.timeoutMs} ms step timeout (${String(cause.timeoutType)}).` };
    }
    if (cause instanceof ApplicationFailure) {
      const details = cause.details?.[0] as { attempt?: number } | undefined;
      return { ...base, type: cause.type ?? 'Error', message: cause.message, ...(details?.attempt ? { attempt: details.attempt } : {}) };
    }
    return { ...base, type: 'Error', message: cause?.message ?? err.message };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { ...base, type: 'InlineStepFailed', message };
}
