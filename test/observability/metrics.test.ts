// /metrics scraped over HTTP on its own address after real runs (never on the API port), from an
// API process and from a worker-only process, and JSON request logs carrying request and execution ids.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { TEXT_CHAIN } from '../../src/demo/workflows';
import { createLogger } from '../../src/observability/logger';
import { loadConfig } from '../../src/config';
import { startMetricsServer, type MetricsServer } from '../../src/observability/metricsServer';
import { startSystem } from '../../src/runtime/system';
import { startTestApi, type TestApi } from '../support/api';
import { awayFromWindowEdge } from '../api/rateLimitWindow';
import { testTemporalMetricsUrl } from '../support/temporal';
import { buildAccount, buildApiKey, buildWorkflow } from '../support/fixtures';

/** The value of one sample line of the exposition, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text
    .split('\n')
    .find((candidate) => (candidate.startsWith(`${name}{`) || (wanted.length === 0 && candidate.startsWith(`${name} `))) && wanted.every((pair) => candidate.includes(pair)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : undefined;
}

describe('metrics and logs', function () {
  let api: TestApi;
  let server: Server;
  let url: string;
  let metricsServer: MetricsServer;
  let key: string;
  let slug: string;
  const logLines: any[] = [];

  before(async () => {
    api = await startTestApi();
    const account = await buildAccount(api.engine.db);
    key = (await buildApiKey(api.engine.db, account.id)).secret;
    slug = (await buildWorkflow(api.engine.db, account.id, TEXT_CHAIN)).slug;
    // The SDK's own Prometheus exporter of this process, where the test worker runs.
    const temporalMetricsUrl = testTemporalMetricsUrl();
    assert.ok(temporalMetricsUrl, 'the test runtime exposes the SDK metrics');
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => chunk.toString().split('\n').filter(Boolean).forEach((line) => logLines.push(JSON.parse(line))));
    const app = api.appWith({
      log: { error: () => undefined, info: () => undefined },
      logger: createLogger({ service: 'api', destination: stream }),
    });
    metricsServer = await startMetricsServer({ address: '127.0.0.1:0', temporalMetricsUrl });
    server = createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await metricsServer?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await api?.close();
  });

  it('serves request, admission, step and rate-limit metrics plus the SDK worker metrics on the metrics address, not on the API port', async () => {
    const scrape = async () => {
      const response = await fetch(metricsServer.url);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
      return response.text();
    };
    assert.equal((await fetch(`${url}/metrics`)).status, 404, 'the public API port does not serve metrics');
    const before = await scrape();
    const route = { method: 'POST', route: '/api/workflows/:slug/run', status: '200' };
    const admitted = sample(before, 'builder_admissions_total', { trigger: 'api' }) ?? 0;
    const requests = sample(before, 'builder_http_requests_total', route) ?? 0;
    const steps = sample(before, 'builder_step_duration_seconds_count', { node_type: 'text-generation', outcome: 'completed' }) ?? 0;
    const refusals = sample(before, 'builder_rate_limit_refusals_total', { tier: 'pro' }) ?? 0;

    const run = await fetch(`${url}/api/workflows/${slug}/run`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify({ inputs: { topic: 'owls' } }) });
    assert.equal(run.status, 200);
    // A real 429: this minute's window of another Pro account is already full.
    const limited = await buildAccount(api.engine.db, { tier: 'pro' });
    const limitedKey = (await buildApiKey(api.engine.db, limited.id)).secret;
    await awayFromWindowEdge();
    const windowStart = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    await api.engine.db.$executeRaw`
      INSERT INTO rate_limit_windows (account_id, window_start, count) VALUES (${limited.id}, ${windowStart}, 100)
      ON CONFLICT (account_id, window_start) DO UPDATE SET count = 100`;
    const refused = await fetch(`${url}/api/executions/ex_none`, { headers: { 'x-api-key': limitedKey } });
    assert.equal(refused.status, 429);

    const after = await scrape();
    assert.equal(sample(after, 'builder_http_requests_total', route), requests + 1);
    assert.ok((sample(after, 'builder_http_request_duration_seconds_count', route) ?? 0) >= 1);
    assert.equal(sample(after, 'builder_admissions_total', { trigger: 'api' }), admitted + 1);
    assert.equal(sample(after, 'builder_step_duration_seconds_count', { node_type: 'text-generation', outcome: 'completed' }), steps + 2, 'outline and draft');
    assert.equal(sample(after, 'builder_rate_limit_refusals_total', { tier: 'pro' }), refusals + 1, 'the 429 was counted');
    assert.match(after, /^# TYPE builder_step_retries_total counter$/m);
    assert.match(after, /^# TYPE builder_step_waits_total counter$/m);
    assert.match(after, /^# TYPE builder_vendor_jobs_total counter$/m);
    assert.match(after, /^builder_process_cpu_seconds_total /m, 'process metrics carry one prefix');
    assert.doesNotMatch(after, /builder_process_process_/);
    const slots = sample(after, 'temporal_worker_task_slots_available', { worker_type: 'ActivityWorker', task_queue: api.engine.taskQueue });
    assert.ok(slots !== undefined && slots > 0, 'the SDK worker metrics of the running worker are merged in');
    assert.ok((sample(after, 'temporal_activity_execution_latency_count', { task_queue: api.engine.taskQueue }) ?? 0) >= 2, 'the SDK counted the two activities');
  });

  it('counts steps that entered a waitpoint in builder_step_waits_total', async () => {
    const waitsBefore = sample(await (await fetch(metricsServer.url)).text(), 'builder_step_waits_total', {}) ?? 0;
    const account = await buildAccount(api.engine.db, { tier: 'business' });
    const videoKey = (await buildApiKey(api.engine.db, account.id)).secret;
    const video = await buildWorkflow(api.engine.db, account.id, {
      nodes: [
        { id: 'input', type: 'request-input', config: { fields: [{ name: 'topic', type: 'string', required: true }] } },
        { id: 'clip', type: 'video-generation', config: { model: 'sandbox-video', prompt: 'A clip of {{topic}}', sandbox: { delayMs: 50 } } },
        { id: 'output', type: 'response-output', config: {} },
      ],
      edges: [
        { source: 'input', sourcePort: 'topic', target: 'clip', targetPort: 'topic' },
        { source: 'clip', sourcePort: 'video', target: 'output', targetPort: 'video' },
      ],
    });
    const run = await fetch(`${url}/api/workflows/${video.slug}/run`, { method: 'POST', headers: { 'x-api-key': videoKey, 'content-type': 'application/json' }, body: JSON.stringify({ inputs: { topic: 'tides' } }) });
    assert.equal(run.status, 200, await run.text());
    const waitsAfter = sample(await (await fetch(metricsServer.url)).text(), 'builder_step_waits_total', {}) ?? 0;
    assert.equal(waitsAfter, waitsBefore + 1);
  });

  it('serves builder_step_* metrics from a worker-only process at METRICS_ADDRESS', async () => {
    const config = loadConfig({
      DATABASE_URL: api.engine.databaseUrl,
      TEMPORAL_ADDRESS: api.engine.env.address,
      TEMPORAL_TASK_QUEUE: `${api.engine.taskQueue}-worker-only`,
      METRICS_ADDRESS: '127.0.0.1:0',
      // A worker-only process must know where async providers call back (the API's address).
      PUBLIC_URL: api.url,
    });
    const system = await startSystem(config, { api: false, worker: true, log: () => undefined });
    try {
      assert.equal(system.apiUrl, undefined);
      const text = await (await fetch(system.metricsUrl)).text();
      assert.match(text, /^# TYPE builder_step_duration_seconds histogram$/m);
      assert.match(text, /^# TYPE builder_step_waits_total counter$/m);
    } finally {
      await system.stop();
    }
  });

  it('writes one JSON log line per request with its request id, route, status and execution id', async () => {
    const response = await fetch(`${url}/api/workflows/${slug}/run?async=true`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json', 'x-request-id': 'req-observability-1' },
      body: JSON.stringify({ inputs: { topic: 'bees' } }),
    });
    assert.equal(response.status, 202);
    const { executionId } = (await response.json()) as { executionId: string };
    const line = logLines.find((candidate) => candidate.requestId === 'req-observability-1');
    assert.ok(line, JSON.stringify(logLines));
    assert.equal(line.level, 'info');
    assert.equal(line.service, 'api');
    assert.equal(line.route, '/api/workflows/:slug/run');
    assert.equal(line.status, 202);
    assert.equal(line.executionId, executionId);
    assert.equal(typeof line.durationMs, 'number');
    assert.ok(!JSON.stringify(logLines).includes(key), 'API keys never reach the logs');
  });
});
