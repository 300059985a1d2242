// A Postgres outage, for real (a TCP proxy between the API and Postgres cuts every connection and
// refuses new ones): every route answers 503 SERVICE_UNAVAILABLE with Retry-After, never 500, and
// the API recovers by itself once the database is back.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApp } from '../../src/api/app';
import { webhookToken } from '../../src/api/webhooks/tokens';
import { createPrisma, type Db } from '../../src/db/client';
import { EventHub } from '../../src/events/hub';
import { Admissions } from '../../src/services/admission';
import { CuttableProxy, throughProxy } from '../support/cuttableProxy';
import { startTestEngine, type TestEngine } from '../support/engine';
import { buildAccount, buildApiKey, buildWorkflow, chain } from '../support/fixtures';

const ADMIN = 'outage-admin-token-0123456789';

describe('API during a database outage', function () {
  let engine: TestEngine;
  let proxy: CuttableProxy;
  let db: Db;
  let events: EventHub;
  let server: Server;
  let url: string;

  before(async () => {
    engine = await startTestEngine();
    const target = new URL(engine.databaseUrl);
    proxy = new CuttableProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const proxiedUrl = throughProxy(engine.databaseUrl, await proxy.start());
    db = createPrisma(proxiedUrl);
    events = new EventHub(proxiedUrl);
    const admissions = new Admissions({ db, temporal: engine.env.client, taskQueue: engine.taskQueue, markup: 1, runTimeoutMs: 60_000 });
    const app = createApp({
      db,
      temporal: engine.env.client,
      admissions,
      events,
      config: { ADMIN_TOKEN: ADMIN, TEMPORAL_TASK_QUEUE: engine.taskQueue },
      log: { error: (obj) => console.error('API error', obj), info: () => undefined },
    });
    server = createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    proxy?.close();
    await events?.close();
    await db?.$disconnect().catch(() => undefined);
    await engine?.close();
  });

  it('answers 503 SERVICE_UNAVAILABLE with Retry-After on every route while Postgres is unreachable, and recovers by itself', async () => {
    const account = await buildAccount(engine.db, { tier: 'pro' });
    const key = (await buildApiKey(engine.db, account.id)).secret;
    const workflow = await buildWorkflow(engine.db, account.id, chain([{ id: 'gen', type: 'text-generation', config: { prompt: '{{topic}}' } }], 'gen'));
    const apiKey = { 'x-api-key': key };
    const admin = { authorization: `Bearer ${ADMIN}` };
    const routes: Array<[string, string, Record<string, string>, unknown?]> = [
      ['POST', `/api/workflows/${workflow.slug}/run`, apiKey, { inputs: { topic: 'x' } }],
      ['POST', `/api/workflows/${workflow.slug}/run?async=true`, { ...apiKey, 'idempotency-key': 'outage-1' }, { inputs: { topic: 'x' } }],
      ['GET', `/api/workflows/${workflow.slug}/schema`, apiKey],
      ['GET', '/api/executions', apiKey],
      ['GET', '/api/executions/ex_missing', apiKey],
      ['GET', '/api/executions/ex_missing/events', apiKey],
      ['POST', '/api/executions/ex_missing/cancel', apiKey, {}],
      ['POST', '/api/executions/ex_missing/replay', apiKey, {}],
      ['POST', '/api/execute/start', { ...apiKey, 'x-trigger-type': 'manual' }, { canvasId: workflow.canvasId }],
      ['GET', '/api/mcp/workflows', apiKey],
      ['POST', `/api/mcp/workflows/${workflow.slug}/run?async=true`, apiKey, { inputs: { topic: 'x' } }],
      ['POST', '/api/providers/callbacks/ex_missing/step?token=t', {}, { jobId: 'j', status: 'succeeded' }],
      ['POST', `/api/hooks/${webhookToken(account.webhookSecret, workflow.canvasId, 'hook')}`, {}, { a: 1 }],
      ['POST', '/admin/accounts', admin, { name: 'n', tier: 'pro', approved: true, creditBalance: 1 }],
      ['POST', `/admin/accounts/${account.id}/api-keys`, admin, { capabilities: ['workflow:run'] }],
    ];
    const send = async ([method, path, headers, body]: (typeof routes)[number]) => {
      const started = performance.now();
      const response = await fetch(url + path, {
        method,
        headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      return { status: response.status, retryAfter: response.headers.get('retry-after'), text, ms: performance.now() - started };
    };

    assert.equal((await send(routes[3]!)).status, 200, 'the API works before the outage');
    proxy.cut();
    const during: Array<{ route: string; status: number; ms: number }> = [];
    for (const route of routes) {
      const answer = await send(route);
      during.push({ route: `${route[0]} ${route[1]}`, status: answer.status, ms: answer.ms });
      assert.equal(answer.status, 503, `${route[0]} ${route[1]} → ${answer.status} ${answer.text.slice(0, 300)}`);
      assert.equal(JSON.parse(answer.text).error.code, 'SERVICE_UNAVAILABLE');
      assert.match(answer.retryAfter ?? '', /^\d+$/, `${route[1]} has Retry-After`);
    }

    proxy.restore();
    const restoredAt = performance.now();
    let recovered = await send(routes[3]!);
    for (let i = 0; i < 100 && recovered.status !== 200; i++) {
      await sleep(100);
      recovered = await send(routes[3]!);
    }
    assert.equal(recovered.status, 200, `recovered without a restart: ${recovered.text.slice(0, 200)}`);
    const run = await send(routes[1]!);
    assert.equal(run.status, 202, `a run is admitted again after the outage: ${run.text.slice(0, 200)}`);

    const ms = during.map((d) => d.ms).sort((a, b) => a - b);
    console.log(
      `      outage figures: ${during.length} routes, ${during.filter((d) => d.status === 503).length} × 503, ` +
        `answer time p50 ${ms[Math.floor(ms.length / 2)]!.toFixed(0)} ms, max ${ms.at(-1)!.toFixed(0)} ms; ` +
        `first 200 ${(performance.now() - restoredAt).toFixed(0)} ms after Postgres came back`,
    );
  });
});
