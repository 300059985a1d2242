// Provider step activities: one per kind of provider work. Each reports progress, heartbeats so
// cancellation and timeouts reach it, and turns provider errors into typed ApplicationFailures.
import { randomBytes } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { findModel } from '../domain/models';
import { promptOf } from '../domain/stepInputs';
import { renderTemplate } from '../domain/template';
import type { StepOutput } from '../domain/types';
import { ProviderError } from '../providers/errors';
import type { MediaJobState, ProviderRegistry } from '../providers/types';
import type { ProgressEntry, ProviderStepInput } from './contracts';
import { carriedProgress, withProgress, type ProgressHeartbeat, type ProgressOutbox } from './progressOutbox';
import { TokenBuffer, type StepProgress } from './stepProgress';

/** What a provider step returns to the workflow. */
export interface StepResult {
  output: StepOutput;
  attempt: number;
  /** Progress the attempt could not write (a database outage): the workflow writes it through its mirror. */
  progress: ProgressEntry[];
}

/** Dependencies of the step activities. */
export interface StepActivityDeps {
  providers: ProviderRegistry;
  progress: StepProgress;
  /** Public base URL of the API, for provider callbacks; without it, async jobs are polled only. */
  callbackBaseUrl?: string;
}

/** What submitting an async media job returns to the workflow. */
export interface SubmittedJob {
  provider: string;
  jobId: string;
  pollable: boolean;
}

const HEARTBEAT_EVERY_MS = 1_000;

/** Builds the provider step activities. */
export function createStepActivities({ providers, progress, callbackBaseUrl }: StepActivityDeps) {
  /** Wraps one attempt: progress, heartbeats, abort signal and error classification. */
  async function attempt(
    input: ProviderStepInput,
    work: (signal: AbortSignal, attempt: number, progress: ProgressOutbox) => Promise<StepOutput>,
  ): Promise<StepResult> {
    const context = Context.current();
    const { attempt: number } = context.info;
    // The heartbeat details carry unwritten progress to the next attempt if this one dies.
    const beat = (unwritten: ProgressEntry[]) => context.heartbeat({ progress: unwritten } satisfies ProgressHeartbeat);
    const outbox = progress.open(input.executionId, input.stepId, number, carriedProgress(context.info.heartbeatDetails), beat);
    outbox.attemptStarted();
    const heartbeat = setInterval(() => beat(outbox.unwritten()), HEARTBEAT_EVERY_MS);
    try {
      const output = await work(context.cancellationSignal, number, outbox);
      return { output, attempt: number, progress: await outbox.handover() };
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

  return {
    /** Text Generation: streams tokens to live watchers while the step is `streaming`. */
    async generateText(input: ProviderStepInput): Promise<StepResult> {
      return attempt(input, async (signal, number, outbox) => {
        const model = requireModel(input);
        let streaming = false;
        // The outbox keeps order: tokens are announced after the step is announced as streaming.
        const tokens = new TokenBuffer(async (text) => outbox.tokens(text));
        const result = await providers.text(model.provider).generateText({
          ...baseCall(input, model.id, number, signal),
          ...(typeof input.inputs.system === 'string' ? { system: input.inputs.system } : typeof input.config.system === 'string' ? { system: input.config.system } : {}),
          ...(typeof input.config.maxTokens === 'number' ? { maxTokens: input.config.maxTokens } : {}),
          ...(typeof input.config.temperature === 'number' ? { temperature: input.config.temperature } : {}),
          onToken: (token) => {
            if (!streaming) outbox.streaming();
            streaming = true;
            tokens.push(token);
          },
        });
        // Every token is queued before the attempt's progress is handed over.
        await tokens.flush();
        return { text: result.text };
      });
    },

    /** Image Generation: a real image from the provider. */
    async generateImage(input: ProviderStepInput): Promise<StepResult> {
      return attempt(input, async (signal, number) => {
        const model = requireModel(input);
        const image = await providers.image(model.provider).generateImage({
          ...baseCall(input, model.id, number, signal),
          ...(typeof input.config.width === 'number' ? { width: input.config.width } : {}),
          ...(typeof input.config.height === 'number' ? { height: input.config.height } : {}),
        });
        return { image };
      });
    },

    /**
     * Submits an async media job. The idempotency key comes from execution and step, so a retried
     * submit (a new activity attempt) finds the job the first attempt started instead of a second.
     */
    async submitMediaJob(input: ProviderStepInput): Promise<SubmittedJob> {
      const context = Context.current();
      const model = requireModel(input);
      const jobKey = `${input.executionId}:${input.stepId}:1`;
      try {
        await progress.attemptStarted(input.executionId, input.stepId, context.info.attempt);
        const token = await progress.waitingFor(input.executionId, input.stepId, {
          provider: model.provider,
          jobKey,
          callbackToken: randomBytes(24).toString('base64url'),
        });
        const callbackUrl =
          callbackBaseUrl
            ? `${callbackBaseUrl}/api/providers/callbacks/${encodeURIComponent(input.executionId)}/${encodeURIComponent(input.stepId)}?token=${token}`
            : undefined;
        const { jobId } = await providers.media(model.provider).submit({
          ...baseCall(input, model.id, context.info.attempt, context.cancellationSignal),
          idempotencyKey: jobKey,
          ...(callbackUrl ? { callbackUrl } : {}),
        });
        return { provider: model.provider, jobId, pollable: model.pollable };
      } catch (err) {
        throw toFailure(err, context.info.attempt);
      }
    },

    /** Asks an async provider where a job stands (the fallback when no callback comes). */
    async pollMediaJob(input: { provider: string; jobId: string }): Promise<MediaJobState> {
      const context = Context.current();
      try {
        return await providers.media(input.provider).poll(input.jobId, context.cancellationSignal);
      } catch (err) {
        throw toFailure(err, context.info.attempt);
      }
    },

    /** HTTP Request: method, URL and headers from config (templated with the inputs), body from the `body` input. */
    async httpRequest(input: ProviderStepInput): Promise<StepResult> {
      return attempt(input, async (signal) => {
        const urlTemplate = typeof input.inputs.url === 'string' ? input.inputs.url : String(input.config.url ?? '');
        const headers: Record<string, string> = {};
        const configured = input.config.headers;
        if (configured && typeof configured === 'object') {
          for (const [name, value] of Object.entries(configured)) headers[name] = renderTemplate(String(value), input.inputs);
        }
        const body = input.inputs.body ?? (typeof input.config.body === 'string' ? renderTemplate(input.config.body, input.inputs) : undefined);
        const response = await providers.http.request({
          method: typeof input.config.method === 'string' ? input.config.method.toUpperCase() : 'GET',
          url: renderTemplate(urlTemplate, input.inputs),
          headers,
          signal,
          ...(body !== undefined ? { body } : {}),
        });
        return { status: response.status, headers: response.headers, body: response.body };
      });
    },
  };
}

function requireModel(input: ProviderStepInput) {
  const model = input.model ? findModel(input.model) : undefined;
  if (!model) throw new ProviderError('InvalidConfig', `Step "${input.stepId}" has no known model.`);
  return model;
}

/** What every generation call carries: model, node config, attempt, abort signal and the prompt. */
function baseCall(input: ProviderStepInput, model: string, attempt: number, signal: AbortSignal) {
  return { model, config: input.config, attempt, signal, prompt: promptOf(input, input.inputs) };
}

/** Provider errors keep their type; anything else is retryable. Cancellation passes through untouched. */
function toFailure(err: unknown, attempt: number): ApplicationFailure {
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
  return ApplicationFailure.create({ type: 'ProviderUnavailable', message, details: [{ attempt }] });
}
