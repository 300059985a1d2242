// Replicate end to end: real API, real Temporal worker, real Postgres and media store; the official
// `replicate` client talks to a fake Replicate that speaks its documented API and signs its webhooks.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';
import type { CanvasGraph } from '../../src/domain/types';
import { startTestApi, type TestApi } from '../support/api';
import { ended, executionReader } from '../support/executions';
import { startFakeReplicate, type FakeReplicate } from '../support/fakeReplicate';
import { buildAccount, buildApiKey, buildWorkflow } from '../support/fixtures';

describe('Replicate models in real runs', function () {
  let fake: FakeReplicate;
  let api: TestApi;
  let key: string;
  let accountId: string;

  before(async () => {
    fake = await startFakeReplicate();
    api = await startTestApi({
      allowPrivateNetworks: true,
      vendors: { replicate: { apiToken: fake.token, webhookSecret: fake.webhookSecret, baseUrl: fake.baseUrl } },
      vendorDefaults: { replicate: { credits: 10, minTier: 'pro' }, fal: { credits: 9, minTier: 'pro' } },
    });
    // Enterprise: unlimited requests (the tests poll executions), prices at 0.8.
    const account = await buildAccount(api.engine.db, { tier: 'enterprise', creditBalance: 1_000 });
    accountId = account.id;
    key = (await buildApiKey(api.engine.db, account.id)).secret;
  });
  after(async () => {
    await api?.close();
    await fake?.close();
  });

  const auth = () => ({ 'x-api-key': key });
  const { get, waitFor } = executionReader(() => api, auth);
  const graph = (config: Record<string, unknown>): CanvasGraph => ({
    nodes: [
      { id: 'input', type: 'request-input', config: { fields: [{ name: 'topic', type: 'string', required: true }] } },
      { id: 'art', type: 'image-generation', config: { model: 'replicate:acme/painter', prompt: `${Math.random()} {{topic}}`, ...config } },
      { id: 'output', type: 'response-output', config: {} },
    ],
    edges: [
      { source: 'input', sourcePort: 'topic', target: 'art', targetPort: 'topic' },
      { source: 'art', sourcePort: 'image', target: 'output', targetPort: 'image' },
    ],
  });
  const start = async (config: Record<string, unknown>) => {
    const workflow = await buildWorkflow(api.engine.db, accountId, graph(config));
    const response = await api.request('POST', `/api/workflows/${workflow.slug}/run?async=true`, { body: { inputs: { topic: 'tides' } }, headers: auth() });
    assert.equal(response.status, 202, JSON.stringify(response.body));
    return response.body.executionId as string;
  };
  const art = (execution: any) => execution.steps.find((step: any) => step.id === 'art');
  /** The prediction a waiting step submitted. */
  const waitingPrediction = async (executionId: string) => {
    const waiting = await waitFor(executionId, (execution) => art(execution).status === 'waiting' && art(execution).waitingOn?.jobId);
    return fake.predictions.get(art(waiting).waitingOn.jobId)!;
  };
  // Slow polling: only a webhook can finish these runs in time.
  const webhookOnly = { pollAfterMs: 600_000 };

  it('completes by the signed webhook and stores the output in the media store', async () => {
    const id = await start(webhookOnly);
    const execution = await waitFor(id, ended);
    assert.equal(execution.status, 'completed', JSON.stringify(execution.error));
    const image = art(execution).output.image;
    assert.equal(image.mimeType, 'image/png');
    assert.match(image.mediaId, /^med_[0-9a-f]{64}$/);
    const served = await fetch(image.url);
    assert.equal(served.status, 200);
    assert.equal(served.headers.get('content-type'), 'image/png');
    const prediction = fake.predictions.get(art(execution).waitingOn?.jobId ?? [...fake.predictions.values()].at(-1)!.id)!;
    assert.deepEqual(prediction.webhook_events_filter, ['start', 'completed']);
    assert.ok(prediction.webhook?.includes(`/api/providers/callbacks/${id}/art?token=`));
  });

  it('completes by polling alone when no webhook comes', async () => {
    fake.behave(() => ({ webhooks: false }));
    try {
      const id = await start({ pollAfterMs: 50, pollIntervalMs: 50 });
      const execution = await waitFor(id, ended);
      assert.equal(execution.status, 'completed', JSON.stringify(execution.error));
      assert.equal(art(execution).output.image.mimeType, 'image/png');
    } finally {
      fake.behave(() => ({}));
    }
  });

  it('fails the step with Replicate’s error message when the prediction fails', async () => {
    fake.behave(() => ({ outcome: 'fail', error: 'NSFW content detected in the output' }));
    try {
      const id = await start(webhookOnly);
      const execution = await waitFor(id, ended);
      assert.equal(execution.status, 'error');
      assert.equal(art(execution).status, 'error');
      assert.match(JSON.stringify(art(execution).error), /replicate: NSFW content detected in the output/);
    } finally {
      fake.behave(() => ({}));
    }
  });

  it('cancels the prediction at Replicate when the run is cancelled', async () => {
    fake.behave(() => ({ outcome: 'hang' }));
    try {
      const id = await start(webhookOnly);
      const prediction = await waitingPrediction(id);
      const cancelled = await api.request('POST', `/api/executions/${id}/cancel`, { headers: auth() });
      assert.equal(cancelled.status, 202);
      assert.equal((await waitFor(id, ended)).status, 'cancelled');
      for (let i = 0; i < 200 && !fake.cancels.includes(prediction.id); i++) await sleep(25);
      assert.ok(fake.cancels.includes(prediction.id), 'POST /v1/predictions/{id}/cancel reached Replicate');
      assert.equal(fake.predictions.get(prediction.id)!.status, 'canceled');
    } finally {
      fake.behave(() => ({}));
    }
  });

  it('cancels the prediction at Replicate when the step times out', async () => {
    fake.behave(() => ({ outcome: 'hang' }));
    try {
      const id = await start({ ...webhookOnly, timeoutMs: 1_500 });
      const prediction = await waitingPrediction(id);
      const execution = await waitFor(id, ended);
      assert.equal(execution.status, 'error');
      assert.match(JSON.stringify(art(execution).error), /StepTimeout|step timeout/);
      for (let i = 0; i < 200 && !fake.cancels.includes(prediction.id); i++) await sleep(25);
      assert.ok(fake.cancels.includes(prediction.id), 'the timed-out prediction was cancelled at Replicate');
    } finally {
      fake.behave(() => ({}));
    }
  });

  it('refuses forged and stale webhooks with 401 and a clear code, and the step keeps waiting', async () => {
    fake.behave(() => ({ outcome: 'hang' }));
    try {
      const id = await start(webhookOnly);
      const prediction = await waitingPrediction(id);
      const callbackPath = new URL(prediction.webhook!).pathname + new URL(prediction.webhook!).search;
      const body = JSON.stringify({ ...prediction, status: 'succeeded', output: ['https://evil.example/x.png'] });
      const post = (headers: Record<string, string>) => api.request('POST', callbackPath, { raw: body, headers });
      const forger = new Webhook(`whsec_${Buffer.from('not the real secret at all!!').toString('base64')}`);
      const now = new Date();
      const forged = await post({ 'webhook-id': 'msg_x', 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': forger.sign('msg_x', now, body) });
      assert.equal(forged.status, 401);
      assert.equal(forged.body.error.code, 'CALLBACK_SIGNATURE_INVALID');
      const old = new Date(Date.now() - 10 * 60_000);
      const genuine = new Webhook(fake.webhookSecret);
      const stale = await post({ 'webhook-id': 'msg_y', 'webhook-timestamp': String(Math.floor(old.getTime() / 1000)), 'webhook-signature': genuine.sign('msg_y', old, body) });
      assert.equal(stale.status, 401);
      assert.equal(stale.body.error.code, 'CALLBACK_SIGNATURE_STALE');
      const unsigned = await post({});
      assert.equal(unsigned.status, 401);
      assert.equal(unsigned.body.error.code, 'CALLBACK_SIGNATURE_MISSING');
      const execution = await get(id);
      assert.equal(art(execution).status, 'waiting', 'nothing changed');
      assert.equal(execution.status, 'waiting');
      // The genuine completion still finishes it.
      fake.complete(prediction.id);
      assert.equal((await waitFor(id, ended)).status, 'completed');
    } finally {
      fake.behave(() => ({}));
    }
  });

  it('does not create a second prediction when the worker is replaced after submitting', async () => {
    fake.behave(() => ({ outcome: 'hang' }));
    try {
      const before = fake.creates;
      const id = await start(webhookOnly);
      const prediction = await waitingPrediction(id);
      await api.replaceWorker();
      fake.complete(prediction.id);
      const execution = await waitFor(id, ended);
      assert.equal(execution.status, 'completed', JSON.stringify(execution.error));
      assert.equal(fake.creates - before, 1, 'one prediction created at Replicate');
    } finally {
      fake.behave(() => ({}));
    }
  });

  it('prices an uncatalogued Replicate model at the configured default, a catalogued one at its catalog price', async () => {
    const run = async (model: string) => {
      const workflow = await buildWorkflow(api.engine.db, accountId, graph({ ...webhookOnly, model }));
      return api.request('POST', `/api/workflows/${workflow.slug}/run`, { body: { inputs: { topic: 'tides' } }, headers: auth() });
    };
    const uncatalogued = await run('replicate:someone/brand-new-model');
    assert.equal(uncatalogued.status, 200, JSON.stringify(uncatalogued.body));
    assert.equal(uncatalogued.body.creditsUsed, 8); // 10 × 0.8
    const catalogued = await run('replicate:black-forest-labs/flux-schnell');
    assert.equal(catalogued.status, 200, JSON.stringify(catalogued.body));
    assert.equal(catalogued.body.creditsUsed, 3); // ⌈3 × 0.8⌉
  });

  it('refuses an unknown provider prefix and a malformed name with 422 INVALID_WORKFLOW', async () => {
    for (const model of ['midjourney:v6', 'replicate:no-owner', 'dall-e-9']) {
      const workflow = await buildWorkflow(api.engine.db, accountId, graph({ model }));
      const response = await api.request('POST', `/api/workflows/${workflow.slug}/run`, { body: { inputs: { topic: 'tides' } }, headers: auth() });
      assert.equal(response.status, 422, `${model}: ${JSON.stringify(response.body)}`);
      assert.equal(response.body.error.code, 'INVALID_WORKFLOW');
    }
  });
});
