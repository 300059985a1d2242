// Text through any OpenAI-compatible chat completions endpoint, streamed token by token.
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { ProviderError, abortError, parseRetryAfter } from './errors';
import type { TextProvider, TextRequest, TextResult } from './types';

/** Where the endpoint is and how to authenticate; without an API key every call fails as InvalidConfig. */
export interface OpenAIChatOptions {
  baseUrl?: string;
  apiKey?: string;
  /** Per-request timeout; the step's own timeout still aborts through the signal. */
  timeoutMs?: number;
}

const PROVIDER = 'openai';

/** Streams chat completions from OpenAI or any server speaking its API. */
export class OpenAIChatProvider implements TextProvider {
  readonly id = PROVIDER;
  private readonly client: OpenAI | undefined;

  constructor(options: OpenAIChatOptions = {}) {
    this.client = options.apiKey
      ? new OpenAI({
          apiKey: options.apiKey,
          ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
          ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
          // Temporal owns retries; SDK retries would hide attempts from the run history.
          maxRetries: 0,
        })
      : undefined;
  }

  /**
   * Streams the completion, reporting each content delta through `onToken`. No idempotency key is
   * sent: OpenAI's chat completions API documents none (and the `openai` client sends none for it),
   * so a retried attempt generates, and is billed, again; the step's retry policy bounds how often.
   */
  async generateText(request: TextRequest): Promise<TextResult> {
    if (!this.client) {
      throw new ProviderError('InvalidConfig', 'openai: no API key configured', { provider: PROVIDER });
    }
    const messages: ChatCompletionMessageParam[] = [];
    if (request.system) messages.push({ role: 'system', content: request.system });
    messages.push({ role: 'user', content: request.prompt });
    let text = '';
    let deltas = 0;
    let usageTokens: number | undefined;
    let usage: { inputTokens: unknown; outputTokens: unknown } | undefined;
    let finishReason: string | null | undefined;
    try {
      const stream = await this.client.chat.completions.create(
        {
          model: request.model,
          messages,
          stream: true,
          // The usage chunk (last, with empty choices) carries the billed token counts.
          stream_options: { include_usage: true },
          ...(request.maxTokens !== undefined ? { max_tokens: request.maxTokens } : {}),
          ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
        },
        { signal: request.signal },
      );
      for await (const chunk of stream) {
        // Chunks already buffered when the abort lands must not reach the step's progress.
        if (request.signal.aborted) break;
        if (chunk.usage) {
          usageTokens = chunk.usage.completion_tokens;
          usage = { inputTokens: chunk.usage.prompt_tokens, outputTokens: chunk.usage.completion_tokens };
        }
        if (chunk.choices[0]?.finish_reason) finishReason = chunk.choices[0].finish_reason;
        const delta = chunk.choices[0]?.delta?.content;
        if (!delta) continue;
        text += delta;
        deltas += 1;
        request.onToken(delta);
      }
    } catch (err) {
      throw classify(err, request.signal);
    }
    // The SDK ends an aborted stream quietly; a truncated text must not pass for a result.
    if (request.signal.aborted) throw abortError(request.signal);
    // `length`: the model hit max_tokens (or its context) and the text is cut, not complete.
    return { text, tokens: usageTokens ?? deltas, ...(usage ? { usage } : {}), ...(finishReason === 'length' ? { truncated: true } : {}) };
  }
}

/** Maps an SDK failure onto the provider error types the retry policy understands. */
function classify(err: unknown, signal: AbortSignal): Error {
  if (signal.aborted || err instanceof APIUserAbortError) return abortError(signal);
  if (err instanceof ProviderError) return err;
  if (err instanceof APIConnectionTimeoutError) {
    return new ProviderError('ProviderUnavailable', 'openai: request timed out', { provider: PROVIDER });
  }
  if (err instanceof APIConnectionError) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return new ProviderError('ProviderUnavailable', `openai: connection failed${cause}`, { provider: PROVIDER });
  }
  if (err instanceof APIError && typeof err.status === 'number') {
    const status = err.status;
    const message = `openai: ${err.message}`;
    if (status === 429) {
      const retryAfterMs = err.headers ? parseRetryAfter(err.headers) : undefined;
      return new ProviderError('ProviderRateLimited', message, { provider: PROVIDER, status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
    }
    // 408 is the server giving up on a slow request, not a verdict on the request itself.
    if (status === 408 || status >= 500) return new ProviderError('ProviderUnavailable', message, { provider: PROVIDER, status });
    if (status >= 400) return new ProviderError('ProviderRejected', message, { provider: PROVIDER, status });
  }
  // Unknown failures (a malformed stream, a proxy's odd reply) are treated as transient.
  const detail = err instanceof Error ? err.message : String(err);
  return new ProviderError('ProviderUnavailable', `openai: ${detail}`, { provider: PROVIDER });
}
