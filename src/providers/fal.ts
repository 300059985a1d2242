// fal's queue through the official `@fal-ai/client`: submit with `fal_webhook` pointing at our callback
// route, status + result as the fallback, cancel at fal when the run is cancelled. Webhooks are
// verified as fal signs them (ED25519, keys from its JWKS). Outputs are URLs the job path downloads.
// The client sends each submit once (falOnceFetch, and a response handler whose errors its retry
// loop does not recognise): a re-POSTed submit is a second paid request the engine never learns of.
import { ApiError, createFalClient, type FalClient, type RequestMiddleware } from '@fal-ai/client';
import { parseVendorModel } from '../domain/vendorModels';
import { FalWebhookVerifier } from './falWebhooks';
import { CallbackRejected, ProviderError, abortError, fromHttpStatus, parseRetryAfter } from './errors';
import { falOnceFetch, vendorStatus } from './vendorFetch';
import type { JobHandle, JobProvider, JobState, JobSubmitRequest, ProviderCallback } from './types';
import { firstMediaUrl, metaFromUrl, vendorInput } from './vendorPayloads';

/** Key and URLs; without a key every call fails as InvalidConfig. */
export interface FalOptions {
  key?: string;
  /** Replaces https://queue.fal.run (tests, proxies). */
  baseUrl?: string;
  /** fal's JWKS (default https://rest.alpha.fal.ai/.well-known/jwks.json). */
  jwksUrl?: string;
}

const PROVIDER = 'fal';
const QUEUE_ORIGIN = 'https://queue.fal.run';

/** fal's queue as a job provider. */
export class FalProvider implements JobProvider {
  readonly id = PROVIDER;
  private readonly client: FalClient | undefined;
  private readonly verifier: FalWebhookVerifier;

  constructor(options: FalOptions = {}) {
    this.client = options.key
      ? createFalClient({
          credentials: options.key,
          fetch: falOnceFetch(),
          responseHandler: onceResponse,
          ...(options.baseUrl && options.baseUrl !== QUEUE_ORIGIN ? { requestMiddleware: rebase(options.baseUrl) } : {}),
        })
      : undefined;
    this.verifier = new FalWebhookVerifier(options.jwksUrl ?? 'https://rest.alpha.fal.ai/.well-known/jwks.json');
  }

  /** Queues the request; fal documents no idempotency header, so the engine records the request id before waiting. */
  async submit(request: JobSubmitRequest): Promise<JobHandle> {
    const client = this.requireClient();
    const endpoint = endpointOf(request.model);
    const queued = await call(request.signal, () =>
      client.queue.submit(endpoint, {
        input: vendorInput(request),
        ...(request.callbackUrl ? { webhookUrl: request.callbackUrl } : {}),
        abortSignal: request.signal,
      }),
    );
    return { jobId: queued.request_id, data: { endpoint } };
  }

  /** Status, then the result once COMPLETED (the fallback when no webhook arrives). */
  async poll(job: JobHandle, request: { signal: AbortSignal }): Promise<JobState> {
    const client = this.requireClient();
    const endpoint = job.data?.endpoint;
    if (!endpoint) throw new ProviderError('InvalidConfig', `fal: job ${job.jobId} has no endpoint recorded`, { provider: PROVIDER });
    const status = await call(request.signal, () => client.queue.status(endpoint, { requestId: job.jobId, abortSignal: request.signal }));
    if (status.status !== 'COMPLETED') return { status: 'running' };
    return this.result(client, endpoint, job.jobId, request.signal);
  }

  /** A completed request's result; a 4xx answer is the job's failure, a 5xx or network error the read's (retried). */
  private async result(client: FalClient, endpoint: string, requestId: string, signal: AbortSignal): Promise<JobState> {
    try {
      const result = await client.queue.result(endpoint, { requestId, abortSignal: signal });
      return outcome(requestId, result.data);
    } catch (err) {
      const status = err instanceof ApiError || err instanceof FalHttpError ? err.status : undefined;
      if (status !== undefined && status >= 400 && status < 500 && ![401, 403, 404, 408, 429].includes(status)) {
        return { status: 'failed', error: failureOf(requestId, status, (err as { body?: unknown }).body) };
      }
      throw classify(err, signal);
    }
  }

  /** Cancels the queued or running request; one already completed stays as it is. */
  async cancel(job: JobHandle, signal: AbortSignal): Promise<void> {
    const client = this.requireClient();
    const endpoint = job.data?.endpoint;
    if (!endpoint) return;
    try {
      await client.queue.cancel(endpoint, { requestId: job.jobId, abortSignal: signal });
    } catch (err) {
      // 400 ALREADY_COMPLETED: nothing left to stop.
      if ((err instanceof ApiError || err instanceof FalHttpError) && err.status === 400) return;
      throw classify(err, signal);
    }
  }

  /**
   * Verifies the webhook's ED25519 signature and reads the request's outcome from it. A webhook
   * whose payload fal could not serialise (`payload: null` with `payload_error`) does not fail the
   * step: the result is fetched from the queue (with the recorded job's endpoint), else the
   * webhook reads as progress and polling fetches it.
   */
  async parseCallback(callback: ProviderCallback, recorded?: JobHandle): Promise<{ jobId: string; state: JobState }> {
    const requestId = await this.verifier.verify(callback.headers, callback.rawBody);
    let body: { request_id?: unknown; status?: unknown; payload?: unknown; error?: unknown; payload_error?: unknown };
    try {
      body = JSON.parse(callback.rawBody.toString('utf8')) as typeof body;
    } catch {
      throw new ProviderError('ProviderRejected', 'fal: the webhook body is not JSON', { provider: PROVIDER });
    }
    // The signature covers the header's request id; the body must speak of the same request.
    if (body.request_id !== requestId) {
      throw new CallbackRejected('CALLBACK_SIGNATURE_INVALID', 'fal: the webhook body names another request than its signed header.', PROVIDER);
    }
    if (body.payload === null && typeof body.payload_error === 'string') {
      const endpoint = recorded?.jobId === requestId ? recorded.data?.endpoint : undefined;
      if (!endpoint || !this.client) return { jobId: requestId, state: { status: 'running' } };
      try {
        return { jobId: requestId, state: await this.result(this.client, endpoint, requestId, AbortSignal.timeout(30_000)) };
      } catch {
        // The read failed for now: polling fetches the result later.
        return { jobId: requestId, state: { status: 'running' } };
      }
    }
    if (body.status === 'OK') return { jobId: requestId, state: outcome(requestId, body.payload) };
    const detail = typeof body.error === 'string' ? body.error : 'the request failed';
    return { jobId: requestId, state: { status: 'failed', error: failureOf(requestId, undefined, body.payload, detail) } };
  }

  private requireClient(): FalClient {
    if (!this.client) throw new ProviderError('InvalidConfig', 'fal: FAL_KEY is not configured', { provider: PROVIDER });
    return this.client;
  }
}

/** The supported way to point the client elsewhere: a request middleware that rewrites the queue origin. */
function rebase(baseUrl: string): RequestMiddleware {
  const base = baseUrl.replace(/\/+$/, '');
  return async (request) => (request.url.startsWith(QUEUE_ORIGIN) ? { ...request, url: base + request.url.slice(QUEUE_ORIGIN.length) } : request);
}

function endpointOf(model: string): string {
  const parsed = parseVendorModel(model);
  if (!parsed || 'problem' in parsed || parsed.model.provider !== 'fal') {
    throw new ProviderError('InvalidConfig', `fal: "${model}" is not a fal endpoint`, { provider: PROVIDER });
  }
  return parsed.model.endpointId;
}

/** A completed request's payload as a job state: its first media URL, with what fal says about it. */
function outcome(requestId: string, payload: unknown): JobState {
  const url = firstMediaUrl(payload);
  if (!url) return { status: 'failed', error: { type: 'ProviderOutputInvalid', message: `fal: request ${requestId} completed without a media URL in its result` } };
  return { status: 'succeeded', result: { type: 'url', url, meta: metaFromUrl(url, fileHints(payload, url)) } };
}

/** `content_type`, `width`, `height` of the file object that holds `url`, if any. */
function fileHints(payload: unknown, url: string): { contentType?: unknown; width?: unknown; height?: unknown } {
  const seen: unknown[] = [payload];
  while (seen.length > 0) {
    const value = seen.shift();
    if (!value || typeof value !== 'object') continue;
    const record = value as Record<string, unknown>;
    if (record.url === url) return { contentType: record.content_type, width: record.width, height: record.height };
    seen.push(...Object.values(record));
  }
  return {};
}

/** A failed request's error: fal's `detail` (a string, or validation entries) and `error_type`. */
function failureOf(requestId: string, status: number | undefined, body: unknown, fallback?: string): { type: string; message: string } {
  const record = (body && typeof body === 'object' ? body : {}) as { detail?: unknown; error_type?: unknown };
  const detail = typeof record.detail === 'string'
    ? record.detail
    : Array.isArray(record.detail)
      ? record.detail.map((entry: { msg?: unknown }) => String(entry?.msg ?? '')).filter(Boolean).join('; ')
      : undefined;
  const cancelled = record.error_type === 'client_cancelled' || status === 499;
  return {
    type: cancelled ? 'ProviderJobCanceled' : 'ProviderJobFailed',
    message: `fal: ${detail || fallback || `request ${requestId} failed${status ? ` (HTTP ${status})` : ''}`}`,
  };
}

/** Thrown by {@link onceResponse} for a non-2xx answer: not the client's ApiError, so its retry loop lets it through. */
class FalHttpError extends Error {
  override readonly name = 'FalHttpError';
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly retryAfterMs: number | undefined,
  ) {
    super(`HTTP ${status}`);
  }
}

/** The client's response handler, except that an error answer is handed back as it is, never retried. */
async function onceResponse(response: Response): Promise<unknown> {
  const contentType = response.headers.get('content-type') ?? '';
  if (!response.ok) {
    const text = await response.text();
    let body: unknown = text;
    try {
      body = contentType.includes('json') ? JSON.parse(text) : text;
    } catch {
      body = text;
    }
    throw new FalHttpError(vendorStatus(response), body, parseRetryAfter(response.headers));
  }
  if (contentType.includes('application/json')) return response.json();
  if (contentType.includes('application/octet-stream')) return response.arrayBuffer();
  return response.text();
}

async function call<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw classify(err, signal);
  }
}

function classify(err: unknown, signal: AbortSignal): Error {
  if (signal.aborted) return abortError(signal);
  if (err instanceof ProviderError) return err;
  if (err instanceof FalHttpError) {
    return fromHttpStatus(PROVIDER, err.status, failureOf('', err.status, err.body, err.message).message, err.retryAfterMs);
  }
  if (err instanceof ApiError) {
    const detail = failureOf('', err.status, err.body, err.message).message;
    return fromHttpStatus(PROVIDER, err.status, detail);
  }
  const detail = err instanceof Error ? (err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message) : String(err);
  return new ProviderError('ProviderUnavailable', `fal: ${detail}`, { provider: PROVIDER });
}
