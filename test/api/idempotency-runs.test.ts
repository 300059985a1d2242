// Idempotency-Key on the run API (sync and async) and the MCP run tool: the semantics of
// /api/execute/start (same key + same body → the same answer, replayed; a different body → 422;
// scope: the account), so a client that lost its connection can retry without paying twice.
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startTestApi, type TestApi } from '../support/api';
import { buildAccount, buildApiKey, buildWorkflow, chain } from '../support/fixtures';

describe('Idempotency-Key on the run API and the MCP run tool', function () {
  let api: TestApi;
  let key: string;
  let slug: string;
  let failingSlug: string;

  before(async () => {
    api = await startTestApi();
    const account = await buildAccount(api.engine.db, { tier: 'business', creditBalance: 10_000 });
    key = (await buildApiKey(api.engine.db, account.id)).secret;
    slug = (await buildWorkflow(api.engine.db, account.id, chain([{ id: 'gen', type: 'text-generation', config: { model: 'sandbox-text', prompt: '{{topic}}' } }], 'gen'))).slug;
    failingSlug = (
      await buildWorkflow(
        api.engine.db,
        account.id,
        chain([{ id: 'bad', type: 'text-generation', config: { model: 'sandbox-text', prompt: '{{topic}}', retry: { maximumAttempts: 1 }, sandbox: { failureRate: 1 } } }], 'bad'),
      )
    ).slug;
  });
  after(async () => api?.close());

  const run = (path: string, body: unknown, idempotencyKey: string, secret = key) =>
    api.request('POST', path, { body, headers: { 'x-api-key': secret, 'idempotency-key': idempotencyKey } });
  const executionsWithKey = (idempotencyKey: string) => api.engine.db.execution.count({ where: { idempotencyKey } });

  for (const [label, path] of [
    ['the async run API', () => `/api/workflows/${slug}/run?async=true`],
    ['the sync run API', () => `/api/workflows/${slug}/run`],
    ['the MCP run route', () => `/api/mcp/workflows/${slug}/run?async=true`],
  ] as const) {
    it(`${label}: a repeat with the same key and body gets the first answer, replayed, and starts no second run`, async () => {
      const idempotencyKey = `k-${label}-${Date.now()}`;
      const first = await run(path(), { inputs: { topic: 'tides' } }, idempotencyKey);
      assert.ok(first.status === 200 || first.status === 202, JSON.stringify(first.body));
      assert.equal(first.headers.get('idempotent-replayed'), null);
      const again = await run(path(), { inputs: { topic: 'tides' } }, idempotencyKey);
      assert.equal(again.status, first.status);
      assert.deepEqual(again.body, first.body);
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      assert.equal(await executionsWithKey(idempotencyKey), 1);
    });
  }

  it('answers concurrent repeats of an async run with one execution and identical answers', async () => {
    const idempotencyKey = `k-concurrent-${Date.now()}`;
    const answers = await Promise.all(Array.from({ length: 20 }, () => run(`/api/workflows/${slug}/run?async=true`, { inputs: { topic: 'x' } }, idempotencyKey)));
    assert.ok(answers.every((a) => a.status === 202), JSON.stringify(answers.map((a) => a.body)));
    assert.equal(new Set(answers.map((a) => a.body.executionId)).size, 1);
    assert.equal(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true').length, 19);
    assert.equal(await executionsWithKey(idempotencyKey), 1);
  });

  it('refuses the same key with a different body, or on another route, with 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const idempotencyKey = `k-reuse-${Date.now()}`;
    assert.equal((await run(`/api/workflows/${slug}/run?async=true`, { inputs: { topic: 'a' } }, idempotencyKey)).status, 202);
    for (const [path, body] of [
      [`/api/workflows/${slug}/run?async=true`, { inputs: { topic: 'b' } }],
      [`/api/workflows/${slug}/run`, { inputs: { topic: 'a' } }],
      [`/api/mcp/workflows/${slug}/run?async=true`, { inputs: { topic: 'a' } }],
    ] as const) {
      const reused = await run(path, body, idempotencyKey);
      assert.equal(reused.status, 422, `${path}: ${JSON.stringify(reused.body)}`);
      assert.equal(reused.body.error.code, 'IDEMPOTENCY_KEY_REUSED');
    }
    assert.equal(await executionsWithKey(idempotencyKey), 1);
  });

  it('scopes keys to the account: another account with the same key gets its own run', async () => {
    const idempotencyKey = `k-scope-${Date.now()}`;
    const other = await buildAccount(api.engine.db, { tier: 'business' });
    const otherKey = (await buildApiKey(api.engine.db, other.id)).secret;
    const otherSlug = (await buildWorkflow(api.engine.db, other.id, chain([{ id: 'gen', type: 'text-generation', config: { prompt: '{{topic}}' } }], 'gen'), slug)).slug;
    const mine = await run(`/api/workflows/${slug}/run?async=true`, { inputs: { topic: 'a' } }, idempotencyKey);
    const theirs = await run(`/api/workflows/${otherSlug}/run?async=true`, { inputs: { topic: 'a' } }, idempotencyKey, otherKey);
    assert.equal(theirs.status, 202);
    assert.equal(theirs.headers.get('idempotent-replayed'), null);
    assert.notEqual(theirs.body.executionId, mine.body.executionId);
  });

  it('replays a failed sync run’s 500 EXECUTION_FAILED instead of running (and charging) it again', async () => {
    const idempotencyKey = `k-failed-${Date.now()}`;
    const first = await run(`/api/workflows/${failingSlug}/run`, { inputs: { topic: 'x' } }, idempotencyKey);
    assert.equal(first.status, 500, JSON.stringify(first.body));
    assert.equal(first.body.error.code, 'EXECUTION_FAILED');
    const again = await run(`/api/workflows/${failingSlug}/run`, { inputs: { topic: 'x' } }, idempotencyKey);
    assert.equal(again.status, 500);
    assert.deepEqual(again.body, first.body);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(await executionsWithKey(idempotencyKey), 1);
  });

  it('does not keep a refused first attempt: a corrected retry with the same key runs', async () => {
    const idempotencyKey = `k-corrected-${Date.now()}`;
    const refused = await run(`/api/workflows/${slug}/run?async=true`, { inputs: {} }, idempotencyKey);
    assert.equal(refused.status, 400);
    // The refused attempt stored nothing, so a corrected body under the same key is a first use, not a 422.
    const corrected = await run(`/api/workflows/${slug}/run?async=true`, { inputs: { topic: 'x' } }, idempotencyKey);
    assert.equal(corrected.status, 202, JSON.stringify(corrected.body));
    assert.equal(corrected.headers.get('idempotent-replayed'), null);
  });

  it('the MCP run_workflow tool takes an idempotencyKey: calling it twice returns the same run', async () => {
    const client = new Client({ name: 'idempotency-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${api.url}/mcp`), { requestInit: { headers: { 'x-api-key': key } } }));
    try {
      const idempotencyKey = `k-mcp-tool-${Date.now()}`;
      const call = async () =>
        ((await client.callTool({ name: 'run_workflow', arguments: { slug, inputs: { topic: 'reefs' }, async: true, idempotencyKey } }, undefined, { timeout: 60_000 })) as {
          structuredContent: any;
        }).structuredContent;
      const first = await call();
      const second = await call();
      assert.equal(first.success, true, JSON.stringify(first));
      assert.equal(second.executionId, first.executionId);
      assert.equal(await executionsWithKey(idempotencyKey), 1);
    } finally {
      await client.close();
    }
  });
});
