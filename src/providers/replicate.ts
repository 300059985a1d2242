// Replicate predictions through the official `replicate` client: create with a webhook to our
// callback route (`start` and `completed` events), verify every webhook with the Standard Webhooks
// scheme Replicate signs with, poll GET /v1/predictions/{id} as the fallback, cancel at Replicate
// when the run is cancelled or the step times out. Outputs are URLs (or `data:` URIs) the job path
// stores. The client makes one request per call (replicateOnceFetch): Temporal retries, waiting out
// a 429's Retry-After; a retried create first lists recent predictions for the step's own.
import Replicate from 'replicate';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { parseVendorModel } from '../domain/vendorModels';
import { CallbackRejected, ProviderError, abortError, fromHttpStatus, parseRetryAfter } from './errors';
import type { JobHandle, JobProvider, JobState, JobSubmitRequest, ProviderCallback } from './types';
import { firstMediaUrl, metaFromUrl, vendorInput } from './vendorPayloads';
import { replicateOnceFetch, vendorStatus } from './vendorFetch';

/** Token, webhook secret and base URL; without a token every call fails as InvalidConfig. */
export interface ReplicateOptions {
  apiToken?: string;
  /** `whsec_…`; without it webhooks are refused (polling still finishes jobs). */
  webhookSecret?: string;
  /** Default https://api.replicate.com/v1. */
  baseUrl?: string;
}

const PROVIDER = 'replicate';

/** A prediction as Replicate's API returns it (the fields we read). */
interface Prediction {
  id: string;
  status: 'starting' | 'processing' | 'succeeded' | 'failed' | 'canceled' | 'aborted';
  output?: unknown;
  error?: unknown;
  created_at?: string;
  webhook?: string;
}

/** A page of GET /v1/predictions (newest first). */
interface PredictionPage {
  results?: Prediction[];
  next?: string | null;
}

/** How long a model's resolved latest version is reused before asking again. */
const VERSION_TTL_MS = 5 * 60_000;
/** Pages of GET /v1/predictions a retried create reads, at most, looking for its step's job. */
const LIST_PAGES = 3;

/** Replicate's async predictions as a job provider. */
export class ReplicateProvider implements JobProvider {
  readonly id = PROVIDER;
  private readonly client: Replicate | undefined;
  private readonly webhook: Webhook | undefined;
  private readonly versions = new Map<string, { version: string | undefined; at: number }>();

  constructor(options: ReplicateOptions = {}) {
    this.client = options.apiToken
      ? new Replicate({
          auth: options.apiToken,
          ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
          useFileOutput: false,
          fetch: replicateOnceFetch(),
        })
      : undefined;
    this.webhook = options.webhookSecret ? new Webhook(options.webhookSecret) : undefined;
  }

  /** Creates the prediction; Replicate has no idempotency header, so the engine records the id before waiting. */
  async submit(request: JobSubmitRequest): Promise<JobHandle> {
    const client = this.requireClient();
    const parsed = parseVendorModel(request.model);
    if (!parsed || 'problem' in parsed || parsed.model.provider !== 'replicate') {
      throw new ProviderError('InvalidConfig', `replicate: "${request.model}" is not a Replicate model`, { provider: PROVIDER });
    }
    const { owner, name } = parsed.model;
    const version = parsed.model.version ?? (await this.latestVersion(owner, name, request.signal));
    const prediction = (await call(request.signal, () =>
      client.predictions.create({
        ...(version ? { version } : { model: `${owner}/${name}` }),
        input: vendorInput(request),
        ...(request.callbackUrl ? { webhook: request.callbackUrl, webhook_events_filter: ['start', 'completed'] as const } : {}),
        signal: request.signal,
      } as Parameters<Replicate['predictions']['create']>[0]),
    )) as unknown as Prediction;
    return { jobId: prediction.id };
  }

  /**
   * The step's prediction an earlier create made although its answer was lost: the newest
   * predictions (created since the step's first submit) whose webhook is the step's callback URL.
   * GET /v1/predictions lists them; one whose list entry lacks `webhook` is read in full.
   */
  async findSubmitted(request: JobSubmitRequest): Promise<{ job: JobHandle; running: boolean } | undefined> {
    const client = this.requireClient();
    const stepUrl = request.stepCallbackUrl;
    if (!stepUrl) return undefined;
    const since = (request.firstSubmitAt ?? 0) - 60_000;
    let page = (await call(request.signal, () => client.predictions.list({ signal: request.signal }))) as unknown as PredictionPage;
    for (let pages = 1; ; pages++) {
      for (const entry of page.results ?? []) {
        if (entry.created_at && Date.parse(entry.created_at) < since) return undefined;
        const prediction = entry.webhook !== undefined ? entry : ((await call(request.signal, () => client.predictions.get(entry.id, { signal: request.signal }))) as unknown as Prediction);
        if (prediction.webhook && sameStep(prediction.webhook, stepUrl)) {
          return { job: { jobId: prediction.id }, running: prediction.status === 'starting' || prediction.status === 'processing' || prediction.status === 'succeeded' };
        }
      }
      if (!page.next || pages >= LIST_PAGES) return undefined;
      const next = page.next;
      page = (await call(request.signal, async () => (await client.request(new URL(next), { method: 'GET', signal: request.signal } as never)).json())) as PredictionPage;
    }
  }

  /**
   * `owner/name` without a version: its latest version (GET /v1/models/{owner}/{name}), since the
   * models' predictions endpoint serves official models only. A model without a public version
   * (an official one) is created through that endpoint.
   */
  private async latestVersion(owner: string, name: string, signal: AbortSignal): Promise<string | undefined> {
    const key = `${owner}/${name}`;
    const cached = this.versions.get(key);
    if (cached && Date.now() - cached.at < VERSION_TTL_MS) return cached.version;
    const client = this.requireClient();
    const model = (await call(signal, () => client.models.get(owner, name, { signal } as never))) as { latest_version?: { id?: unknown } | null };
    const version = typeof model.latest_version?.id === 'string' ? model.latest_version.id : undefined;
    this.versions.set(key, { version, at: Date.now() });
    return version;
  }

  /** Reads the prediction (the fallback when no webhook arrives). */
  async poll(job: JobHandle, request: { signal: AbortSignal }): Promise<JobState> {
    const client = this.requireClient();
    const prediction = (await call(request.signal, () => client.predictions.get(job.jobId, { signal: request.signal }))) as unknown as Prediction;
    return stateOf(prediction);
  }

  /** Cancels the prediction at Replicate; one that already ended stays as it is. */
  async cancel(job: JobHandle, signal: AbortSignal): Promise<void> {
    const client = this.requireClient();
    await call(signal, () => client.predictions.cancel(job.jobId, { signal }));
  }

  /** Verifies a webhook (Standard Webhooks: id, timestamp within 5 minutes, HMAC signature) and reads the prediction in it. */
  async parseCallback(callback: ProviderCallback): Promise<{ jobId: string; state: JobState; callbackUrl?: string }> {
    if (!this.webhook) {
      throw new CallbackRejected('CALLBACK_VERIFICATION_UNAVAILABLE', 'replicate: REPLICATE_WEBHOOK_SECRET is not configured, so webhooks cannot be verified.', PROVIDER);
    }
    const headers = {
      'webhook-id': callback.headers['webhook-id'] ?? '',
      'webhook-timestamp': callback.headers['webhook-timestamp'] ?? '',
      'webhook-signature': callback.headers['webhook-signature'] ?? '',
    };
    if (!headers['webhook-id'] || !headers['webhook-timestamp'] || !headers['webhook-signature']) {
      throw new CallbackRejected('CALLBACK_SIGNATURE_MISSING', 'replicate: the webhook-id, webhook-timestamp and webhook-signature headers are required.', PROVIDER);
    }
    let body: unknown;
    try {
      body = this.webhook.verify(callback.rawBody.toString('utf8'), headers);
    } catch (err) {
      if (!(err instanceof WebhookVerificationError)) throw err;
      // The library's messages: "Message timestamp too old/new", "Invalid Signature Headers", "No matching signature found".
      const stale = /timestamp/i.test(err.message);
      throw new CallbackRejected(
        stale ? 'CALLBACK_SIGNATURE_STALE' : 'CALLBACK_SIGNATURE_INVALID',
        stale ? 'replicate: the webhook timestamp is more than 5 minutes from our clock.' : 'replicate: the webhook signature does not match.',
        PROVIDER,
      );
    }
    const prediction = body as Partial<Prediction>;
    if (typeof prediction.id !== 'string' || typeof prediction.status !== 'string') {
      throw new ProviderError('ProviderRejected', 'replicate: the webhook body is not a prediction', { provider: PROVIDER });
    }
    return { jobId: prediction.id, state: stateOf(prediction as Prediction), ...(typeof prediction.webhook === 'string' ? { callbackUrl: prediction.webhook } : {}) };
  }

  private requireClient(): Replicate {
    if (!this.client) throw new ProviderError('InvalidConfig', 'replicate: REPLICATE_API_TOKEN is not configured', { provider: PROVIDER });
    return this.client;
  }
}

/** Whether a prediction's webhook URL is the step's callback URL (whatever submit marker it carries). */
function sameStep(webhook: string, stepUrl: string): boolean {
  try {
    const url = new URL(webhook);
    url.searchParams.delete('submit');
    const step = new URL(stepUrl);
    step.searchParams.delete('submit');
    return url.href === step.href;
  } catch {
    return false;
  }
}

/**
 * Replicate's statuses mapped to ours: starting/processing run; succeeded yields the first media
 * URL (or `data:` URI) of the output, whether a string, a list or an object holding them;
 * failed, canceled and aborted (ended before it started: Replicate's docs) fail.
 */
export function stateOf(prediction: Prediction): JobState {
  switch (prediction.status) {
    case 'starting':
    case 'processing':
      return { status: 'running' };
    case 'succeeded': {
      const url = firstMediaUrl(prediction.output);
      if (!url) return { status: 'failed', error: { type: 'ProviderOutputInvalid', message: `replicate: prediction ${prediction.id} succeeded without a media URL in its output` } };
      // GPU seconds as Replicate bills them, for per-second pricing (validated there, never trusted here).
      const seconds = (prediction as { metrics?: { predict_time?: unknown } }).metrics?.predict_time;
      return { status: 'succeeded', result: { type: 'url', url, meta: metaFromUrl(url), ...(seconds !== undefined ? { usage: { seconds } } : {}) } };
    }
    case 'failed':
      return { status: 'failed', error: { type: 'ProviderJobFailed', message: `replicate: ${typeof prediction.error === 'string' && prediction.error ? prediction.error : `prediction ${prediction.id} failed`}` } };
    case 'canceled':
      return { status: 'failed', error: { type: 'ProviderJobCanceled', message: `replicate: prediction ${prediction.id} was canceled` } };
    case 'aborted':
      return {
        status: 'failed',
        error: {
          type: 'ProviderJobAborted',
          message: `replicate: prediction ${prediction.id} was aborted before it started${typeof prediction.error === 'string' && prediction.error ? ` (${prediction.error})` : ''}`,
        },
      };
    default:
      return { status: 'failed', error: { type: 'ProviderOutputInvalid', message: `replicate: unknown prediction status "${String(prediction.status)}"` } };
  }
}

/** Runs a client call, turning its errors into ProviderErrors (and an abort into the abort's reason). */
async function call<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (signal.aborted) throw abortError(signal);
    const response = (err as { response?: Response }).response;
    if (response && typeof response.status === 'number') {
      const status = vendorStatus(response);
      // The client's message ends with Replicate's body: its `detail` and, on a 429, `retry_after` (seconds).
      const body = /: (\{.*\})\.?$/s.exec((err as Error).message)?.[1];
      let detail = (err as Error).message;
      let bodyRetryAfter: number | undefined;
      try {
        const parsed = body ? (JSON.parse(body) as { detail?: unknown; retry_after?: unknown }) : {};
        if (typeof parsed.detail === 'string') detail = parsed.detail;
        if (typeof parsed.retry_after === 'number' && parsed.retry_after >= 0) bodyRetryAfter = Math.round(parsed.retry_after * 1000);
      } catch {
        // Not JSON: the client's message stays the detail.
      }
      if (status === 0) throw new ProviderError('ProviderUnavailable', `replicate: no answer (${detail})`, { provider: PROVIDER });
      const retryAfterMs = parseRetryAfter(response.headers) ?? bodyRetryAfter;
      throw fromHttpStatus(PROVIDER, status, `replicate: HTTP ${status}: ${detail}`, retryAfterMs);
    }
    const detail = err instanceof Error ? (err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message) : String(err);
    throw new ProviderError('ProviderUnavailable', `replicate: ${detail}`, { provider: PROVIDER });
  }
}
