// A small HTTP server speaking fal's documented queue API, so the official `@fal-ai/client` is
// exercised for real: POST /{endpoint-id}?fal_webhook=… (submit), GET /{owner}/{alias}/requests/{id}/status,
// GET /{owner}/{alias}/requests/{id} (result), PUT /{owner}/{alias}/requests/{id}/cancel, `Key` auth,
// and webhooks signed as fal signs them: ED25519 over
// "<request id>\n<user id>\n<timestamp>\n<sha256 hex of the body>", hex in X-Fal-Webhook-Signature,
// the public keys published as a JWKS at /.well-known/jwks.json. Failure shapes: a submit queued
// whose answer is a 502/503/504 or a dropped connection (what the client re-POSTs by itself), a
// webhook with `payload: null` and `payload_error` (fal could not serialise the result; the queue
// still has it), and result reads answered 5xx a number of times.
import { createHash, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fakeMp4, fakeWav } from './fakeMedia';
import { fakePng } from './fakePng';

/** How the fake runs one queued request. */
export interface FalBehaviour {
  /** `succeed` (default), `fail` with `error`, or `hang` until cancelled. */
  outcome?: 'succeed' | 'fail' | 'hang';
  delayMs?: number;
  error?: string;
  /** false: send no webhook even when one is named. */
  webhooks?: boolean;
  /** The webhook says `payload: null` with a `payload_error` (the result is still in the queue). */
  payloadError?: boolean;
}

/** How the fake answers one submit: queued and answered 200 (`ok`), queued then answered 502/503/504, or queued and the connection dropped (`lost`). */
export type FalSubmitAnswer = 'ok' | 502 | 503 | 504 | 'lost';

/** One queued request as the fake keeps it. */
export interface FakeFalRequest {
  id: string;
  endpoint: string;
  input: Record<string, unknown>;
  webhook?: string;
  status: 'IN_QUEUE' | 'IN_PROGRESS' | 'COMPLETED';
  /** Set once COMPLETED: the result body, or an error answer. */
  result?: { ok: true; payload: unknown } | { ok: false; status: number; detail: string; errorType: string };
}

/** A running fake. Point the client at `baseUrl` (it replaces https://queue.fal.run). */
export interface FakeFal {
  baseUrl: string;
  key: string;
  /** Where the fake publishes its public keys (what FAL_JWKS_URL names). */
  jwksUrl: string;
  userId: string;
  submits: number;
  /** Answers for the next submits, in order (then `ok`). */
  submitAnswers: FalSubmitAnswer[];
  /** Result reads (GET …/requests/{id}) to answer 503 before answering the result. */
  resultFailures: number;
  /** Result reads received. */
  resultReads: number;
  cancels: string[];
  deliveries: Array<{ id: string; status: number }>;
  requests: Map<string, FakeFalRequest>;
  behave(fn: (input: Record<string, unknown>) => FalBehaviour): void;
  /** Finishes a hanging request successfully (with its webhook, unless webhooks are off for it). */
  complete(id: string): void;
  close(): Promise<void>;
}

/** Starts the fake on 127.0.0.1; call close() when done. */
export async function startFakeFal(): Promise<FakeFal> {
  const key = `${randomUUID()}:${randomBytes(16).toString('hex')}`;
  const userId = `user_${randomBytes(4).toString('hex')}`;
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  const timers = new Set<NodeJS.Timeout>();
  let behaviour: (input: Record<string, unknown>) => FalBehaviour = () => ({});
  let base = '';

  const fake: FakeFal = {
    baseUrl: '',
    key,
    jwksUrl: '',
    userId,
    submits: 0,
    submitAnswers: [],
    resultFailures: 0,
    resultReads: 0,
    cancels: [],
    deliveries: [],
    requests: new Map(),
    behave: (fn) => void (behaviour = fn),
    complete: (id) => {
      const request = fake.requests.get(id);
      if (!request || request.status === 'COMPLETED') return;
      succeed(request);
      if (plans.get(id)?.webhooks !== false) void deliver(request);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const timer of timers) clearTimeout(timer);
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };

  const plans = new Map<string, FalBehaviour>();
  const succeed = (request: FakeFalRequest) => {
    request.status = 'COMPLETED';
    // What the endpoint makes, in fal's shapes: `{ video: { url } }`, `{ audio_file: { url } }` or `{ images: [{ url }] }`.
    request.result = /video/.test(request.endpoint)
      ? { ok: true, payload: { video: { url: `${base}/files/${request.id}.mp4`, content_type: 'video/mp4', file_name: 'output.mp4' } } }
      : /audio|tts|speech/.test(request.endpoint)
        ? { ok: true, payload: { audio_file: { url: `${base}/files/${request.id}.wav`, content_type: 'audio/wav' } } }
        : { ok: true, payload: { images: [{ url: `${base}/files/${request.id}.png`, content_type: 'image/png', width: 16, height: 16 }], seed: 42 } };
  };
  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => (timers.delete(timer), fn()), ms);
    timers.add(timer);
  };

  async function deliver(request: FakeFalRequest): Promise<void> {
    if (!request.webhook || !request.result) return;
    const result = request.result;
    const body = JSON.stringify(
      result.ok && plans.get(request.id)?.payloadError
        ? { request_id: request.id, gateway_request_id: request.id, status: 'OK', payload: null, payload_error: 'Failed to serialize the payload (fake)' }
        : result.ok
        ? { request_id: request.id, gateway_request_id: request.id, status: 'OK', payload: result.payload }
        : { request_id: request.id, gateway_request_id: request.id, status: 'ERROR', error: `Invalid status code: ${result.status}`, payload: { detail: result.detail } },
    );
    const timestamp = String(Math.floor(Date.now() / 1000));
    const message = [request.id, userId, timestamp, createHash('sha256').update(body).digest('hex')].join('\n');
    let status = 0;
    try {
      const response = await fetch(request.webhook, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-fal-webhook-request-id': request.id,
          'x-fal-webhook-user-id': userId,
          'x-fal-webhook-timestamp': timestamp,
          'x-fal-webhook-signature': sign(null, Buffer.from(message), privateKey).toString('hex'),
        },
        body,
      });
      status = response.status;
    } catch {
      status = 0;
    }
    fake.deliveries.push({ id: request.id, status });
  }

  function urls(endpoint: string, id: string) {
    const [owner, alias] = endpoint.split('/');
    const root = `${base}/${owner}/${alias}/requests/${id}`;
    return { response_url: root, status_url: `${root}/status`, cancel_url: `${root}/cancel` };
  }

  function submit(res: ServerResponse, endpoint: string, input: Record<string, unknown>, webhook: string | undefined, answer: FalSubmitAnswer): void {
    const request: FakeFalRequest = { id: randomUUID(), endpoint, input, status: 'IN_QUEUE', ...(webhook ? { webhook } : {}) };
    fake.requests.set(request.id, request);
    fake.submits += 1;
    const plan = behaviour(input);
    plans.set(request.id, plan);
    later(0, () => {
      if (request.status !== 'IN_QUEUE') return;
      request.status = 'IN_PROGRESS';
      later(plan.delayMs ?? 50, () => {
        if (request.status === 'COMPLETED' || plan.outcome === 'hang') return;
        if (plan.outcome === 'fail') {
          request.status = 'COMPLETED';
          request.result = { ok: false, status: 422, detail: plan.error ?? 'The model failed (fake)', errorType: 'model_error' };
        } else {
          succeed(request);
        }
        if (plan.webhooks !== false) void deliver(request);
      });
    });
    if (answer === 'lost') return void res.socket?.destroy();
    if (answer !== 'ok') return json(res, answer, { detail: `Upstream error ${answer} (fake: the request was queued)` });
    json(res, 200, { request_id: request.id, gateway_request_id: request.id, ...urls(endpoint, request.id), queue_position: 0 });
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', base);
      const path = url.pathname;
      if (req.method === 'GET' && path === '/.well-known/jwks.json') return json(res, 200, { keys: [{ kty: 'OKP', crv: 'Ed25519', x: jwk.x }] });
      const file = /^\/files\/([^/]+)\.(png|mp4|wav)$/.exec(path);
      if (req.method === 'GET' && file) {
        const [, seed = '', ext] = file;
        const [type, bytes] = ext === 'mp4' ? ['video/mp4', fakeMp4(seed)] : ext === 'wav' ? ['audio/wav', fakeWav(seed)] : ['image/png', fakePng(seed)];
        res.writeHead(200, { 'content-type': type, 'content-length': String(bytes.length) });
        return void res.end(bytes);
      }
      if (req.headers.authorization !== `Key ${key}`) return json(res, 401, { detail: 'No user found for Key ID and Secret' });
      const operation = /^\/([^/]+)\/([^/]+)\/requests\/([^/]+)(\/status|\/cancel)?$/.exec(path);
      if (operation) {
        const request = fake.requests.get(operation[3]!);
        if (!request) return json(res, 404, { detail: 'Request not found' });
        if (req.method === 'GET' && operation[4] === '/status') {
          const base = { status: request.status, request_id: request.id, ...urls(request.endpoint, request.id) };
          if (request.status === 'IN_QUEUE') return json(res, 202, { ...base, queue_position: 0 });
          if (request.status === 'IN_PROGRESS') return json(res, 202, { ...base, logs: [] });
          const error = request.result && !request.result.ok ? { error: request.result.detail, error_type: request.result.errorType } : {};
          return json(res, 200, { ...base, logs: [], metrics: { inference_time: 0.05 }, ...error });
        }
        if (req.method === 'PUT' && operation[4] === '/cancel') {
          fake.cancels.push(request.id);
          if (request.status === 'COMPLETED') return json(res, 400, { status: 'ALREADY_COMPLETED' });
          request.status = 'COMPLETED';
          request.result = { ok: false, status: 499, detail: 'Request was cancelled by the client', errorType: 'client_cancelled' };
          return json(res, 202, { status: 'CANCELLATION_REQUESTED' });
        }
        if (req.method === 'GET' && !operation[4]) {
          fake.resultReads += 1;
          if (fake.resultFailures > 0) {
            fake.resultFailures -= 1;
            return json(res, 503, { detail: 'Service temporarily unavailable (fake)' });
          }
          if (request.status !== 'COMPLETED' || !request.result) return json(res, 400, { detail: 'Request is still in progress' });
          if (request.result.ok) return json(res, 200, request.result.payload);
          return json(res, request.result.status, { detail: request.result.detail, error_type: request.result.errorType });
        }
      }
      // Anything else POSTed is a submit to an endpoint id (`owner/alias[/path]`).
      if (req.method === 'POST' && path.split('/').filter(Boolean).length >= 2) {
        const input = parse(Buffer.concat(chunks).toString('utf8'));
        if (!input) return json(res, 422, { detail: [{ loc: ['body'], msg: 'The body must be a JSON object', type: 'value_error' }] });
        return submit(res, path.slice(1), input, url.searchParams.get('fal_webhook') ?? undefined, fake.submitAnswers.shift() ?? 'ok');
      }
      json(res, 404, { detail: `No route ${req.method} ${path}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.baseUrl = base;
  fake.jwksUrl = `${base}/.well-known/jwks.json`;
  return fake;
}

function json(res: ServerResponse, status: number, payload: unknown): void {
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
