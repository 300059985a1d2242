// Real answers of every route, success and the main errors, checked against /openapi.json: the test
// harness (test/support/api.ts) runs each answer through the document's schemas with Ajv and throws
// on anything undocumented; here every operation is exercised and the live events are checked too.
import assert from 'node:assert/strict';
import { TEXT_CHAIN } from '../../src/demo/workflows';
import type { CanvasGraph } from '../../src/domain/types';
import { startTestApi, type TestApi } from '../support/api';
import { contractChecker } from '../support/contract';
import { executionReader, ended } from '../support/executions';
import { sandboxVideoCanvas } from '../support/fixtures';

/** Webhook Trigger → Template → Response Output. */
const HOOK_CANVAS: CanvasGraph = {
  nodes: [
    { id: 'hook', type: 'webhook-trigger', config: {} },
    { id: 'greet', type: 'template', config: { template: 'Order {{ body.order }}' } },
    { id: 'output', type: 'response-output', config: {} },
  ],
  edges: [
    { source: 'hook', sourcePort: 'body', target: 'greet', targetPort: 'body' },
    { source: 'greet', sourcePort: 'text', target: 'output', targetPort: 'text' },
  ],
};


/** Operations not answered with a 2xx here, and why. */
const NO_SUCCESS_HERE: Record<string, string> = {};

describe('every route answers what /openapi.json documents', function () {
  let api: TestApi;
  let admin: Record<string, string>;
  let accountId: string;
  let key: string;
  let slug: string;
  let canvasId: string;
  let completedId: string;
  const auth = () => ({ 'x-api-key': key });
  const { waitFor } = executionReader(() => api, auth);
  const expect = async (status: number, method: string, path: string, options: Parameters<TestApi['request']>[2] = {}) => {
    const response = await api.request(method, path, options);
    assert.equal(response.status, status, `${method} ${path}: ${JSON.stringify(response.body)?.slice(0, 400)}`);
    return response;
  };

  before(async () => {
    api = await startTestApi();
    admin = { authorization: `Bearer ${api.adminToken}` };
  });
  after(async () => api?.close());

  it('admin routes: create an account, keys, grants and workflows; refuse bad bodies, unknown ids and a wrong token', async () => {
    const account = await expect(201, 'POST', '/admin/accounts', { headers: admin, body: { name: 'Contract', tier: 'enterprise', creditBalance: 10_000 } });
    accountId = account.body.account.id;
    await expect(409, 'POST', '/admin/accounts', { headers: admin, body: { id: accountId, name: 'Again' } });
    await expect(400, 'POST', '/admin/accounts', { headers: admin, body: { name: 'Gold', tier: 'gold' } });
    const wrong = await expect(401, 'POST', '/admin/accounts', { headers: { authorization: 'Bearer wrong' }, body: { name: 'x' } });
    const missing = await expect(401, 'POST', '/admin/accounts', { body: { name: 'x' } });
    assert.match(wrong.body.error.message, /^Wrong admin token/);
    assert.match(missing.body.error.message, /^No admin token/);
    await expect(415, 'POST', '/admin/accounts', { headers: { ...admin, 'content-type': 'text/plain' }, raw: 'name=x' });
    await expect(400, 'POST', '/admin/accounts', { headers: admin, raw: '{not json' });

    key = (await expect(201, 'POST', `/admin/accounts/${accountId}/api-keys`, { headers: admin, body: { name: 'contract' } })).body.secret;
    await expect(404, 'POST', '/admin/accounts/acct_missing/api-keys', { headers: admin, body: {} });
    await expect(201, 'POST', `/admin/accounts/${accountId}/grants`, { headers: admin, body: { model: 'sandbox-text', credits: 5 } });
    await expect(400, 'POST', `/admin/accounts/${accountId}/grants`, { headers: admin, body: { model: 'no-such-model', credits: 5 } });

    const workflow = await expect(201, 'POST', `/admin/accounts/${accountId}/workflows`, { headers: admin, body: { slug: `chain-${Date.now()}`, name: 'Chain', graph: TEXT_CHAIN } });
    slug = workflow.body.workflow.slug;
    canvasId = workflow.body.workflow.canvasId;
    await expect(409, 'POST', `/admin/accounts/${accountId}/workflows`, { headers: admin, body: { slug, name: 'Again', graph: TEXT_CHAIN } });
    await expect(400, 'POST', `/admin/accounts/${accountId}/workflows`, { headers: admin, body: { slug: 'bad-graph', name: 'Bad', graph: { nodes: 'x' } } });
    // A canvas is planned when saved: the refusal its first run would get comes now, and nothing is saved.
    const huge = { nodes: [...TEXT_CHAIN.nodes, { id: 'poster', type: 'image-generation', config: { prompt: 'huge', width: 9000 } }], edges: TEXT_CHAIN.edges };
    const tooWide = await expect(422, 'POST', `/admin/accounts/${accountId}/workflows`, { headers: admin, body: { slug: 'too-wide', name: 'Too wide', graph: huge } });
    assert.deepEqual([tooWide.body.error.code, tooWide.body.error.nodeId, tooWide.body.error.field], ['INVALID_WORKFLOW', 'poster', 'width']);
    const noPort = { nodes: TEXT_CHAIN.nodes, edges: [...TEXT_CHAIN.edges, { source: 'draft', sourcePort: 'nope', target: 'output', targetPort: 'extra' }] };
    const dangling = await expect(422, 'POST', `/admin/accounts/${accountId}/workflows`, { headers: admin, body: { slug: 'no-port', name: 'No port', graph: noPort } });
    assert.equal(dangling.body.error.code, 'INVALID_WORKFLOW');
    assert.match(dangling.body.error.message, /nope/);
    assert.equal(await api.engine.db.workflow.count({ where: { slug: { in: ['too-wide', 'no-port'] } } }), 0);
    await expect(422, 'PATCH', `/admin/workflows/${canvasId}`, { headers: admin, body: { graph: huge } });
    await expect(200, 'PATCH', `/admin/workflows/${canvasId}`, { headers: admin, body: { name: 'Chain (renamed)' } });
    await expect(404, 'PATCH', '/admin/workflows/cnv_missing', { headers: admin, body: { name: 'x' } });

    const spare = await expect(201, 'POST', `/admin/accounts/${accountId}/api-keys`, { headers: admin, body: {} });
    await expect(200, 'POST', `/admin/api-keys/${spare.body.apiKey.id}/revoke`, { headers: admin });
    await expect(404, 'POST', '/admin/api-keys/key_missing/revoke', { headers: admin });
    await expect(401, 'GET', `/api/workflows/${slug}/schema`, { headers: { 'x-api-key': spare.body.secret } });
  });

  it('workflow routes: the list, schema, estimate, sync and async runs, and their refusals', async () => {
    const listed = await expect(200, 'GET', '/api/workflows', { headers: auth() });
    assert.deepEqual(listed.body.workflows.map((w: { slug: string; inputs: Array<{ name: string }> }) => [w.slug, w.inputs.map((i) => i.name)]), [[slug, ['topic']]]);
    await expect(401, 'GET', '/api/workflows');
    await expect(200, 'GET', `/api/workflows/${slug}/schema`, { headers: auth() });
    await expect(404, 'GET', '/api/workflows/no-such-flow/schema', { headers: auth() });
    await expect(401, 'GET', `/api/workflows/${slug}/schema`);
    await expect(200, 'POST', `/api/workflows/${slug}/estimate`, { headers: auth(), body: { inputs: { topic: 'tides' } } });
    await expect(200, 'POST', `/api/workflows/${slug}/estimate`, { headers: auth(), body: {} });
    const sync = await expect(200, 'POST', `/api/workflows/${slug}/run`, { headers: auth(), body: { inputs: { topic: 'tides' } } });
    completedId = sync.body.executionId;
    const accepted = await expect(202, 'POST', `/api/workflows/${slug}/run?async=true`, { headers: auth(), body: { inputs: { topic: 'waves' } } });
    await waitFor(accepted.body.executionId, ended);
    await expect(400, 'POST', `/api/workflows/${slug}/run`, { headers: auth(), body: { inputs: { topic: 42 } } });
    const maybe = await expect(400, 'POST', `/api/workflows/${slug}/run?async=maybe`, { headers: auth(), body: { inputs: { topic: 'tides' } } });
    assert.equal(maybe.body.error.code, 'INVALID_REQUEST');
    assert.match(maybe.body.error.message, /async must be one of "true", "false"/);
    await expect(400, 'POST', `/api/workflows/${slug}/run`, { headers: auth(), body: { inputs: {}, callbackUrl: 'not a url' } });
    await expect(404, 'POST', '/api/workflows/no-such-flow/run', { headers: auth(), body: { inputs: {} } });
  });

  it('execution routes: list, read, live events, cancel, replay, view tokens and the graph', async () => {
    await expect(200, 'GET', '/api/executions?limit=5', { headers: auth() });
    await expect(200, 'GET', `/api/executions?trigger=api&status=completed&workflow=${slug}`, { headers: auth() });
    await expect(400, 'GET', '/api/executions?limit=0', { headers: auth() });
    await expect(200, 'GET', `/api/executions/${completedId}`, { headers: auth() });
    await expect(404, 'GET', '/api/executions/exe_missing', { headers: auth() });

    // The stream of a finished run ends after run.end: every event is one of the document's SseEvents.
    const stream = await expect(200, 'GET', `/api/executions/${completedId}/events`, { headers: auth() });
    const events = parseSse(String(stream.body));
    assert.ok(events.some((event) => event.type === 'run.end'), 'the stream ends with run.end');
    assert.ok(events.some((event) => event.type === 'step.token'), 'text steps stream tokens');
    for (const event of events) assert.deepEqual(contractChecker().checkComponent('SseEvent', event), []);
    await expect(404, 'GET', '/api/executions/exe_missing/events', { headers: auth() });

    await expect(409, 'POST', `/api/executions/${completedId}/cancel`, { headers: auth() });
    await expect(404, 'POST', '/api/executions/exe_missing/cancel', { headers: auth() });
    const replay = await expect(202, 'POST', `/api/executions/${completedId}/replay`, { headers: auth(), body: { fromStepId: 'draft' } });
    await waitFor(replay.body.executionId, ended);
    await expect(400, 'POST', `/api/executions/${completedId}/replay`, { headers: auth(), body: { fromStepId: 'nowhere' } });

    await expect(200, 'POST', `/api/executions/${completedId}/view-token`, { headers: auth(), body: { actions: true } });
    await expect(404, 'POST', '/api/executions/exe_missing/view-token', { headers: auth(), body: {} });
    await expect(400, 'POST', '/api/executions/view-token', { headers: auth(), body: { ttlSeconds: 1 } });
    const token = (await expect(200, 'POST', '/api/executions/view-token', { headers: auth(), body: {} })).body.token;
    await expect(200, 'GET', `/api/executions/${completedId}/graph`, { headers: { authorization: `Bearer ${token}` } });
    await expect(404, 'GET', '/api/executions/exe_missing/graph', { headers: auth() });
    await expect(401, 'GET', `/api/executions/${completedId}/graph`, { headers: { authorization: 'Bearer vt1.forged.token' } });
  });

  it('waiting runs: provider callbacks, cancel while waiting, and the media of a result', async () => {
    const workflow = await expect(201, 'POST', `/admin/accounts/${accountId}/workflows`, {
      headers: admin,
      body: { slug: `clip-${Date.now()}`, name: 'Clip', graph: sandboxVideoCanvas({ delayMs: 60_000, callback: false }) },
    });
    const start = async () => (await expect(202, 'POST', `/api/workflows/${workflow.body.workflow.slug}/run?async=true`, { headers: auth(), body: { inputs: { topic: 'waves' } } })).body.executionId as string;
    const waiting = async (id: string) => {
      await waitFor(id, (e) => e.status === 'waiting' && e.steps.find((s: any) => s.id === 'clip')?.waitingOn?.jobId);
      return (await api.engine.db.step.findUniqueOrThrow({ where: { executionId_stepId: { executionId: id, stepId: 'clip' } } })).waitingOn as { callbackToken: string; jobId: string };
    };

    const id = await start();
    const { callbackToken, jobId } = await waiting(id);
    const ref = await api.engine.media.save(Buffer.from('0123456789'), { mimeType: 'video/mp4' }, { executionId: id });
    const url = (token: string) => `/api/providers/callbacks/${id}/clip?token=${token}`;
    const result = { jobId, status: 'succeeded', result: { type: 'stored', ref } };
    await expect(401, 'POST', url('wrong'), { body: result });
    await expect(400, 'POST', url(callbackToken), { raw: '{not json' });
    await expect(404, 'POST', `/api/providers/callbacks/${id}/nowhere?token=x`, { body: result });
    await expect(202, 'POST', url(callbackToken), { body: result });
    const done = await waitFor(id, ended);
    await expect(200, 'POST', url(callbackToken), { body: result });

    // The result's media by its signed URL: whole, a range, not modified, a changed signature.
    const mediaPath = new URL(done.output.url).pathname + new URL(done.output.url).search;
    const whole = await expect(200, 'GET', mediaPath);
    assert.equal(whole.body, '0123456789');
    await expect(206, 'GET', mediaPath, { headers: { range: 'bytes=0-3' } });
    await expect(304, 'GET', mediaPath, { headers: { 'if-none-match': `"${ref.sha256}"` } });
    await expect(416, 'GET', mediaPath, { headers: { range: 'bytes=100-200' } });
    await expect(403, 'GET', mediaPath.replace(/sig=[0-9a-f]/, 'sig=x'));

    const second = await start();
    await waiting(second);
    await expect(202, 'POST', `/api/executions/${second}/cancel`, { headers: auth() });
    assert.equal((await waitFor(second, ended)).status, 'cancelled');
  });

  it('studio, webhook and MCP routes', async () => {
    await expect(202, 'POST', '/api/execute/start', { headers: { ...auth(), 'x-trigger-type': 'manual', 'idempotency-key': `k-${Date.now()}` }, body: { canvasId, inputs: { topic: 'x' } } });
    await expect(400, 'POST', '/api/execute/start', { headers: { ...auth(), 'x-trigger-type': 'api' }, body: { canvasId } });
    await expect(404, 'POST', '/api/execute/start', { headers: { ...auth(), 'x-trigger-type': 'manual' }, body: { canvasId: 'cnv_missing' } });

    const hooked = await expect(201, 'POST', `/admin/accounts/${accountId}/workflows`, { headers: admin, body: { slug: `hook-${Date.now()}`, name: 'Hook', graph: HOOK_CANVAS } });
    const hooks = await expect(200, 'GET', `/api/workflows/${hooked.body.workflow.slug}/webhooks`, { headers: auth() });
    await expect(404, 'GET', '/api/workflows/no-such-flow/webhooks', { headers: auth() });
    const delivery = await expect(202, 'POST', hooks.body.webhooks[0].path, { body: { order: 7 } });
    await waitFor(delivery.body.executionId, ended);
    await expect(404, 'POST', '/api/hooks/whk.nothing.here', { body: {} });
    await expect(400, 'POST', hooks.body.webhooks[0].path, { raw: '{broken' });

    await expect(200, 'GET', '/api/mcp/workflows', { headers: auth() });
    await expect(202, 'POST', `/api/mcp/workflows/${slug}/run?async=true`, { headers: auth(), body: { inputs: { topic: 'agents' } } });
    await expect(200, 'POST', `/api/mcp/workflows/${slug}/run`, { headers: auth(), body: { inputs: { topic: 'agents' } } });
    await expect(400, 'POST', `/api/mcp/workflows/${slug}/run`, { headers: auth(), body: { inputs: {} } });
    const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'contract-test', version: '1' } } };
    await expect(200, 'POST', '/mcp', { headers: { ...auth(), accept: 'application/json, text/event-stream' }, body: initialize });
    await expect(406, 'POST', '/mcp', { headers: { ...auth(), accept: 'application/json' }, body: initialize });
    await expect(401, 'POST', '/mcp', { headers: { accept: 'application/json, text/event-stream' }, body: initialize });
  });

  it('the Temporal codec endpoint', async () => {
    const body = { payloads: [{ metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('"hi"').toString('base64') }] };
    for (const action of ['encode', 'decode']) {
      await expect(200, 'POST', `/api/temporal-codec/${action}`, { headers: admin, body });
      await expect(200, 'POST', `/api/temporal-codec/${api.adminToken}/${action}`, { body });
      await expect(401, 'POST', `/api/temporal-codec/wrong-token/${action}`, { body });
      await expect(401, 'POST', `/api/temporal-codec/${action}`, { body });
      await expect(400, 'POST', `/api/temporal-codec/${action}`, { headers: admin, body: { payloads: 'no' } });
    }
  });

  it('documentation and run viewer pages', async () => {
    await expect(200, 'GET', '/openapi.json');
    await expect(200, 'GET', '/docs');
    await expect(200, 'GET', '/docs/assets/docs.js');
    await expect(200, 'GET', '/docs/assets/docs.css');
    await expect(200, 'GET', '/favicon.ico');
    const runs = await api.request('GET', '/runs');
    assert.ok(runs.status === 200 || runs.status === 503, 'the page, or VIEWER_NOT_BUILT');
    if (runs.status === 200) {
      await expect(200, 'GET', `/runs/${completedId}`);
      const asset = /\/runs\/assets\/[^"]+/.exec(String(runs.body))?.[0];
      assert.ok(asset, 'the page loads its scripts from /runs/assets');
      await expect(200, 'GET', asset);
      await expect(404, 'GET', '/runs/assets/missing.js');
    } else {
      NO_SUCCESS_HERE['GET /runs/{executionId}'] = 'web/dist is not built';
      NO_SUCCESS_HERE['GET /runs/assets/{file}'] = 'web/dist is not built';
    }
  });

  it('exercised every operation of the document with a success answer', () => {
    const doc = contractChecker().document;
    const missing: string[] = [];
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(item)) {
        const name = `${method.toUpperCase()} ${path}`;
        const statuses = [...(contractChecker().seen.get(name) ?? [])];
        if (!statuses.some((status) => status >= 200 && status < 300) && !NO_SUCCESS_HERE[name]) missing.push(name);
      }
    }
    assert.deepEqual(missing, []);
  });

  it('refuses answers the document does not describe: an undocumented status, a thinner body, a wrong field type', () => {
    const checker = contractChecker();
    const exchange = { method: 'GET', path: '/api/executions/exe_1', contentType: 'application/json; charset=utf-8' };
    assert.match(checker.check({ ...exchange, status: 418, body: {} }).join('\n'), /answered 418, which the document does not list/);
    assert.match(checker.check({ ...exchange, status: 200, body: { success: true } }).join('\n'), /must have required property 'execution'/);
    assert.match(
      checker.check({ method: 'GET', path: '/api/executions', status: 200, contentType: 'application/json', body: { success: true, executions: [{ id: 1 }] } }).join('\n'),
      /executions\/0\/id must be string/,
    );
    assert.match(checker.check({ ...exchange, status: 200, body: '<html>' , contentType: 'text/html' }).join('\n'), /answered text\/html; the document lists application\/json/);
    assert.deepEqual(checker.checkComponent('SseEvent', { type: 'run.end', data: { status: 'done' } }).length > 0, true);
  });
});

/** `event:`/`data:` blocks of an SSE body as `{ type, data }`. */
function parseSse(text: string): Array<{ type: string; data: unknown }> {
  return text
    .split('\n\n')
    .map((block) => Object.fromEntries(block.split('\n').filter((line) => /^(event|data):/.test(line)).map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()])))
    .filter((fields) => fields.event !== undefined)
    .map((fields) => ({ type: fields.event as string, data: JSON.parse(fields.data ?? 'null') }));
}
