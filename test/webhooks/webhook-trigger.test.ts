// Webhook Trigger nodes over real HTTP, Temporal and Postgres.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { signWebhook } from '../../src/api/webhooks/signature';
import type { CanvasGraph } from '../../src/domain/types';
import { startTestApi, type TestApi } from '../support/api';
import { buildAccount, buildApiKey, buildWorkflow } from '../support/fixtures';

const SECRET = 'hook-secret-0123456789';

/** Webhook Trigger → Template (reads the event body and a header) → Response Output. */
function hookCanvas(secret?: string): CanvasGraph {
  return {
    nodes: [
      { id: 'hook', type: 'webhook-trigger', config: secret ? { secret } : {} },
      { id: 'greet', type: 'template', config: { template: 'Order {{ body.order.id }} from {{ headers.x-shop }}' } },
      { id: 'output', type: 'response-output', config: {} },
    ],
    edges: [
      { source: 'hook', sourcePort: 'body', target: 'greet', targetPort: 'body' },
      { source: 'hook', sourcePort: 'headers', target: 'greet', targetPort: 'headers' },
      { source: 'greet', sourcePort: 'text', target: 'output', targetPort: 'text' },
    ],
  };
}

describe('webhook triggers', function () {
  let api: TestApi;
  let key: string;
  let signedSlug: string;
  let openSlug: string;

  before(async () => {
    api = await startTestApi();
    const account = await buildAccount(api.engine.db);
    key = (await buildApiKey(api.engine.db, account.id)).secret;
    signedSlug = (await buildWorkflow(api.engine.db, account.id, hookCanvas(SECRET))).slug;
    openSlug = (await buildWorkflow(api.engine.db, account.id, hookCanvas())).slug;
  });
  after(async () => api?.close());

  async function hookPath(slug: string): Promise<string> {
    const response = await api.request('GET', `/api/workflows/${slug}/webhooks`, { headers: { 'x-api-key': key } });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.webhooks.length, 1);
    assert.equal(response.body.webhooks[0].nodeId, 'hook');
    assert.match(response.body.webhooks[0].url, /^http:\/\/127\.0\.0\.1:\d+\/api\/hooks\/whk\./);
    return response.body.webhooks[0].path;
  }

  async function settle(id: string) {
    for (let i = 0; i < 100; i++) {
      const poll = await api.request('GET', `/api/executions/${id}`, { headers: { 'x-api-key': key } });
      if (['completed', 'error', 'cancelled'].includes(poll.body.execution?.status)) return poll.body.execution;
      await sleep(100);
    }
    throw new Error(`run ${id} did not settle`);
  }

  it('starts the downstream graph from a delivery with a good signature and answers 202 with the execution id', async () => {
    const path = await hookPath(signedSlug);
    const raw = JSON.stringify({ order: { id: 'A-17' } });
    const timestamp = Math.floor(Date.now() / 1000);
    const started = Date.now();
    const response = await api.request('POST', path, {
      raw,
      headers: { 'x-webhook-timestamp': String(timestamp), 'x-webhook-signature': signWebhook(SECRET, timestamp, raw), 'x-shop': 'kettles' },
    });
    assert.equal(response.status, 202, JSON.stringify(response.body));
    assert.ok(Date.now() - started < 2_000, 'the sender is answered at once');
    assert.match(response.body.executionId, /^ex_/);
    const execution = await settle(response.body.executionId);
    assert.equal(execution.status, 'completed');
    assert.equal(execution.triggerType, 'webhook');
    assert.equal(execution.output, 'Order A-17 from kettles');
    const hook = execution.steps.find((step: any) => step.id === 'hook');
    assert.deepEqual(hook.output.body, { order: { id: 'A-17' } });
    assert.equal(hook.output.headers['x-shop'], 'kettles');
    assert.equal(hook.output.headers['x-webhook-signature'] !== undefined, true);
  });

  it('replays a webhook-started run with the event it received', async () => {
    const path = await hookPath(openSlug);
    const response = await api.request('POST', path, { raw: JSON.stringify({ order: { id: 'R-2' } }), headers: { 'x-shop': 'teapots' } });
    assert.equal(response.status, 202);
    const original = await settle(response.body.executionId);
    const replay = await api.request('POST', `/api/executions/${original.id}/replay`, { body: {}, headers: { 'x-api-key': key } });
    assert.equal(replay.status, 202, JSON.stringify(replay.body));
    const execution = await settle(replay.body.executionId);
    assert.equal(execution.status, 'completed');
    assert.equal(execution.triggerType, 'replay');
    assert.equal(execution.output, 'Order R-2 from teapots');
  });

  it('refuses a bad signature, a stale timestamp and a missing signature with 401 and starts nothing', async () => {
    const path = await hookPath(signedSlug);
    const before = await api.engine.db.execution.count();
    const raw = JSON.stringify({ order: { id: 'B-1' } });
    const now = Math.floor(Date.now() / 1000);

    const bad = await api.request('POST', path, { raw, headers: { 'x-webhook-timestamp': String(now), 'x-webhook-signature': signWebhook('wrong-secret', now, raw) } });
    assert.equal(bad.status, 401);
    assert.equal(bad.body.error.code, 'WEBHOOK_SIGNATURE_INVALID');

    const tampered = await api.request('POST', path, {
      raw: JSON.stringify({ order: { id: 'B-2' } }),
      headers: { 'x-webhook-timestamp': String(now), 'x-webhook-signature': signWebhook(SECRET, now, raw) },
    });
    assert.equal(tampered.status, 401);
    assert.equal(tampered.body.error.code, 'WEBHOOK_SIGNATURE_INVALID');

    const old = now - 600;
    const stale = await api.request('POST', path, { raw, headers: { 'x-webhook-timestamp': String(old), 'x-webhook-signature': signWebhook(SECRET, old, raw) } });
    assert.equal(stale.status, 401);
    assert.equal(stale.body.error.code, 'WEBHOOK_TIMESTAMP_STALE');

    const missing = await api.request('POST', path, { raw });
    assert.equal(missing.status, 401);
    assert.equal(missing.body.error.code, 'WEBHOOK_SIGNATURE_MISSING');

    assert.equal(await api.engine.db.execution.count(), before);
  });

  it('accepts unsigned deliveries of any content type on a node without a secret', async () => {
    const path = await hookPath(openSlug);
    const response = await fetch(api.url + path, { method: 'POST', body: 'plain text event', headers: { 'content-type': 'text/plain', 'x-shop': 'lamps' } });
    assert.equal(response.status, 202);
    const execution = await settle(((await response.json()) as any).executionId);
    assert.equal(execution.status, 'completed');
    assert.equal(execution.steps.find((step: any) => step.id === 'hook').output.body, 'plain text event');
  });

  it('answers 404 for tokens that were guessed or altered', async () => {
    const path = await hookPath(openSlug);
    for (const wrong of ['/api/hooks/whk.abc.def', `${path.slice(0, -4)}AAAA`, '/api/hooks/nothing']) {
      const response = await api.request('POST', wrong, { body: {} });
      assert.equal(response.status, 404, wrong);
      assert.equal(response.body.error.code, 'NOT_FOUND');
    }
  });
});
