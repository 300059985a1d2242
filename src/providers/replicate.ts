// Replicate predictions through the official `replicate` client: create with a webhook to our
// callback route (`start` and `completed` events), verify every webhook with the Standard Webhooks
// scheme Replicate signs with, poll GET /v1/predictions/{id} as the fallback, cancel at Replicate
// when the run is cancelled or the step times out. Outputs are URLs the job path downloads.
import Replicate from 'replicate';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { parseVendorModel } from '../domain/vendorModels';
import { CallbackRejected, ProviderError, abortError, fromHttpStatus, parseRetryAfter } from './errors';
import type { JobHandle, JobProvider, JobState, JobSubmitRequest, ProviderCallback } from './types';
import { firstMediaUrl, metaFromUrl, vendorInput } from './vendorPayloads';

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
  status: 'starting' | 'processing' | 'succeeded' | 'failed' | 'canceled';
  output?: unknown;
  error?: unknown;
}

/** Replicate's async predictions as a job provider. */
export class ReplicateProvider implements JobProvider {
  readonly id = PROVIDER;
  private readonly client: Replicate | undefined;
  private readonly webhook: Webhook | undefined;

  constructor(options: ReplicateOptions = {}) {
    this.client = options.apiToken
      ? new Replicate({ auth: options.apiToken, ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}), useFileOutput: false })
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
    const { owner, name, version } = parsed.model;
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
  async parseCallback(callback: ProviderCallback): Promise<{ jobId: string; state: JobState }> {
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
    return { jobId: prediction.id, state: stateOf(prediction as Prediction) };
  }

  private requireClient(): Replicate {
    if (!this.client) throw new ProviderError('InvalidConfig', 'replicate: REPLICATE_API_TOKEN is not configured', { provider: PROVIDER });
    return this.client;
  }
}

/** Replicate's statuses mapped to ours: starting/processing run, succeeded yields the first output URL, failed/canceled fail. */
export function stateOf(prediction: Prediction): JobState {
  switch (prediction.status) {
    case 'starting':
    case 'processing':
      return { status: 'running' };
    case 'succeeded': {
      const url = firstMediaUrl(prediction.output);
      if (!url) return { status: 'failed', error: { type: 'ProviderOutputInvalid', message: `replicate: prediction ${prediction.id} succeeded without a media URL in its output` } };
      return { status: 'succeeded', result: { type: 'url', url, meta: metaFromUrl(url) } };
    }
    case 'failed':
      return { status: 'failed', error: { type: 'ProviderJobFailed', message: `replicate: ${typeof prediction.error === 'string' && prediction.error ? prediction.error : `prediction ${prediction.id} failed`}` } };
    case 'canceled':
      return { status: 'failed', error: { type: 'ProviderJobCanceled', message: `replicate: prediction ${prediction.id} was canceled` } };
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
      const retryAfterMs = parseRetryAfter(response.headers);
      // The client's message carries Replicate's `detail` (e.g. which input is invalid).
      throw fromHttpStatus(PROVIDER, response.status, `replicate: ${(err as Error).message}`, retryAfterMs);
    }
    const detail = err instanceof Error ? (err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message) : String(err);
    throw new ProviderError('ProviderUnavailable', `replicate: ${detail}`, { provider: PROVIDER });
  }
}
