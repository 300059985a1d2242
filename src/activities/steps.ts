// Provider step activities of kind `activity`: text, sync media and HTTP. Each reports progress,
// heartbeats so cancellation and timeouts reach it, and turns provider errors into typed failures.
import { renderTemplate } from '../domain/template';
import type { CheckedMediaLibrary } from './mediaSink';
import { ProviderError } from '../providers/errors';
import type { ProviderRegistry } from '../providers/types';
import type { ProviderStepInput } from './contracts';
import { mediaSink, storeResult } from './mediaSink';
import { baseCall, requireModel, runAttempt, type StepResult } from './stepAttempt';
import { TokenBuffer, type StepProgress } from './stepProgress';
import { Context } from '@temporalio/activity';
import { findModel } from '../domain/models';
import type { OutputCache } from './outputCache';
import { shareOf, type UsageCapture } from './usage';
import type { StepUsage } from '../domain/pricing';

export type { StepResult } from './stepAttempt';

/** Dependencies of the step activities. */
export interface StepActivityDeps {
  providers: ProviderRegistry;
  progress: StepProgress;
  media: CheckedMediaLibrary;
  /** Where a step's wait for our own outage is logged. */
  warn?: (message: string, err: unknown) => void;
  /** Captures a held step's usage (or nothing, on a cache hit) from its hold. */
  captureUsage?: UsageCapture;
  /** The output cache of steps with `config.cache`. */
  cache?: OutputCache;
}

/** Builds the provider step activities; their names are the plan's `StepActivityName`s. */
export function createStepActivities({ providers, progress, media, warn, captureUsage, cache }: StepActivityDeps) {
  /**
   * Runs a step through the output cache: a hit answers the stored output (capturing nothing of
   * the step's hold: it costs 0 credits); a miss runs `call` (the provider) and stores its output.
   * Either way the step's hold is captured before the result goes to the workflow.
   */
  async function throughCache(input: ProviderStepInput, call: () => Promise<{ result: StepResult; share: number }>): Promise<StepResult> {
    const lookup = await cache?.lookup(input);
    if (cache && lookup?.hit) {
      const { attempt } = Context.current().info;
      await cache.hit(input, lookup.hit);
      // The step's record says where its output came from (`cache` of its view), whichever workflow runs it.
      await progress.recordCacheHit(input.executionId, input.record?.changes ?? [], {
        stepId: input.stepId,
        status: 'completed',
        output: lookup.hit.output,
        attempts: attempt,
        finishedAtMs: Date.now(),
        cache: { hit: true, executionId: lookup.hit.executionId, stepId: lookup.hit.stepId },
      });
      await captureUsage?.(input.executionId, input.stepId, 0, { cacheHit: { nodeType: input.nodeType } });
      return { output: lookup.hit.output, attempt, progress: [], ...(input.record ? { recorded: true as const } : {}) };
    }
    // A step with a hold (cached or usage-priced) captures it after its record, and a run's end
    // releases what its holds did not capture: such a step leaves the run's end to the workflow.
    const held = Boolean(lookup) || Boolean(input.model && findModel(input.model)?.usage);
    if (held) delete input.end;
    const { result, share } = await call();
    if (lookup) await cache?.store(input, lookup, result.output).catch((err: unknown) => warn?.(`step ${input.stepId}: its output could not be cached`, err));
    // Only held steps (cached or usage-priced) have anything to capture: flat uncached steps skip the query.
    if (held) await captureUsage?.(input.executionId, input.stepId, share);
    return result;
  }

  return {
    /** Text Generation: streams tokens to live watchers while the step is `streaming`. */
    async generateText(input: ProviderStepInput): Promise<StepResult> {
      return throughCache(input, async () => {
      let usage: StepUsage | undefined;
      const step = await runAttempt(progress, input, async (signal, number, outbox) => {
        const model = requireModel(input);
        // A usage-priced model is never asked for more output than its hold covers.
        const cap = model.usage?.unit === 'tokens' ? model.usage.maxOutputTokens : undefined;
        const maxTokens = typeof input.config.maxTokens === 'number' ? Math.min(input.config.maxTokens, cap ?? Infinity) : cap;
        let streaming = false;
        // The outbox keeps order: tokens are announced after the step is announced as streaming.
        const tokens = new TokenBuffer(async (text) => outbox.tokens(text));
        const result = await providers.text(model.provider).generateText({
          ...baseCall(input, model.id, number, signal),
          ...(typeof input.inputs.system === 'string' ? { system: input.inputs.system } : typeof input.config.system === 'string' ? { system: input.config.system } : {}),
          ...(maxTokens !== undefined ? { maxTokens } : {}),
          ...(typeof input.config.temperature === 'number' ? { temperature: input.config.temperature } : {}),
          onToken: (token) => {
            if (!streaming) outbox.streaming();
            streaming = true;
            tokens.push(token);
          },
        });
        // Every token is queued before the attempt's progress is handed over.
        await tokens.flush();
        usage = result.usage ?? {};
        // A text cut at the token limit says so; downstream nodes read `text` as before.
        return { text: result.text, ...(result.truncated ? { truncated: true } : {}) };
      }, warn);
      // Captured once the step's output is certain (a capture failing must not re-run the vendor call).
      return { result: step, share: shareOf(requireModel(input), usage) };
      });
    },

    /** Media from a sync model (image, video or audio): the bytes go to the media store, the step outputs the reference. */
    async generateMedia(input: ProviderStepInput): Promise<StepResult> {
      return throughCache(input, async () => ({ share: 1, result: await runAttempt(progress, input, async (signal, number, _outbox, outage) => {
        const model = requireModel(input);
        if (!input.media || model.kind === 'text') throw new ProviderError('InvalidConfig', `Step "${input.stepId}" does not make media.`);
        const result = await providers.media(model.provider).generate({
          ...baseCall(input, model.id, number, signal),
          kind: input.media.kind,
          params: input.config,
          media: mediaSink(media, input.executionId, signal, outage),
        });
        return { [input.media.port]: await storeResult(media, input.executionId, result, signal, input.media.kind, outage) };
      }, warn) }));
    },

    /** HTTP Request: method, URL and headers from config (templated with the inputs), body from the `body` input. */
    async httpRequest(input: ProviderStepInput): Promise<StepResult> {
      return runAttempt(progress, input, async (signal, _number, _outbox, outage) => {
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
          media: mediaSink(media, input.executionId, signal, outage),
          ...(body !== undefined ? { body } : {}),
        });
        return { status: response.status, headers: response.headers, body: response.body };
      }, warn);
    },
  };
}
