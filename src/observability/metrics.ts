// Prometheus metrics of the API and the worker, on one prom-client registry per process.
// Names follow Prometheus conventions (`_total` counters, `_seconds` histograms).
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const registry = new Registry();
// The default metrics are already named `process_*` and `nodejs_*`: prefixed, they read `builder_process_*`.
collectDefaultMetrics({ register: registry, prefix: 'builder_' });

/** Every metric we export; increment them from anywhere in the process. */
export const metrics = {
  registry,
  /** API requests by matched route (the pattern, never the raw path) and status. */
  httpRequests: new Counter({
    name: 'builder_http_requests_total',
    help: 'HTTP requests served by the API, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  }),
  /** API latency by route. */
  httpDuration: new Histogram({
    name: 'builder_http_request_duration_seconds',
    help: 'HTTP request latency of the API, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  }),
  /** 429 refusals by the rate limiter; `tier` is the account's tier. */
  rateLimitRefusals: new Counter({
    name: 'builder_rate_limit_refusals_total',
    help: 'Requests refused with 429 RATE_LIMIT_EXCEEDED, by account tier.',
    labelNames: ['tier'] as const,
    registers: [registry],
  }),
  /** Runs admitted (handed to Temporal), by trigger type. */
  admissions: new Counter({
    name: 'builder_admissions_total',
    help: 'Runs admitted and started, by trigger type.',
    labelNames: ['trigger'] as const,
    registers: [registry],
  }),
  /** Admissions refused (4xx/5xx from admission), by trigger type and error code. */
  admissionRefusals: new Counter({
    name: 'builder_admission_refusals_total',
    help: 'Runs refused at admission, by trigger type and error code.',
    labelNames: ['trigger', 'code'] as const,
    registers: [registry],
  }),
  /** Webhook deliveries by outcome (`accepted`, `bad_signature`, `stale_timestamp`, …). */
  webhookDeliveries: new Counter({
    name: 'builder_webhook_deliveries_total',
    help: 'Inbound webhook trigger deliveries, by outcome.',
    labelNames: ['outcome'] as const,
    registers: [registry],
  }),
  /** Worker: one provider step attempt's duration, by node type and outcome. */
  stepDuration: new Histogram({
    name: 'builder_step_duration_seconds',
    help: 'Duration of provider step attempts (activities), by node type and outcome.',
    labelNames: ['node_type', 'outcome'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [registry],
  }),
  /** Worker: attempts after the first, by node type. */
  stepRetries: new Counter({
    name: 'builder_step_retries_total',
    help: 'Provider step attempts that were retries (attempt > 1), by node type.',
    labelNames: ['node_type'] as const,
    registers: [registry],
  }),
  /**
   * Vendor jobs (Replicate predictions, fal requests) by what became of them: `created`, `resumed`
   * (a retried submit found the step's job), `orphan_cancelled` (a second job of a step, cancelled
   * at the vendor), `orphan_ended` (one learnt of after it ended), `abandoned_cancelled` (its step
   * stopped while the create was in flight, or before its webhook came).
   */
  vendorJobs: new Counter({
    name: 'builder_vendor_jobs_total',
    help: 'Vendor jobs by vendor and outcome (created, resumed, orphan_cancelled, orphan_ended, abandoned_cancelled).',
    labelNames: ['vendor', 'outcome'] as const,
    registers: [registry],
  }),
  /** Worker: vendor job submits that waited for a slot of their vendor account (VENDOR_CONCURRENCY) or a 429 pause, by vendor. */
  vendorCapacityWaits: new Counter({
    name: 'builder_vendor_capacity_waits_total',
    help: 'Vendor job submits that waited for vendor capacity (VENDOR_CONCURRENCY or a 429 pause), by vendor.',
    labelNames: ['vendor'] as const,
    registers: [registry],
  }),
  /** Worker: how long those waits took. */
  vendorCapacityWaitSeconds: new Histogram({
    name: 'builder_vendor_capacity_wait_seconds',
    help: 'How long vendor job submits waited for vendor capacity, by vendor.',
    labelNames: ['vendor'] as const,
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
    registers: [registry],
  }),
  /** API: credits held at admission for usage-priced and cached steps (the most they can cost). */
  creditsHeld: new Counter({
    name: 'builder_credits_held_total',
    help: 'Credits held at admission for usage-priced and cached steps.',
    registers: [registry],
  }),
  /** Worker: credits captured from holds by what the steps really used (0 for a cache hit). */
  creditsCaptured: new Counter({
    name: 'builder_credits_captured_total',
    help: 'Credits captured from holds by real usage.',
    registers: [registry],
  }),
  /** Worker: steps completed from the output cache, by node type. */
  cacheHits: new Counter({
    name: 'builder_cache_hits_total',
    help: 'Steps completed from the output cache (no provider call), by node type.',
    labelNames: ['node_type'] as const,
    registers: [registry],
  }),
  /** Worker: credits the output cache saved (the holds of the steps it completed). */
  cacheCreditsSaved: new Counter({
    name: 'builder_cache_credits_saved_total',
    help: 'Credits saved by output cache hits (their steps\' holds, released).',
    registers: [registry],
  }),
  /** Worker: steps that entered `waiting` (an async provider waitpoint). */
  stepWaits: new Counter({
    name: 'builder_step_waits_total',
    help: 'Steps that entered the waiting status at a waitpoint.',
    registers: [registry],
  }),
};

/** The text exposition of our metrics, optionally followed by another exporter's text (the SDK's). */
export async function renderMetrics(extraUrl?: string): Promise<string> {
  const own = await registry.metrics();
  if (!extraUrl) return own;
  try {
    const response = await fetch(extraUrl, { signal: AbortSignal.timeout(2_000) });
    if (!response.ok) return own;
    return `${own}\n# Temporal SDK worker metrics (from ${extraUrl})\n${await response.text()}`;
  } catch {
    // The worker's exporter is down or not up yet: serve ours rather than fail the scrape.
    return own;
  }
}

/** The Content-Type of the text exposition format. */
export const METRICS_CONTENT_TYPE = registry.contentType;
