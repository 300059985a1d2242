// HTTP to the Builder API through openapi-fetch, typed by the generated `paths` (./schema.d.ts):
// credentials on every request, the API's error envelope turned into ApiError, and a network
// failure turned into an error that names the URL it could not reach.
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './schema';

/** Thrown when the API answers with an error; carries the documented code and details. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Thrown when the API cannot be reached at all (refused, unknown host, reset); names the URL. */
export class ApiConnectionError extends Error {
  override readonly name = 'ApiConnectionError';
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`Could not reach the Builder API at ${url} (${reason}). Is it running? Point at it with --api-url or BUILDER_API_URL.`);
  }
}

/** Where and how to reach the API. */
export interface TransportOptions {
  baseUrl: string;
  /** Headers sent with every request (credentials). */
  headers: Record<string, string>;
  fetch?: typeof fetch;
}

/** The typed client of every documented operation (`api.GET('/api/executions/{id}', …)`). */
export type TypedApi = Client<paths, 'application/json'>;

/** The API's typed client and the few raw requests the document cannot describe (streams, signed URLs). */
export class HttpTransport {
  /** Typed requests; answers go through `answer()`. */
  readonly api: TypedApi;
  private readonly fetch: typeof fetch;
  constructor(private readonly options: TransportOptions) {
    this.fetch = options.fetch ?? fetch;
    this.api = createClient<paths, 'application/json'>({
      baseUrl: this.baseUrl,
      headers: options.headers,
      fetch: (request) => this.reach(request),
    });
    this.api.use({
      // A JSON operation answered with something else (a proxy's HTML page, a wrong --api-url).
      onResponse({ response, options }) {
        if (response.ok && options.parseAs === 'json' && response.status !== 204 && !/json/i.test(response.headers.get('content-type') ?? '')) {
          throw new ApiError(response.status, 'INVALID_RESPONSE', `Not a JSON answer from ${response.url} (${response.headers.get('content-type') ?? 'no content type'}).`);
        }
      },
    });
  }

  /** The base URL, without a trailing slash. */
  get baseUrl(): string {
    return this.options.baseUrl.replace(/\/+$/, '');
  }

  /** A GET of an absolute URL (a signed media URL), without our credentials; network failures name it. */
  async fetchAbsolute(url: string): Promise<Response> {
    try {
      return await this.fetch(url);
    } catch (err) {
      throw new ApiConnectionError(new URL(url).origin, reasonOf(err));
    }
  }

  /** A raw GET relative to the API, with the credentials; network failures name the URL. */
  async send(path: string): Promise<Response> {
    return this.reach(new Request(this.baseUrl + path, { headers: this.options.headers }));
  }

  /** Sends a request; a network failure (not a cancellation) becomes ApiConnectionError naming the base URL. */
  private async reach(request: Request): Promise<Response> {
    try {
      return await this.fetch(request);
    } catch (err) {
      if (request.signal.aborted) throw err;
      throw new ApiConnectionError(this.baseUrl, reasonOf(err));
    }
  }
}

/** The body of a success answer of openapi-fetch, or the ApiError of an error answer. */
export function answer<T>(result: { data?: T; error?: unknown; response: Response }): T {
  const { data, error, response } = result;
  if (!response.ok) throw errorOf(response.status, error, response.url);
  if (data === undefined) throw new ApiError(response.status, 'INVALID_RESPONSE', `An empty answer from ${response.url} (${response.status}), where the document promises a body.`);
  return data;
}

/** The ApiError of an error answer (`{ error: { code, message, ...details } }`). */
export function errorOf(status: number, body: unknown, url = ''): ApiError {
  if (typeof body === 'string' && body !== '') {
    return new ApiError(status, `HTTP_${status}`, `The API at ${url || 'its URL'} answered ${status} without a JSON error: ${body.slice(0, 200)}`);
  }
  const envelope = (body as { error?: Record<string, unknown> } | null)?.error ?? {};
  const { code = `HTTP_${status}`, message = `The API answered ${status}.`, ...details } = envelope;
  return new ApiError(status, String(code), String(message), details);
}

/** The most telling part of a fetch failure: undici hides the system error in `cause`. */
function reasonOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}
