// NUL characters and lone UTF-16 surrogates: Postgres cannot store them, so they are refused before
// they reach it, with the status a user can act on (400 for inputs and bodies, 404 for ids).
import assert from 'node:assert/strict';
import { startTestApi, type TestApi } from '../support/api';
import { buildAccount, buildApiKey, buildWorkflow, chain } from '../support/fixtures';

describe('NUL bytes and lone surrogates in ids and inputs', function () {
  let api: TestApi;
  let key: string;
  let slug: string;
  let canvasId: string;

  before(async () => {
    api = await startTestApi();
    const account = await buildAccount(api.engine.db, { tier: 'enterprise' });
    key = (await buildApiKey(api.engine.db, account.id)).secret;
    const workflow = await buildWorkflow(api.engine.db, account.id, chain([{ id: 'gen', type: 'text-generation', config: { model: 'sandbox-text', prompt: '{{topic}}' } }], 'gen'));
    slug = workflow.slug;
    canvasId = workflow.canvasId;
  });
  after(async () => api?.close());

  const headers = () => ({ 'x-api-key': key });

  for (const [label, value] of [
    ['a NUL character', 'a\u0000b'],
    ['a lone high surrogate', 'x\ud800y'],
    ['a lone low surrogate', '\udc00'],
  ] as const) {
    it(`answers 400 INVALID_INPUTS naming the field when an input holds ${label}`, async () => {
      for (const path of [`/api/workflows/${slug}/run`, `/api/workflows/${slug}/run?async=true`, `/api/mcp/workflows/${slug}/run?async=true`]) {
        const response = await api.request('POST', path, { body: { inputs: { topic: value } }, headers: headers() });
        assert.equal(response.status, 400, `${path}: ${JSON.stringify(response.body)}`);
        assert.equal(response.body.error.code, 'INVALID_INPUTS');
        assert.deepEqual(response.body.error.fields.map((f: { field: string }) => f.field), ['topic'], 'named like every other INVALID_INPUTS field');
      }
      const start = await api.request('POST', '/api/execute/start', {
        body: { canvasId, inputs: { topic: value } },
        headers: { ...headers(), 'x-trigger-type': 'manual' },
      });
      assert.equal(start.status, 400, JSON.stringify(start.body));
      assert.equal(start.body.error.code, 'INVALID_INPUTS');
    });
  }

  it('answers 400 INVALID_INPUTS when an input object has a key with a NUL character', async () => {
    const response = await api.request('POST', `/api/workflows/${slug}/run`, { body: { inputs: { topic: 'ok', ['k\u0000']: 1 } }, headers: headers() });
    assert.equal(response.status, 400, JSON.stringify(response.body));
    assert.equal(response.body.error.code, 'INVALID_INPUTS');
  });

  it('answers 404 for an execution id or key id holding %00, and 400 for a query holding one', async () => {
    for (const [method, path] of [
      ['GET', '/api/executions/%00'],
      ['GET', '/api/executions/ex_%00abc'],
      ['GET', '/api/executions/%00/events'],
      ['POST', '/api/executions/%00/cancel'],
      ['POST', '/api/executions/%00/replay'],
      ['POST', '/api/providers/callbacks/%00/%00?token=x'],
    ] as const) {
      const response = await api.request(method, path, { headers: headers(), ...(method === 'POST' ? { body: {} } : {}) });
      assert.equal(response.status, 404, `${method} ${path}: ${JSON.stringify(response.body)}`);
      assert.equal(response.body.error.code, 'NOT_FOUND');
    }
    const admin = { authorization: `Bearer ${api.adminToken}` };
    for (const path of ['/admin/api-keys/%00/revoke', '/admin/accounts/%00/api-keys']) {
      const response = await api.request('POST', path, { headers: admin, body: { capabilities: ['workflow:run'] } });
      assert.equal(response.status, 404, `${path}: ${JSON.stringify(response.body)}`);
    }
    const list = await api.request('GET', '/api/executions?workflow=%00', { headers: headers() });
    assert.equal(list.status, 400, JSON.stringify(list.body));
    assert.equal(list.body.error.code, 'INVALID_REQUEST');
  });
});
