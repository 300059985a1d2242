// What every provider step activity shares: one attempt's progress, heartbeats, abort signal and
// error classification (provider errors keep their type; anything else is retryable).
import { ApplicationFailure, Context } from '@temporalio/activity';
import { findModel, type ModelSpec } from '../domain/models';
import { isFailureType, isRetryable } from '../domain/retryability';
import { runEndOf, type RunEnd } from '../domain/runEnd';
import { promptOf } from '../domain/stepInputs';
import type { StepOutput } from '../domain/types';
import { ProviderError } from '../providers/errors';
import type { ProgressEntry, ProviderStepInput, StoredEnd } from './contracts';
import { ourOutageOf, rideOutOurOutage, type OutageObserver, type OutageWait } from './ourOutage';
import { carriedProgress, withProgress, type ProgressHeartbeat, type ProgressOutbox } from './progressOutbox';
import type { StepProgress } from './stepProgress';

/** What a provider step returns to the workflow. */
export interface StepResult {
  output: StepOutput;
  attempt: number;
  /** Progress the attempt could not write (a database outage): the workflow writes it through its mirror. */
  progress: ProgressEntry[];
  /**
   * True when the attempt recorded its own completion (and the changes the workflow handed it):
   * the workflow's mirror has nothing to write for this step. Only when the input asked for it.
   */
  recorded?: true;
  /**
   * Set when the input asked the attempt to end the run (ProviderStepInput.end) and it recorded it:
   * the run's end as it wrote it, or as stored when the run had already ended. The workflow ends
   * with it and writes nothing more.
   */
  ended?: StoredEnd;
}

const HEARTBEAT_EVERY_MS = 1_000;

/**
 * Runs one attempt of a step: records it, heartbeats so cancellation reaches it, records its
 * failure. Progress goes through the attempt's outbox (ordered, retried); what it could not write
 * is handed over with the result or the failure, and through the heartbeat details to a retry.
 */
export async function runAttempt(
  progress: StepProgress,
  input: ProviderStepInput,
  work: (signal: AbortSignal, attempt: number, outbox: ProgressOutbox, outage: OutageObserver) => Promise<StepOutput>,
  warn: (message: string, err: unknown) => void = () => undefined,
): Promise<StepResult> {
  const context = Context.current();
  const { attempt: number } = context.info;
  // While the step waits out our own outage, its heartbeat details say so (Temporal UI, `temporal
  // workflow describe`): `waitingFor` names the resource, since when and how many tries.
  let waitingFor: OutageWait | undefined;
  const beat = (unwritten: ProgressEntry[]) => context.heartbeat({ progress: unwritten, ...(waitingFor ? { waitingFor } : {}) } satisfies ProgressHeartbeat);
  const outbox = progress.open(input.executionId, input.stepId, number, carriedProgress(context.info.heartbeatDetails), beat, input.record?.changes);
  const outage: OutageObserver = {
    waiting(wait) {
      if (!waitingFor) warn(`step ${input.stepId} of ${input.executionId} waits for our ${wait.resource} (${wait.during}); the attempt goes on when it is back`, wait.lastError);
      waitingFor = wait;
      beat(outbox.unwritten());
    },
    recovered(wait) {
      warn(`step ${input.stepId} of ${input.executionId}: our ${wait.resource} is back after ${wait.retries} tries`, wait.lastError);
      waitingFor = undefined;
      beat(outbox.unwritten());
    },
  };
  outbox.attemptStarted();
  const heartbeat = setInterval(() => beat(outbox.unwritten()), HEARTBEAT_EVERY_MS);
  try {
    // An outage of ours that escapes the writes' own waiting (a body too large to hold) does not
    // spend the step's retry policy either: the work is run again once the resource is back.
    const output = await rideOutOurOutage('running the step', () => work(context.cancellationSignal, number, outbox, outage), context.cancellationSignal, outage);
    const unwritten = await outbox.handover({ keepHeld: true });
    if (input.record) {
      // The step records itself: its progress and completion in one transaction, before the
      // workflow hears of it, so the workflow dispatches the next step without a database write.
      try {
        const now = Date.now();
        const end = input.end ? runEnd(input, output, now, warn) : undefined;
        const completed = { stepId: input.stepId, status: 'completed' as const, output, attempts: number, finishedAtMs: now };
        const stored = await outbox.record(completed, unwritten, end);
        if (!end) return { output, attempt: number, progress: [], recorded: true };
        const ended: StoredEnd = stored ?? { status: 'completed', output: end.output, error: null, durationMs: end.durationMs };
        return { output, attempt: number, progress: [], recorded: true, ended };
      } catch (err) {
        // Our database is out: the workflow's mirror writes it all once it is back (nothing lost).
        warn(`step ${input.stepId} of ${input.executionId} could not record its completion; the run's mirror will`, err);
      }
    }
    // A short attempt's progress is written by the workflow's mirror with the step's settlement.
    return { output, attempt: number, progress: unwritten };
  } catch (err) {
    const failure = toFailure(err, number);
    outbox.attemptFailed({ type: failure.type ?? 'Error', message: failure.message });
    const unwritten = await outbox.handover();
    beat(unwritten);
    throw withProgress(failure, unwritten);
  } finally {
    clearInterval(heartbeat);
  }
}

/** The run's end after this step (see src/domain/runEnd.ts); undefined when an inline step after it fails: the workflow then ends the run itself. */
function runEnd(input: ProviderStepInput, output: StepOutput, now: number, warn: (message: string, err: unknown) => void): RunEnd | undefined {
  try {
    return runEndOf(input.end!, input.stepId, output, now);
  } catch (err) {
    warn(`step ${input.stepId} of ${input.executionId} could not end its run; the workflow will`, err);
    return undefined;
  }
}

/** True when `err` is an outage of our own database or media store (see ourOutage.ts). */
export const isOurOutage = (err: unknown): boolean => ourOutageOf(err) !== undefined;

/** The step's model from the catalog (the planner checked it; a stale plan may name a removed one). */
export function requireModel(input: ProviderStepInput): ModelSpec {
  const model = input.model ? findModel(input.model) : undefined;
  if (!model) throw new ProviderError('InvalidConfig', `Step "${input.stepId}" has no known model.`);
  return model;
}

/** What every generation call carries: model, node config, attempt, abort signal and the prompt. */
export function baseCall(input: ProviderStepInput, model: string, attempt: number, signal: AbortSignal) {
  return { model, config: input.config, attempt, signal, prompt: promptOf(input, input.inputs) };
}

/**
 * Provider errors keep their type; other errors whose name the retryability table marks non-retryable
 * (the media store's MediaTooLarge, MediaNotFound, the guarded fetch's PrivateNetworkRefused) keep
 * theirs and are not retried; anything else is a retryable ProviderUnavailable. Cancellation passes through untouched.
 */
export function toFailure(err: unknown, attempt: number): ApplicationFailure {
  if (err instanceof ProviderError) {
    return ApplicationFailure.create({
      type: err.type,
      message: err.message,
      nonRetryable: err.nonRetryable,
      details: [{ attempt, status: err.details.status }],
      ...(err.details.retryAfterMs ? { nextRetryDelay: err.details.retryAfterMs } : {}),
    });
  }
  if (err instanceof ApplicationFailure) return err;
  const message = err instanceof Error ? err.message : String(err);
  const name = err instanceof Error ? err.name : '';
  if (isFailureType(name) && !isRetryable(name)) return ApplicationFailure.create({ type: name, message, nonRetryable: true, details: [{ attempt }] });
  return ApplicationFailure.create({ type: 'ProviderUnavailable', message, details: [{ attempt }] });
}
