// Types exchanged between the workflow and its activities. Types only: workflow code imports them.
import type { MirrorChange, RunErrorInfo } from '../domain/runRecords';
import type { ExecutionStatus } from '../domain/statuses';
import type { MediaKind, StepOutput, TriggerType } from '../domain/types';

export type { MirrorBatch, MirrorChange, ProgressEntry, RunErrorInfo, RunPatch, StepPatch, StoredEnd, WaitingOn } from '../domain/runRecords';

/** What a provider step's activity receives. */
export interface ProviderStepInput {
  executionId: string;
  stepId: string;
  nodeType: string;
  model?: string;
  config: Record<string, unknown>;
  inputs: Record<string, unknown>;
  /** Generation steps: the media kind and the output port carrying its reference. */
  media?: { kind: MediaKind; port: string };
  /**
   * Set by workflows that let the step record itself (the `step-records-in-activities` patch): the
   * attempt writes `changes` (the run's changes not yet known to be written, in order) before its
   * own progress, and its own completion before it returns, so the workflow dispatches the next
   * step without waiting on the database. Absent: the workflow's mirror writes the step.
   */
  record?: { changes: MirrorChange[] };
  /**
   * Set on the run's final step by workflows with the `final-step-ends-run` patch: when the attempt
   * succeeds, its record also settles the inline steps after it and ends the run (src/domain/runEnd.ts),
   * so the workflow writes nothing after the last step.
   */
  end?: import('../domain/runEnd').RunEndPlan;
}

/** The input of the run workflow. */
export interface RunExecutionInput {
  executionId: string;
  accountId: string;
  workflowId: string;
  workflowSlug: string;
  canvasId: string;
  triggerType: TriggerType;
  plan: import('../domain/types').Plan;
  inputs: Record<string, unknown>;
  /** When the API received the request (ms since epoch): durations are measured from here. */
  receivedAtMs: number;
  runTimeoutMs: number;
  /** From-step replays: outputs of earlier steps, reused instead of re-run. */
  reusedOutputs?: Record<string, StepOutput>;
  /** Where to POST the signed final result once the run settles. */
  callbackUrl?: string;
}

/** How a run ended. */
export interface RunExecutionResult {
  executionId: string;
  status: Extract<ExecutionStatus, 'completed' | 'error' | 'cancelled'>;
  output: unknown;
  error?: RunErrorInfo;
  durationMs: number;
}
