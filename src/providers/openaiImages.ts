// OpenAI images (`gpt-image-1`, `dall-e-3`) through the official `openai` client and any
// OpenAI-compatible base URL. Both answer base64 (`b64_json`); the decoded bytes go to the media
// store at once and only the stored reference leaves this module.
import OpenAI, { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import { ProviderError, abortError, fromHttpStatus, parseRetryAfter } from './errors';
import type { MediaProvider, MediaRequest, MediaResult } from './types';

/** Where the endpoint is and how to authenticate; without an API key every call fails as InvalidConfig. */
export interface OpenAIImagesOptions {
  baseUrl?: string;
  apiKey?: string;
}

const PROVIDER = 'openai-images';

/** The sizes each model accepts (OpenAI's docs), as [width, height]. */
const SIZES: Readonly<Record<string, ReadonlyArray<readonly [number, number]>>> = {
  'gpt-image-1': [[1024, 1024], [1536, 1024], [1024, 1536]],
  'dall-e-3': [[1024, 1024], [1792, 1024], [1024, 1792]],
};

/** Generates images with OpenAI's images API. */
export class OpenAIImagesProvider implements MediaProvider {
  readonly id = PROVIDER;
  private readonly client: OpenAI | undefined;

  constructor(options: OpenAIImagesOptions = {}) {
    this.client = options.apiKey
      ? new OpenAI({ apiKey: options.apiKey, ...(options.baseUrl ? { baseURL: options.baseUrl } : {}), maxRetries: 0 })
      : undefined;
  }

  /**
   * One image, stored before returning. OpenAI's images API documents no idempotency key, so a
   * retried attempt generates (and is billed) again; the step's retry policy bounds how often.
   */
  async generate(request: MediaRequest): Promise<MediaResult> {
    if (!this.client) throw new ProviderError('InvalidConfig', 'openai-images: OPENAI_API_KEY is not configured', { provider: PROVIDER });
    const sizes = SIZES[request.model];
    if (!sizes) throw new ProviderError('InvalidConfig', `openai-images: "${request.model}" is not an OpenAI image model`, { provider: PROVIDER });
    const [width, height] = nearestSize(sizes, request.params.width, request.params.height);
    let b64: string | undefined;
    try {
      const response = await this.client.images.generate(
        {
          model: request.model,
          prompt: request.prompt,
          n: 1,
          size: `${width}x${height}` as '1024x1024',
          // gpt-image-1 always answers base64 and refuses the parameter; dall-e-3 answers URLs unless asked.
          ...(request.model === 'dall-e-3' ? { response_format: 'b64_json' as const } : {}),
        },
        { signal: request.signal },
      );
      b64 = response.data?.[0]?.b64_json ?? undefined;
    } catch (err) {
      throw classify(err, request.signal);
    }
    if (!b64) throw new ProviderError('ProviderUnavailable', 'openai-images: the answer held no b64_json image', { provider: PROVIDER });
    const ref = await request.media.save(Buffer.from(b64, 'base64'), { mimeType: 'image/png', width, height });
    return { type: 'stored', ref };
  }
}

/** The accepted size closest to the requested one (by aspect ratio, then area); square by default. */
function nearestSize(sizes: ReadonlyArray<readonly [number, number]>, width: unknown, height: unknown): readonly [number, number] {
  if (typeof width !== 'number' || typeof height !== 'number' || width <= 0 || height <= 0) return sizes[0]!;
  const wanted = Math.log(width / height);
  return [...sizes].sort((a, b) => Math.abs(Math.log(a[0] / a[1]) - wanted) - Math.abs(Math.log(b[0] / b[1]) - wanted))[0]!;
}

function classify(err: unknown, signal: AbortSignal): Error {
  if (signal.aborted || err instanceof APIUserAbortError) return abortError(signal);
  if (err instanceof APIError && typeof err.status === 'number') {
    const retryAfterMs = err.headers ? parseRetryAfter(err.headers) : undefined;
    return fromHttpStatus(PROVIDER, err.status, `openai-images: ${err.message}`, retryAfterMs);
  }
  if (err instanceof APIConnectionError) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return new ProviderError('ProviderUnavailable', `openai-images: connection failed${cause}`, { provider: PROVIDER });
  }
  return new ProviderError('ProviderUnavailable', `openai-images: ${err instanceof Error ? err.message : String(err)}`, { provider: PROVIDER });
}
