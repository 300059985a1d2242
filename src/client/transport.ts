// HTTP to the Builder API: JSON bodies, the API's error envelope turned into ApiError, and a
// network failure turned into an error that names the URL it could not reach.

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

/** JSON over HTTP with the API's error envelope. */
export class HttpTransport {
  private readonly fetch: typeof fetch;
  constructor(private readonly options: TransportOptions) {
    this.fetch = options.fetch ?? fetch;
  }

  /** The base URL, without a trailing slash. */
  get baseUrl(): string {
    return this.options.baseUrl.replace(/\/+$/, '');
  }

  /** Sends a request; answers the parsed JSON body, or throws ApiError / ApiConnectionError. */
  async json<T>(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<T> {
    const response = await this.send(path, {
      method,
      headers: { ...extraHeaders, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    let parsed: unknown = {};
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = { error: { code: 'INVALID_RESPONSE', message: `Not JSON from ${this.baseUrl}${path}: ${text.slice(0, 200)}` } };
    }
    if (!response.ok) throw errorOf(response.status, parsed);
    return parsed as T;
  }

  /** A GET of an absolute URL (a signed media URL), without our credentials; network failures name it. */
  async fetchAbsolute(url: string): Promise<Response> {
    try {
      return await this.fetch(url);
    } catch (err) {
      throw new ApiConnectionError(new URL(url).origin, reasonOf(err));
    }
  }

  /** A raw response (for streams), with the credentials; network failures name the URL. */
  async send(path: string, init: RequestInit = {}): Promise<Response> {
    try {
      return await this.fetch(this.baseUrl + path, { ...init, headers: { ...this.options.headers, ...(init.headers as Record<string, string> | undefined) } });
    } catch (err) {
      if (init.signal?.aborted) throw err;
      throw new ApiConnectionError(this.baseUrl, reasonOf(err));
    }
  }
}

/** The ApiError of an error answer (`{ error: { code, message, ...details } }`). */
export function errorOf(status: number, body: unknown): ApiError {
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
