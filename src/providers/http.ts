// Outbound requests of HTTP Request nodes, through the guarded fetch (./guardedFetch.ts): never the
// worker's own network, every redirect checked.
import type { Response } from 'undici';
import { ProviderError, abortError, parseRetryAfter } from './errors';
import { OutboundGuard, PrivateNetworkRefused, TooManyRedirects } from '../net/guardedFetch';
import type { HttpCall, HttpProvider, HttpResponse } from './types';

/** How the HTTP provider may be used. */
export interface FetchHttpOptions {
  /** When false, URLs whose host resolves to loopback, private or link-local addresses are refused. */
  allowPrivateNetworks: boolean;
  /** PRIVATE_NETWORK_ALLOWLIST: `host:port` or CIDR entries reachable although private. */
  privateNetworkAllowlist?: readonly string[];
  /** Largest response body accepted without a media sink, in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** With a media sink: bodies larger than this (or binary) are stored as media (default 256 KiB). */
  inlineBodyBytes?: number;
  /** Redirects followed before giving up (default 5). */
  maxRedirects?: number;
}

const PROVIDER = 'http';
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const EXCERPT_CHARS = 200;

/** Performs HTTP Request node calls through the guarded fetch. */
export class FetchHttpProvider implements HttpProvider {
  readonly id = PROVIDER;
  private readonly maxBodyBytes: number;
  private readonly inlineBodyBytes: number;
  private readonly maxRedirects: number;
  private readonly guard: OutboundGuard;

  constructor(options: FetchHttpOptions) {
    this.maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
    this.inlineBodyBytes = options.inlineBodyBytes ?? 256 * 1024;
    this.maxRedirects = options.maxRedirects ?? 5;
    this.guard = new OutboundGuard({ allowPrivateNetworks: options.allowPrivateNetworks, ...(options.privateNetworkAllowlist ? { allowlist: options.privateNetworkAllowlist } : {}) });
  }

  /** Sends the call; non-2xx statuses become ProviderErrors classified for retrying. */
  async request(call: HttpCall): Promise<HttpResponse> {
    const method = call.method.toUpperCase();
    if (!METHODS.has(method)) throw invalid(`unsupported method "${call.method}"`);
    let headers: Headers;
    try {
      headers = new Headers(call.headers);
    } catch (err) {
      throw invalid(`invalid headers: ${(err as Error).message}`);
    }
    const body = encodeBody(call.body, headers);
    if (body !== undefined && (method === 'GET' || method === 'HEAD')) throw invalid(`${method} requests cannot have a body`);
    // The guard follows redirects by hand, checking every hop and dropping credentials across origins.
    const url = parseUrl(call.url);
    const response = await this.send(url, { method, headers, body, signal: call.signal });
    return this.finish(response, call);
  }

  private async send(url: URL, init: { method: string; headers: Headers; body: string | undefined; signal: AbortSignal }): Promise<Response> {
    try {
      return await this.guard.fetch(url, { method: init.method, headers: Object.fromEntries(init.headers), body: init.body ?? null, signal: init.signal, maxRedirects: this.maxRedirects });
    } catch (err) {
      if (init.signal.aborted) throw abortError(init.signal);
      if (err instanceof PrivateNetworkRefused) throw new ProviderError('PrivateNetworkRefused', `http: ${err.message}`, { provider: PROVIDER });
      if (err instanceof TooManyRedirects) throw new ProviderError('ProviderRejected', `http: too many redirects (more than ${this.maxRedirects})`, { provider: PROVIDER });
      const cause = (err as { cause?: { message?: string; code?: string } }).cause;
      if (cause?.code === 'ENOTFOUND') throw invalid(`host "${url.hostname}" not found`);
      const detail = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new ProviderError('ProviderUnavailable', `http: ${init.method} ${url.origin} failed (${detail})`, { provider: PROVIDER });
    }
  }

  private async finish(response: Response, call: HttpCall): Promise<HttpResponse> {
    const headers = Object.fromEntries(response.headers);
    const contentType = response.headers.get('content-type');
    if (response.status >= 400 || !call.media) {
      const text = await readCapped(response, this.maxBodyBytes, call.signal);
      if (response.status >= 400) throw statusError(response, text);
      return { status: response.status, headers, body: decodeBody(text, contentType) };
    }
    // Binary bodies go straight to the media store; text is read inline up to a threshold and
    // handed over to the store, already-read part first, when it turns out larger.
    const mimeType = contentType?.split(';')[0]?.trim() || 'application/octet-stream';
    if (!response.body) return { status: response.status, headers, body: '' };
    const reader = response.body.getReader();
    const head: Uint8Array[] = [];
    let size = 0;
    if (isTextual(contentType)) {
      for (;;) {
        const { done, value } = await readChunk(reader, call.signal, response.status);
        if (done) return { status: response.status, headers, body: decodeBody(Buffer.concat(head).toString('utf8'), contentType) };
        head.push(value);
        size += value.byteLength;
        if (size > this.inlineBodyBytes) break;
      }
    }
    const body = await call.media.save(concatStreams(head, reader, call.signal, response.status), { mimeType });
    return { status: response.status, headers, body };
  }
}

function parseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid(`invalid URL "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(`unsupported URL scheme "${url.protocol}" (only http and https)`);
  return url;
}

/** Objects go as JSON, everything else as text; an explicit content-type header always wins. */
function encodeBody(body: unknown, headers: Headers): string | undefined {
  if (body === undefined || body === null || body === '') return undefined;
  if (typeof body === 'object') {
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    return JSON.stringify(body);
  }
  if (!headers.has('content-type')) headers.set('content-type', 'text/plain;charset=UTF-8');
  return String(body);
}

function decodeBody(text: string, contentType: string | null): unknown {
  if (contentType && /[/+]json\b/i.test(contentType) && text.trim() !== '') {
    try {
      return JSON.parse(text);
    } catch {
      // A server mislabelling its body is not worth failing the step; hand back the text.
    }
  }
  return text;
}

/** Reads the body as text, stopping as soon as it passes `maxBytes` rather than buffering it all. */
async function readCapped(response: Response, maxBytes: number, signal: AbortSignal): Promise<string> {
  const tooLarge = (): ProviderError => rejected(`response body exceeds ${maxBytes} bytes`, response.status);
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(value);
    }
  } catch (err) {
    if (signal.aborted) throw abortError(signal);
    if (err instanceof ProviderError) throw err;
    throw new ProviderError('ProviderUnavailable', `http: reading the response failed (${(err as Error).message})`, { provider: PROVIDER, status: response.status });
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** JSON, XML, forms and text/*: bodies a downstream node can read inline when small. */
function isTextual(contentType: string | null): boolean {
  if (!contentType) return true;
  return /^text\/|[/+](json|xml)\b|x-www-form-urlencoded|javascript/i.test(contentType);
}

async function readChunk(reader: ReadableStreamDefaultReader<Uint8Array>, signal: AbortSignal, status: number): ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']> {
  try {
    return await reader.read();
  } catch (err) {
    if (signal.aborted) throw abortError(signal);
    throw new ProviderError('ProviderUnavailable', `http: reading the response failed (${(err as Error).message})`, { provider: PROVIDER, status });
  }
}

/** The chunks already read, then the rest of the body, as one stream of bytes. */
async function* concatStreams(head: Uint8Array[], reader: ReadableStreamDefaultReader<Uint8Array>, signal: AbortSignal, status: number): AsyncIterable<Uint8Array> {
  try {
    yield* head;
    for (;;) {
      const { done, value } = await readChunk(reader, signal, status);
      if (done) return;
      yield value;
    }
  } finally {
    // Stops the download when the store gave up early (too large, aborted); harmless after the end.
    await reader.cancel().catch(() => undefined);
  }
}

function statusError(response: Response, text: string): ProviderError {
  const status = response.status;
  const excerpt = text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
  const message = `http: ${status} ${response.statusText}${excerpt ? `: ${excerpt}` : ''}`;
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(response.headers);
    return new ProviderError('ProviderRateLimited', message, { provider: PROVIDER, status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
  }
  if (status === 408 || status >= 500) return new ProviderError('ProviderUnavailable', message, { provider: PROVIDER, status });
  return new ProviderError('ProviderRejected', message, { provider: PROVIDER, status });
}

function invalid(message: string): ProviderError {
  return new ProviderError('InvalidConfig', `http: ${message}`, { provider: PROVIDER });
}

function rejected(message: string, status: number): ProviderError {
  return new ProviderError('ProviderRejected', `http: ${message}`, { provider: PROVIDER, status });
}
