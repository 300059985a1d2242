// A burst of admissions on one API process, with no fault: no request gets a 5xx other than a 503
// SERVICE_UNAVAILABLE with Retry-After (the database's connections all busy), and those 503s do not
// use the account's rate-limit slots.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApp } from '../../src/api/app';
import { startTestEngine, type TestEngine } from '../support/engine';
import { buildAccount, buildApiKey, buildWorkflow, chain } from '../support/fixtures';

describe('a burst of 200 concurrent admissions on one API process', function () {
  let engine: TestEngine;
  let server: Server;
  let url: string;

  before(async () => {
    // No worker: the runs are admitted and started in Temporal, which is what the burst measures.
    engine = await startTestEngine();
    const app = createApp({
      db: engine.db,
      temporal: engine.env.client,
      admissions: engine.admissions,
      config: { ADMIN_TOKEN: 'burst-admin-token-0123456789', TEMPORAL_TASK_QUEUE: engine.taskQueue },
      log: { error: (obj) => console.error('API error', obj), info: () => undefined },
    });
    server = createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await engine?.close();
  });

  it('answers every request 202 or 503 with Retry-After, and counts only the admitted ones against the rate limit', async () => {
    const account = await buildAccount(engine.db, { tier: 'business', creditBalance: 100_000 });
    const key = (await buildApiKey(engine.db, account.id)).secret;
    const workflow = await buildWorkflow(engine.db, account.id, chain([{ id: 'gen', type: 'text-generation', config: { model: 'sandbox-text', prompt: '{{topic}}' } }], 'gen'));
    // The whole burst and its refunds must fall in one rate-limit window.
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 45_000) await sleep(left + 50);
    const answers = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const response = await fetch(`${url}/api/workflows/${workflow.slug}/run?async=true`, {
          method: 'POST',
          headers: { 'x-api-key': key, 'content-type': 'application/json' },
          body: JSON.stringify({ inputs: { topic: `burst ${i}` } }),
        });
        return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.text() };
      }),
    );
    const unexpected = answers.filter((a) => a.status !== 202 && a.status !== 503);
    assert.deepEqual(unexpected.map((a) => `${a.status} ${a.body.slice(0, 160)}`), [], 'only 202s and 503s');
    for (const busy of answers.filter((a) => a.status === 503)) {
      assert.equal(JSON.parse(busy.body).error.code, 'SERVICE_UNAVAILABLE');
      assert.match(busy.retryAfter ?? '', /^\d+$/);
    }
    const admitted = answers.filter((a) => a.status === 202).length;
    assert.equal(await engine.db.execution.count({ where: { accountId: account.id } }), admitted, 'one execution per 202');
    // 503s give their slot back in the background (retried while the pool is saturated): wait for it to settle.
    const counted = async () => (await engine.db.rateLimitWindow.findMany({ where: { accountId: account.id } })).reduce((sum, w) => sum + w.count, 0);
    for (let i = 0; i < 200 && (await counted()) !== admitted; i++) await sleep(100);
    assert.equal(await counted(), admitted, 'a 503 uses no rate-limit slot');
  });
});
