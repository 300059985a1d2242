// POST /api/execute/start: manual trigger only, idempotency keys (also under 50 concurrent
// repeats), client-chosen ids; the retired /api/execute and the internal /api/execute/worker.
import assert from 'node:assert/strict';
import { startTestApi, type TestApi } from '../support/api';
import { buildAccount, buildApiKey, buildWorkflow, chain } from '../support/fixtures';

const text = () => chain([{ id: 'gen', type: 'text-generation', config: { model: 'sandbox-text', prompt: 'About {{topic}}' } }], 'gen');

describe('POST /api/execute/start', function () {
  let api: TestApi;
  let key: string;
  let accountId: string;
  let canvasId: string;

  before(async () => {
    api = await startTestApi();
    const account = await buildAccount(api.engine.db, { tier: 'business' });
    accountId = account.id;
    key = (await buildApiKey(api.engine.db, account.id)).secret;
    canvasId = (await buildWorkflow(api.engine.db, account.id, text())).canvasId;
  });
  after(async () => api?.close());

  const start = (body: unknown, headers: Record<string, string> = {}) =>
    api.request('POST', '/api/execute/start', { body, headers: { 'x-api-key': key, 'x-trigger-type': 'manual', ...headers } });

  it('admits a manual run of the canvas with 202 and an execution id', async () => {
    const response = await start({ canvasId, inputs: { topic: 'tides' } });
    assert.equal(response.status, 202, JSON.stringify(response.body));
    const execution = await api.engine.db.execution.findUniqueOrThrow({ where: { id: response.body.executionId } });
    assert.equal(execution.triggerType, 'manual');
  });

  it('refuses any X-Trigger-Type other than manual with 400 INVALID_TRIGGER_TYPE', async () => {
    for (const type of ['api', 'webhook', 'MANUAL', '']) {
      const response = await api.request('POST', '/api/execute/start', {
        body: { canvasId, inputs: { topic: 'x' } },
        headers: { 'x-api-key': key, ...(type ? { 'x-trigger-type': type } : {}) },
      });
      assert.equal(response.status, 400, type);
      assert.equal(response.body.error.code, 'INVALID_TRIGGER_TYPE');
    }
  });

  it('answers 50 concurrent requests with one Idempotency-Key with one execution and 50 identical answers', async () => {
    const idempotencyKey = `key-${Date.now()}`;
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => start({ canvasId, inputs: { topic: 'once' } }, { 'idempotency-key': idempotencyKey })),
    );
    assert.deepEqual([...new Set(responses.map((r) => r.status))], [202]);
    assert.equal(new Set(responses.map((r) => JSON.stringify(r.body))).size, 1, 'identical bodies');
    assert.equal(await api.engine.db.execution.count({ where: { accountId, idempotencyKey } }), 1);
    assert.equal(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true').length, 49);
    const later = await start({ inputs: { topic: 'once' }, canvasId }, { 'idempotency-key': idempotencyKey });
    assert.equal(later.status, 202);
    assert.deepEqual(later.body, responses[0]!.body, 'a later repeat (keys in another order) replays the first answer');
  });

  it('refuses the same Idempotency-Key with a different body with 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const idempotencyKey = `key-reuse-${Date.now()}`;
    assert.equal((await start({ canvasId, inputs: { topic: 'a' } }, { 'idempotency-key': idempotencyKey })).status, 202);
    const reused = await start({ canvasId, inputs: { topic: 'b' } }, { 'idempotency-key': idempotencyKey });
    assert.equal(reused.status, 422);
    assert.equal(reused.body.error.code, 'IDEMPOTENCY_KEY_REUSED');
  });

  it('does not keep a failed first answer: a corrected retry with the same key runs', async () => {
    const idempotencyKey = `key-fix-${Date.now()}`;
    const missing = await start({ canvasId, inputs: {} }, { 'idempotency-key': idempotencyKey });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error.code, 'INVALID_INPUTS');
    assert.equal((await start({ canvasId, inputs: {} }, { 'idempotency-key': idempotencyKey })).status, 400);
  });

  it('uses a client-chosen execution id, and answers 409 when it is taken', async () => {
    const executionId = `client-${Date.now()}`;
    const first = await start({ canvasId, executionId, inputs: { topic: 'x' } });
    assert.equal(first.status, 202);
    assert.equal(first.body.executionId, executionId);
    const balance = (await api.engine.db.account.findUniqueOrThrow({ where: { id: accountId } })).creditBalance;
    const again = await start({ canvasId, executionId, inputs: { topic: 'x' } });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'EXECUTION_EXISTS');
    assert.equal((await api.engine.db.account.findUniqueOrThrow({ where: { id: accountId } })).creditBalance, balance, 'nothing debited');
  });

  it('answers 404 for another account’s canvas and an unknown one alike, 400 for a malformed body', async () => {
    const other = await buildAccount(api.engine.db);
    const theirs = (await buildWorkflow(api.engine.db, other.id, text())).canvasId;
    const a = await start({ canvasId: theirs, inputs: { topic: 'x' } });
    const b = await start({ canvasId: 'cnv_unknown', inputs: { topic: 'x' } });
    assert.equal(a.status, 404);
    assert.equal(b.status, 404);
    assert.equal(a.body.error.code, b.body.error.code);
    assert.equal((await start({ canvasId: 42 })).status, 400);
    assert.equal((await start({ canvasId, surprise: true })).status, 400);
  });

  it('answers 410 on the retired /api/execute for any method, and 404 on the internal /api/execute/worker', async () => {
    for (const method of ['GET', 'POST', 'PUT', 'DELETE']) {
      const response = await api.request(method, '/api/execute', method === 'GET' || method === 'DELETE' ? {} : { raw: 'not json' });
      assert.equal(response.status, 410, method);
      assert.equal(response.body.error.code, 'GONE');
    }
    const unknown = await api.request('POST', '/api/no-such-route', { body: {} });
    for (const method of ['GET', 'POST']) {
      const worker = await api.request(method, '/api/execute/worker', method === 'POST' ? { body: { executionId: 'x' }, headers: { 'x-api-key': key } } : {});
      assert.equal(worker.status, 404);
      assert.equal(worker.body.error.code, unknown.body.error.code);
    }
  });
});
