// Provider step activities: one per kind of provider work. Each reports progress, heartbeats so
// cancellation and timeouts reach it, and turns provider errors into typed ApplicationFailures.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { findModel } from '../domain/models';
import { promptOf } from '../domain/stepInputs';
import { renderTemplate } from '../domain/template';
import type { PlanStep, StepOutput } from '../domain/types';
import { ProviderError } from '../providers/errors';
import type { ProviderRegistry } from '../providers/types';
import type { ProviderStepInput } from './contracts';
import { TokenBuffer, type StepProgress } from './stepProgress';

/** What a provider step returns to the workflow. */
export interface StepResult {
  output: StepOutput;
  attempt: number;
}

/** Dependencies of the step activities. */
export interface StepActivityDeps {
  providers: ProviderRegistry;
  progress: StepProgress;
}

const HEARTBEAT_EVERY_MS = 1_000;

/** Builds the provider step activities. */
export function createStepActivities({ providers, progress }: StepActivityDeps) {
  /** Wraps one attempt: progress, heartbeats, abort signal and error classification. */
  async function attempt(input: ProviderStepInput, work: (signal: AbortSignal, attempt: number) => Promise<StepOutput>): Promise<StepResult> {
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

  return {
    /** Text Generation: streams tokens to live watchers while the step is `streaming`. */
    async generateText(input: ProviderStepInput): Promise<StepResult> {
      return attempt(input, async (signal, number) => {
        const model = requireModel(input);
        let streaming = false;
        const tokens = new TokenBuffer((text) => progress.tokens(input.executionId, input.stepId, text));
        const result = await providers.text(model.provider).generateText({
          model: model.id,
          config: input.config,
          attempt: number,
          signal,
          prompt: promptOf(asStep(input), input.inputs),
          ...(typeof input.inputs.system === 'string' ? { system: input.inputs.system } : typeof input.config.system === 'string' ? { system: input.config.system } : {}),
          ...(typeof input.config.maxTokens === 'number' ? { maxTokens: input.config.maxTokens } : {}),
          ...(typeof input.config.temperature === 'number' ? { temperature: input.config.temperature } : {}),
          onToken: (token) => {
            if (!streaming) {
              streaming = true;
              void progress.streaming(input.executionId, input.stepId);
            }
            tokens.push(token);
          },
        });
        // Every token event is written before the step can be reported completed.
        await tokens.flush();
        return { text: result.text };
      });
    },

    /** Image Generation: a real image from the provider. */
    async generateImage(input: ProviderStepInput): Promise<StepResult> {
      return attempt(input, async (signal, number) => {
        const model = requireModel(input);
        const image = await providers.image(model.provider).generateImage({
          model: model.id,
          config: input.config,
          attempt: number,
          signal,
          prompt: promptOf(asStep(input), input.inputs),
          ...(typeof input.config.width === 'number' ? { width: input.config.width } : {}),
          ...(typeof input.config.height === 'number' ? { height: input.config.height } : {}),
        });
        return { image };
      });
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

/** promptOf needs only the step's config. */
function asStep(input: ProviderStepInput): PlanStep {
  return { config: input.config } as PlanStep;
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
