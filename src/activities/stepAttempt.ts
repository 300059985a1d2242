// What every provider step activity shares: one attempt's progress, heartbeats, abort signal and
// error classification (provider errors keep their type; anything else is retryable).
import { ApplicationFailure, Context } from '@temporalio/activity';
import { findModel, type ModelSpec } from '../domain/models';
import { promptOf } from '../domain/stepInputs';
import type { StepOutput } from '../domain/types';
import { ProviderError } from '../providers/errors';
import type { ProviderStepInput } from './contracts';
import type { StepProgress } from './stepProgress';

/** What a provider step returns to the workflow. */
export interface StepResult {
  output: StepOutput;
  attempt: number;
}

const HEARTBEAT_EVERY_MS = 1_000;

/** Media store failures that retrying cannot fix (names of the media layer's errors). */
const NON_RETRYABLE_ERRORS = new Set(['MediaTooLarge', 'MediaNotFound']);

/** Runs one attempt of a step: records it, heartbeats so cancellation reaches it, records its failure. */
export async function runAttempt(
  progress: StepProgress,
  input: ProviderStepInput,
  work: (signal: AbortSignal, attempt: number) => Promise<StepOutput>,
): Promise<StepResult> {
  const context = Context.current();
  const { attempt: number } = context.info;
  await progress.attemptStarted(input.executionId, input.stepId, number);
  const heartbeat = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return { output: await work(context.cancellationSignal, number), attempt: number };
  } catch (err) {
    const failure = toFailure(err, number);
    await progress.attemptFailed(input.executionId, input.stepId, number, { type: failure.type ?? 'Error', message: failure.message });
    throw failure;
  } finally {
    clearInterval(heartbeat);
  }
}

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

/** Provider errors keep their type; anything else is retryable. Cancellation passes through untouched. */
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
  if (NON_RETRYABLE_ERRORS.has(name)) return ApplicationFailure.create({ type: name, message, nonRetryable: true, details: [{ attempt }] });
  return ApplicationFailure.create({ type: 'ProviderUnavailable', message, details: [{ attempt }] });
}
