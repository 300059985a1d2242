// Rate limits are counted in Postgres, so two API processes share one account's window.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { consumeRateLimit } from '../../src/services/rateLimits';
import { startTestApi, type TestApi } from '../support/api';
import { buildAccount, buildApiKey } from '../support/fixtures';
import { awayFromWindowEdge } from './rateLimitWindow';

describe('rate limits across API processes', function () {
  let api: TestApi;
  let second: Server;
  let secondUrl: string;

  before(async () => {
    api = await startTestApi();
    // A second "API process": its own Koa app and HTTP server, the same database.
    const app = api.appWith({ log: { error: () => undefined, info: () => undefined } });
    second = createServer(app.callback());
    await new Promise<void>((resolve) => second.listen(0, '127.0.0.1', () => resolve()));
    secondUrl = `http://127.0.0.1:${(second.address() as AddressInfo).port}`;
  });
  after(async () => {
    second?.closeAllConnections();
    await new Promise<void>((resolve) => (second ? second.close(() => resolve()) : resolve()));
    await api?.close();
  });

  it('shares one Pro account’s 100 requests a minute between two API processes', async () => {
    const account = await buildAccount(api.engine.db, { tier: 'pro' });
    const key = (await buildApiKey(api.engine.db, account.id)).secret;
    await awayFromWindowEdge();
    const get = (base: string) => fetch(`${base}/api/executions/ex_none`, { headers: { 'x-api-key': key } });
    const responses = await Promise.all(Array.from({ length: 100 }, (_, i) => get(i % 2 === 0 ? api.url : secondUrl)));
    assert.deepEqual([...new Set(responses.map((r) => r.status))], [404]);
    const remaining = responses.map((r) => Number(r.headers.get('x-ratelimit-remaining'))).sort((a, b) => a - b);
    assert.deepEqual(remaining, Array.from({ length: 100 }, (_, i) => i), 'each request saw a distinct count across both processes');
    for (const base of [api.url, secondUrl]) {
      const over = await get(base);
      assert.equal(over.status, 429);
      assert.equal(((await over.json()) as any).error.code, 'RATE_LIMIT_EXCEEDED');
      assert.ok(Number(over.headers.get('retry-after')) >= 1);
    }
  });

  it('gives Business 1,000 requests a minute and Enterprise no limit (no limit headers)', async () => {
    const business = await buildAccount(api.engine.db, { tier: 'business' });
    const businessKey = (await buildApiKey(api.engine.db, business.id)).secret;
    const response = await fetch(`${secondUrl}/api/executions/ex_none`, { headers: { 'x-api-key': businessKey } });
    assert.equal(response.headers.get('x-ratelimit-limit'), '1000');
    assert.equal(response.headers.get('x-ratelimit-remaining'), '999');

    const enterprise = await buildAccount(api.engine.db, { tier: 'enterprise' });
    const enterpriseKey = (await buildApiKey(api.engine.db, enterprise.id)).secret;
    const responses = await Promise.all(
      Array.from({ length: 150 }, () => fetch(`${api.url}/api/executions/ex_none`, { headers: { 'x-api-key': enterpriseKey } })),
    );
    assert.deepEqual([...new Set(responses.map((r) => r.status))], [404]);
    assert.equal(responses[0]!.headers.get('x-ratelimit-limit'), null);
    assert.equal(await api.engine.db.rateLimitWindow.count({ where: { accountId: enterprise.id } }), 0);
  });

  it('starts a fresh window each minute and resets at the window’s end', async () => {
    const account = await buildAccount(api.engine.db, { tier: 'pro' });
    const t0 = Date.UTC(2030, 0, 1, 12, 0, 30);
    const first = await consumeRateLimit(api.engine.db, account.id, 'pro', t0);
    assert.deepEqual(first, { limit: 100, remaining: 99, resetAt: Date.UTC(2030, 0, 1, 12, 1, 0) / 1000, retryAfter: 0, allowed: true, windowStartMs: Date.UTC(2030, 0, 1, 12, 0, 0) });
    const next = await consumeRateLimit(api.engine.db, account.id, 'pro', t0 + 60_000);
    assert.equal(next!.remaining, 99);
    assert.equal(await api.engine.db.rateLimitWindow.count({ where: { accountId: account.id } }), 1, 'old windows are cleaned up');
  });
});
