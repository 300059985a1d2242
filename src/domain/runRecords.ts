// The records of a run as the workflow and the activities report them to the RunStore
// (src/db/runStore.ts): run and step changes, an attempt's progress, and the mirror's batches.
// Types only: the workflow imports them, and so do the database layer and the activities.
import type { ExecutionStatus, StepStatus } from './statuses';
import type { StepOutput } from './types';

/** Why a run or step failed, as stored and shown to users. */
export interface RunErrorInfo {
  /** The failed step, when one did. */
  stepId?: string;
  nodeType?: string;
  /** A closed error type: provider error types, `StepTimeout`, `RunTimeout`, `Cancelled`, `InlineStepFailed`. */
  type: string;
  message: string;
  attempt?: number;
}

/** A change to one step, written by the workflow's mirror. Terminal statuses never regress. */
export interface StepPatch {
  stepId: string;
  status: StepStatus;
  output?: StepOutput;
  error?: RunErrorInfo;
  attempts?: number;
  startedAtMs?: number;
  finishedAtMs?: number;
  reused?: boolean;
  /** A step answered from the output cache: the run and step that paid for the output. */
  cache?: { hit: true; executionId: string; stepId: string };
  /** What a waiting step waits on (provider, job id); cleared by any other status. */
  waitingOn?: WaitingOn;
}

/** What a waiting step or run waits on. */
export interface WaitingOn {
  stepId: string;
  provider: string;
  jobId: string;
  since: string;
}

/** A change to the run, ordered by `seq`: an older or post-terminal write is ignored. */
export interface RunPatch {
  status: ExecutionStatus;
  seq: number;
  output?: unknown;
  error?: RunErrorInfo;
  durationMs?: number;
  startedAtMs?: number;
  finishedAtMs?: number;
  /** The waitpoints of a `waiting` run. */
  waitingOn?: WaitingOn[];
}

/**
 * One piece of a provider step attempt's progress, as its activity reports it: the attempt started,
 * the step began streaming, streamed text (at `offset` chars into the attempt's text), or the
 * attempt failed. Written by the activity as it happens; what it could not write (a database
 * outage) is handed to the workflow, which writes it through the mirror. Applying one twice
 * changes nothing.
 */
export type ProgressEntry =
  /** `at`: when the attempt really started (ISO); the step's `startedAt`. Older entries lack it (the write's time is used). */
  | { kind: 'attempt'; stepId: string; attempt: number; at?: string }
  | { kind: 'streaming'; stepId: string; attempt: number }
  | { kind: 'tokens'; stepId: string; attempt: number; offset: number; text: string }
  | { kind: 'failed'; stepId: string; attempt: number; error: { type: string; message: string }; at: string };

/** One status change, in the order the workflow made it. */
export type MirrorChange =
  | { kind: 'run'; patch: RunPatch }
  | { kind: 'step'; patch: StepPatch }
  | { kind: 'progress'; entries: ProgressEntry[] };

/** One mirror write: every change queued since the last write, applied in order in one transaction. */
export interface MirrorBatch {
  executionId: string;
  changes: MirrorChange[];
  /** On completion: apply step outputs to the canvas nodes as their latest results. */
  applyResults?: { workflowId: string };
  /** On error or cancel: refund the run's credits (once, whatever retries happen). */
  refund?: boolean;
}

/**
 * A run's end as Postgres holds it, answered to a writer that found the run already ended by another
 * (run_store_end): the workflow then ends with it, so Temporal's result follows the rows.
 */
export interface StoredEnd {
  status: ExecutionStatus;
  output: unknown;
  error: RunErrorInfo | null;
  durationMs: number | null;
}
