// A small HTTP server speaking Replicate's documented predictions API, so the official `replicate`
// client is exercised for real: POST /v1/predictions (by version) and /v1/models/{owner}/{name}/predictions,
// GET /v1/predictions/{id}, POST /v1/predictions/{id}/cancel, `Prefer: wait`, bearer auth, and
// webhooks signed with the Standard Webhooks scheme (`webhook-id`, `webhook-timestamp`,
// `webhook-signature`, a `whsec_` secret) by the `standardwebhooks` package Replicate's docs point to.
// It also shows the failure shapes real traffic has: a create accepted whose answer is lost or is a
// 502, a slow create, 429 with `retry-after` and `retry_after`, `aborted` predictions, outputs as a
// string, a list, an object or a `data:` URI, GET /v1/predictions (newest first) and
// GET /v1/models/{owner}/{name} with `latest_version` (community models cannot be run by name).
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { fakePng } from './fakePng';

/**
 * How the fake answers one create request: `ok` (201), `lost` (the prediction is created, then the
 * connection is dropped without an answer), `502` (created, then answered 502), `slow` (created,
 * answered after `delayMs`), `429` (not created: 429 with `Retry-After` and `retry_after` of `retryAfter` s).
 */
export type CreateAnswer = { answer: 'ok' | 'lost' | '502' } | { answer: 'slow'; delayMs: number } | { answer: '429'; retryAfter: number };

/** How the fake runs one prediction. */
export interface ReplicateBehaviour {
  /** `succeed` (default), `fail` with `error`, `hang` until cancelled, or `abort` (ends `aborted` without starting). */
  outcome?: 'succeed' | 'fail' | 'hang' | 'abort';
  /** The output of a succeeded prediction (default: a list with one PNG URL); `base` is the fake's origin. */
  output?: (base: string, id: string) => unknown;
  /** How long the prediction runs (default 50 ms). */
  delayMs?: number;
  /** The error message of a failed prediction. */
  error?: string;
  /** false: send no webhooks even when one is named (only polling can finish the job). */
  webhooks?: boolean;
  /** How long the prediction stays `starting` before it starts (and sends its `start` webhook); default 0. */
  startDelayMs?: number;
  /** Left out of GET /v1/predictions (a listing that lags, as lists may). */
  unlisted?: boolean;
  /** `metrics.predict_time` of the ended prediction (default 0.05 s); anything, to misreport it. */
  predictTime?: unknown;
}

/** A prediction as the API returns it. */
export interface FakePrediction {
  id: string;
  model: string;
  version: string;
  input: Record<string, unknown>;
  status: 'starting' | 'processing' | 'succeeded' | 'failed' | 'canceled' | 'aborted';
  output: unknown;
  error: string | null;
  logs: string;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  urls: { get: string; cancel: string; web: string };
  metrics: Record<string, number>;
  webhook?: string;
  webhook_events_filter?: string[];
}

/** A running fake. `baseUrl` ends in `/v1`, as the client's `baseUrl` option expects. */
export interface FakeReplicate {
  baseUrl: string;
  token: string;
  /** The `whsec_` secret webhooks are signed with (what REPLICATE_WEBHOOK_SECRET holds). */
  webhookSecret: string;
  /** Predictions created (whatever their create request was answered). */
  creates: number;
  /** Every create request: when it came and how it was answered. */
  createRequests: Array<{ at: number; answer: CreateAnswer['answer'] }>;
  /** Answers for the next create requests, in order (then `ok`). */
  createAnswers: CreateAnswer[];
  /** Models that are official (run by name, `latest_version: null`); others are community models, run by version only. */
  officialModels: Set<string>;
  /** Extra files the fake serves under its origin (output URLs of any type): path → content type and body. */
  files: Map<string, { contentType: string; body: Buffer }>;
  /** Cancel requests received, by prediction id. */
  cancels: string[];
  /** Webhook deliveries attempted: event, prediction id, answer status (0 on network error). */
  deliveries: Array<{ event: 'start' | 'completed'; id: string; status: number }>;
  predictions: Map<string, FakePrediction>;
  /** Predictions `starting` or `processing` right now, and the most there ever were at once. */
  inFlight(): number;
  maxInFlight: number;
  /** Decides how each new prediction runs (default: succeed after 50 ms). */
  behave(fn: (input: Record<string, unknown>) => ReplicateBehaviour): void;
  /** Finishes a hanging prediction successfully (with its webhook, unless webhooks are off for it). */
  complete(id: string): void;
  close(): Promise<void>;
}

/** Starts the fake on 127.0.0.1; call close() when done. */
export async function startFakeReplicate(): Promise<FakeReplicate> {
  const token = `r8_${randomBytes(12).toString('hex')}`;
  const webhookSecret = `whsec_${randomBytes(24).toString('base64')}`;
  const signer = new Webhook(webhookSecret);
  const timers = new Set<NodeJS.Timeout>();
  let behaviour: (input: Record<string, unknown>) => ReplicateBehaviour = () => ({});
  let base = '';

  const fake: FakeReplicate = {
    baseUrl: '',
    token,
    webhookSecret,
    creates: 0,
    createRequests: [],
    createAnswers: [],
    officialModels: new Set(),
    files: new Map(),
    cancels: [],
    deliveries: [],
    predictions: new Map(),
    inFlight: () => [...fake.predictions.values()].filter((p) => p.status === 'starting' || p.status === 'processing').length,
    maxInFlight: 0,
    behave: (fn) => void (behaviour = fn),
    complete: (id) => {
      const prediction = fake.predictions.get(id);
      if (prediction && (prediction.status === 'starting' || prediction.status === 'processing')) {
        settle(prediction, { ...(plans.get(id) ?? {}), outcome: 'succeed' });
      }
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const timer of timers) clearTimeout(timer);
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
  const waiters = new Map<string, Array<() => void>>();
  const plans = new Map<string, ReplicateBehaviour>();

  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  async function deliver(prediction: FakePrediction, event: 'start' | 'completed'): Promise<void> {
    if (!prediction.webhook) return;
    const filter = prediction.webhook_events_filter;
    // Replicate's docs: `start` and `completed` are sent when named in the filter; no filter means completed only here.
    if (filter ? !filter.includes(event) : event !== 'completed') return;
    const body = JSON.stringify(prediction);
    const id = `msg_${randomBytes(8).toString('hex')}`;
    const now = new Date();
    let status = 0;
    try {
      const response = await fetch(prediction.webhook, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
          'webhook-signature': signer.sign(id, now, body),
        },
        body,
      });
      status = response.status;
    } catch {
      status = 0;
    }
    fake.deliveries.push({ event, id: prediction.id, status });
  }

  function settle(prediction: FakePrediction, plan: ReplicateBehaviour): void {
    if (prediction.status === 'canceled') return;
    if (plan.outcome === 'hang') return;
    prediction.completed_at = new Date().toISOString();
    prediction.metrics = { predict_time: (plan.predictTime ?? 0.05) as number };
    if (plan.outcome === 'abort') {
      prediction.status = 'aborted';
      prediction.started_at = null;
    } else if (plan.outcome === 'fail') {
      prediction.status = 'failed';
      prediction.error = plan.error ?? 'The model failed (fake)';
    } else {
      prediction.status = 'succeeded';
      prediction.output = plan.output ? plan.output(base, prediction.id) : [`${base}/files/${prediction.id}/out-0.png`];
    }
    finished(prediction, plan);
  }

  function finished(prediction: FakePrediction, plan: ReplicateBehaviour): void {
    for (const wake of waiters.get(prediction.id) ?? []) wake();
    waiters.delete(prediction.id);
    if (plan.webhooks !== false) void deliver(prediction, 'completed');
  }

  function create(req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>, model: string, version: string): void {
    const shape = fake.createAnswers.shift() ?? { answer: 'ok' };
    fake.createRequests.push({ at: Date.now(), answer: shape.answer });
    if (shape.answer === '429') {
      // Replicate's throttling answer: the header and `retry_after` (seconds) in the body.
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(shape.retryAfter) });
      return void res.end(JSON.stringify({ detail: `Request was throttled. Expected available in ${shape.retryAfter} seconds.`, status: 429, retry_after: shape.retryAfter }));
    }
    const input = body.input;
    if (!input || typeof input !== 'object') return problem(res, 422, 'Input validation failed', '- input: Invalid type. Expected: object');
    const webhook = typeof body.webhook === 'string' ? body.webhook : undefined;
    const filter = Array.isArray(body.webhook_events_filter) ? (body.webhook_events_filter as string[]) : undefined;
    const id = randomBytes(13).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, 'x').slice(0, 26);
    const prediction: FakePrediction = {
      id,
      model,
      version,
      input: input as Record<string, unknown>,
      status: 'starting',
      output: null,
      error: null,
      logs: '',
      created_at: new Date().toISOString(),
      started_at: null,
      completed_at: null,
      urls: { get: `${base}/v1/predictions/${id}`, cancel: `${base}/v1/predictions/${id}/cancel`, web: `https://replicate.com/p/${id}` },
      metrics: {},
      ...(webhook ? { webhook } : {}),
      ...(filter ? { webhook_events_filter: filter } : {}),
    };
    fake.predictions.set(id, prediction);
    fake.creates += 1;
    fake.maxInFlight = Math.max(fake.maxInFlight, fake.inFlight());
    const plan = behaviour(prediction.input);
    plans.set(id, plan);
    later(plan.startDelayMs ?? 0, () => {
      if (prediction.status !== 'starting') return;
      if (plan.outcome === 'abort') return settle(prediction, plan);
      prediction.status = 'processing';
      prediction.started_at = new Date().toISOString();
      if (plan.webhooks !== false) void deliver(prediction, 'start');
      later(plan.delayMs ?? 50, () => settle(prediction, plan));
    });
    if (shape.answer === 'lost') return void res.socket?.destroy();
    if (shape.answer === '502') return problem(res, 502, 'Bad Gateway', 'upstream connect error (fake: the prediction was created)');
    if (shape.answer === 'slow') return later(shape.delayMs, () => json(res, 201, prediction));
    const wait = preferWait(req.headers.prefer === undefined ? undefined : String(req.headers.prefer));
    if (wait === undefined) return json(res, 201, prediction);
    // `Prefer: wait[=n]` holds the answer until the prediction ends or n seconds pass.
    const answer = () => json(res, 201, prediction);
    const timer = setTimeout(answer, wait * 1000);
    waiters.set(id, [...(waiters.get(id) ?? []), () => (clearTimeout(timer), answer())]);
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const file = /^\/files\/([^/]+)\/out-0\.png$/.exec(path);
      const extra = fake.files.get(path);
      if (req.method === 'GET' && extra) {
        res.writeHead(200, { 'content-type': extra.contentType, 'content-length': String(extra.body.length) });
        return void res.end(extra.body);
      }
      if (req.method === 'GET' && file) {
        if (!fake.predictions.has(file[1]!)) return problem(res, 404, 'Not found', 'No such file');
        const png = fakePng(file[1]!);
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(png.length) });
        return void res.end(png);
      }
      if (req.headers.authorization !== `Bearer ${token}`) return problem(res, 401, 'Unauthenticated', 'You did not pass a valid authentication token');
      const body = parse(Buffer.concat(chunks).toString('utf8'));
      const byModel = /^\/v1\/models\/([^/]+)\/([^/]+)\/predictions$/.exec(path);
      const one = /^\/v1\/predictions\/([^/]+)$/.exec(path);
      const cancel = /^\/v1\/predictions\/([^/]+)\/cancel$/.exec(path);
      if (req.method === 'POST' && path === '/v1/predictions') {
        if (!body || typeof body.version !== 'string') return problem(res, 422, 'Input validation failed', '- version: Required');
        return create(req, res, body, 'replicate-internal/by-version', body.version);
      }
      if (req.method === 'POST' && byModel) {
        if (!body) return problem(res, 400, 'Bad request', 'The body is not JSON');
        // Replicate runs only official models by name; a community model needs its version.
        if (!fake.officialModels.has(`${byModel[1]}/${byModel[2]}`)) return problem(res, 404, 'Not found', 'The requested resource could not be found.');
        return create(req, res, body, `${byModel[1]}/${byModel[2]}`, '');
      }
      const model = /^\/v1\/models\/([^/]+)\/([^/]+)$/.exec(path);
      if (req.method === 'GET' && model) {
        const name = `${model[1]}/${model[2]}`;
        const official = fake.officialModels.has(name);
        return json(res, 200, {
          url: `https://replicate.com/${name}`,
          owner: model[1],
          name: model[2],
          visibility: 'public',
          latest_version: official ? null : { id: versionOf(name), created_at: new Date(0).toISOString(), cog_version: '0.9.0' },
        });
      }
      if (req.method === 'GET' && path === '/v1/predictions') {
        // Newest first, one page (the fake never holds more than a test makes).
        const results = [...fake.predictions.values()].filter((p) => !plans.get(p.id)?.unlisted).reverse();
        return json(res, 200, { previous: null, next: null, results });
      }
      if (req.method === 'GET' && one) {
        const prediction = fake.predictions.get(one[1]!);
        return prediction ? json(res, 200, prediction) : problem(res, 404, 'Not found', 'The requested resource could not be found.');
      }
      if (req.method === 'POST' && cancel) {
        const prediction = fake.predictions.get(cancel[1]!);
        if (!prediction) return problem(res, 404, 'Not found', 'The requested resource could not be found.');
        fake.cancels.push(prediction.id);
        if (prediction.status === 'starting' || prediction.status === 'processing') {
          prediction.status = 'canceled';
          prediction.completed_at = new Date().toISOString();
          finished(prediction, {});
        }
        return json(res, 200, prediction);
      }
      problem(res, 404, 'Not found', `No route ${req.method} ${path}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.baseUrl = `${base}/v1`;
  return fake;
}

/** A model's fake latest version: 64 hex digits derived from its name. */
export function versionOf(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

/** Seconds a `Prefer: wait` or `Prefer: wait=n` header asks to hold the answer (Replicate's default is 60). */
function preferWait(header: string | undefined): number | undefined {
  const match = header ? /(?:^|[,;\s])wait(?:=(\d+))?/.exec(header) : null;
  if (!match) return undefined;
  return Math.min(60, Math.max(1, Number(match[1] ?? 60)));
}

function problem(res: ServerResponse, status: number, title: string, detail: string): void {
  json(res, status, { title, detail, status });
}

function json(res: ServerResponse, status: number, payload: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(payload));
}

function parse(raw: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(raw);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
