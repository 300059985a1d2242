// The public run API over real HTTP, Temporal and Postgres.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { PARALLEL_MEDIA, TEXT_CHAIN } from '../../src/demo/workflows';
import { startTestApi, type TestApi } from '../support/api';
import { buildAccount, buildApiKey, buildWorkflow } from '../support/fixtures';

describe('run API', function () {
  let api: TestApi;
  let key: string;
  let chainSlug: string;
  let parallelSlug: string;

  before(async () => {
    api = await startTestApi();
    const account = await buildAccount(api.engine.db, { tier: 'business' });
    key = (await buildApiKey(api.engine.db, account.id)).secret;
    chainSlug = (await buildWorkflow(api.engine.db, account.id, TEXT_CHAIN)).slug;
    parallelSlug = (await buildWorkflow(api.engine.db, account.id, PARALLEL_MEDIA)).slug;
  });
  after(async () => api?.close());

  const run = (slug: string, body: unknown, query = '') =>
    api.request('POST', `/api/workflows/${slug}/run${query}`, { body, headers: { 'x-api-key': key } });

  it('runs a workflow synchronously and answers 200 with output, creditsUsed and durationMs', async () => {
    const response = await run(parallelSlug, { inputs: { product: 'a solar kettle' } });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.success, true);
    assert.match(response.body.output.card, /solar kettle/);
    assert.equal(response.body.output.image.mimeType, 'image/png');
    assert.equal(response.body.creditsUsed, 7, 'two texts (1 × 0.9 → 1) and one image (5 × 0.9 → 5) at business pricing');
    assert.equal(typeof response.body.durationMs, 'number');
    assert.ok(response.body.durationMs > 0);
  });

  it('admits an async run with 202 and an execution id, then reports it through polling', async () => {
    const response = await run(chainSlug, { inputs: { topic: 'tides' } }, '?async=true');
    assert.equal(response.status, 202);
    assert.equal(response.body.success, true);
    const id: string = response.body.executionId;
    assert.match(id, /^ex_/);
    let execution: any;
    for (let i = 0; i < 100; i++) {
      const poll = await api.request('GET', `/api/executions/${id}`, { headers: { 'x-api-key': key } });
      assert.equal(poll.status, 200);
      execution = poll.body.execution;
      if (execution.status === 'completed' || execution.status === 'error') break;
      await sleep(100);
    }
    assert.equal(execution.status, 'completed');
    assert.equal(execution.triggerType, 'api');
    assert.deepEqual(
      execution.steps.map((step: any) => [step.id, step.status]),
      [['input', 'completed'], ['outline', 'completed'], ['draft', 'completed'], ['output', 'completed']],
    );
    assert.match(execution.output, /sandbox/i);
  });

  it('describes the input fields and their types at /schema', async () => {
    const response = await api.request('GET', `/api/workflows/${parallelSlug}/schema`, { headers: { 'x-api-key': key } });
    assert.equal(response.status, 200);
    assert.deepEqual(
      response.body.fields.map((field: any) => [field.name, field.type, field.required]),
      [['product', 'string', true], ['tone', 'string', false]],
    );
    assert.deepEqual(response.body.inputSchema.required, ['product']);
    assert.deepEqual(response.body.inputSchema.properties.tone.enum, ['playful', 'serious']);
  });

  it('refuses invalid inputs with 400 INVALID_INPUTS naming each failing field, and starts nothing', async () => {
    const before = await api.engine.db.execution.count();
    const wrong = await run(parallelSlug, { inputs: { product: 42, tone: 'grim', extra: true } });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.success, false);
    assert.equal(wrong.body.error.code, 'INVALID_INPUTS');
    assert.deepEqual(wrong.body.error.fields.map((f: any) => f.field).sort(), ['extra', 'product', 'tone']);
    for (const body of [{}, { inputs: 'x' }, { inputs: [] }, []]) {
      const response = await run(parallelSlug, body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(response.body.error.code, 'INVALID_INPUTS');
    }
    assert.equal(await api.engine.db.execution.count(), before);
  });

  it('answers 404 for an unknown slug and for another account’s workflow alike', async () => {
    const other = await buildAccount(api.engine.db);
    const foreign = await buildWorkflow(api.engine.db, other.id, TEXT_CHAIN);
    const unknown = await run('no-such-workflow', { inputs: {} });
    const theirs = await run(foreign.slug, { inputs: { topic: 'x' } });
    assert.equal(unknown.status, 404);
    assert.equal(theirs.status, 404);
    assert.equal(unknown.body.error.code, theirs.body.error.code);
    assert.equal(theirs.body.success, false);
  });

  it('refuses requests without a valid API key', async () => {
    const none = await api.request('POST', `/api/workflows/${chainSlug}/run`, { body: { inputs: { topic: 'x' } } });
    assert.equal(none.status, 401);
    assert.equal(none.body.error.code, 'UNAUTHORIZED');
    const bad = await api.request('POST', `/api/workflows/${chainSlug}/run`, { body: { inputs: { topic: 'x' } }, headers: { 'x-api-key': 'bsk_nope' } });
    assert.equal(bad.status, 401);
  });

  it('answers malformed JSON with 400, never a 5xx', async () => {
    const response = await api.request('POST', `/api/workflows/${chainSlug}/run`, { raw: '{"inputs":', headers: { 'x-api-key': key } });
    assert.equal(response.status, 400);
    assert.equal(response.body.error.code, 'INVALID_JSON');
  });

  it('answers a sync run whose workflow an operator terminated with 500 EXECUTION_FAILED, instead of waiting on it', async function () {
    this.timeout(60_000);
    const account = await buildAccount(api.engine.db, { tier: 'business' });
    const ownKey = (await buildApiKey(api.engine.db, account.id)).secret;
    const slow = await buildWorkflow(api.engine.db, account.id, {
      nodes: [
        { id: 'input', type: 'request-input', config: { fields: [{ name: 'topic', type: 'string', required: true }] } },
        { id: 'slow', type: 'text-generation', config: { model: 'sandbox-text', prompt: '{{topic}}', sandbox: { delayMs: 45_000 } } },
        { id: 'output', type: 'response-output', config: {} },
      ],
      edges: [
        { source: 'input', sourcePort: 'topic', target: 'slow', targetPort: 'topic' },
        { source: 'slow', sourcePort: 'text', target: 'output', targetPort: 'result' },
      ],
    });
    const started = Date.now();
    const answer = api.request('POST', `/api/workflows/${slow.slug}/run`, { body: { inputs: { topic: 'tides' } }, headers: { 'x-api-key': ownKey } });
    let execution: { id: string; temporalWorkflowId: string } | null = null;
    for (let i = 0; i < 100 && !execution; i++) {
      execution = await api.engine.db.execution.findFirst({ where: { accountId: account.id }, select: { id: true, temporalWorkflowId: true } });
      if (!execution) await sleep(100);
    }
    assert.ok(execution, 'the run was admitted');
    await api.engine.client.workflow.getHandle(execution.temporalWorkflowId).terminate('operator stops it');
    const response = await answer;
    assert.equal(response.status, 500, JSON.stringify(response.body));
    assert.equal(response.body.error.code, 'EXECUTION_FAILED');
    assert.equal(response.body.executionId ?? response.body.error.executionId ?? execution.id, execution.id);
    assert.ok(Date.now() - started < 30_000, `answered after ${Date.now() - started} ms, long before the 45 s step`);
  });
});
