// fal end to end: real API, real Temporal worker, real Postgres and media store; the official
// `@fal-ai/client` talks to a fake fal queue that signs its webhooks with ED25519 and publishes its JWKS.
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CanvasGraph } from '../../src/domain/types';
import { startTestApi, type TestApi } from '../support/api';
import { ended, executionReader } from '../support/executions';
import { startFakeFal, type FakeFal } from '../support/fakeFal';
import { buildAccount, buildApiKey, buildWorkflow } from '../support/fixtures';

describe('fal models in real runs', function () {
  let fake: FakeFal;
  let api: TestApi;
  let key: string;
  let accountId: string;

  before(async () => {
    fake = await startFakeFal();
    api = await startTestApi({ allowPrivateNetworks: true, vendors: { fal: { key: fake.key, baseUrl: fake.baseUrl, jwksUrl: fake.jwksUrl } } });
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
      { id: 'clip', type: 'video-generation', config: { model: 'fal:fal-ai/some-video/v2', prompt: `${Math.random()} {{topic}}`, ...config } },
      { id: 'output', type: 'response-output', config: {} },
    ],
    edges: [
      { source: 'input', sourcePort: 'topic', target: 'clip', targetPort: 'topic' },
      { source: 'clip', sourcePort: 'video', target: 'output', targetPort: 'video' },
    ],
  });
  const start = async (config: Record<string, unknown>) => {
    const workflow = await buildWorkflow(api.engine.db, accountId, graph(config));
    const response = await api.request('POST', `/api/workflows/${workflow.slug}/run?async=true`, { body: { inputs: { topic: 'dunes' } }, headers: auth() });
    assert.equal(response.status, 202, JSON.stringify(response.body));
    return response.body.executionId as string;
  };
  const clip = (execution: any) => execution.steps.find((step: any) => step.id === 'clip');
  const waitingRequest = async (executionId: string) => {
    const waiting = await waitFor(executionId, (execution) => clip(execution).status === 'waiting' && clip(execution).waitingOn?.jobId);
    return fake.requests.get(clip(waiting).waitingOn.jobId)!;
  };
  const webhookOnly = { pollAfterMs: 600_000 };
  const withBehaviour = async (behaviour: Parameters<FakeFal['behave']>[0], test: () => Promise<void>) => {
    fake.behave(behaviour);
    try {
      await test();
    } finally {
      fake.behave(() => ({}));
    }
  };

  it('completes by the ED25519-signed webhook and stores the output', async () => {
    const id = await start(webhookOnly);
    const execution = await waitFor(id, ended);
    assert.equal(execution.status, 'completed', JSON.stringify(execution.error));
    assert.equal(clip(execution).output.video.mimeType, 'video/mp4');
    assert.equal((await fetch(clip(execution).output.video.url)).status, 200);
    assert.ok(fake.deliveries.some((delivery) => delivery.status === 202), 'our callback route accepted fal’s webhook');
  });

  it('completes by polling status and result alone when no webhook comes', () =>
    withBehaviour(() => ({ webhooks: false }), async () => {
      const execution = await waitFor(await start({ pollAfterMs: 50, pollIntervalMs: 50 }), ended);
      assert.equal(execution.status, 'completed', JSON.stringify(execution.error));
    }));

  it('fails the step with fal’s detail when the request fails', () =>
    withBehaviour(() => ({ outcome: 'fail', error: 'prompt rejected by the safety checker' }), async () => {
      const execution = await waitFor(await start(webhookOnly), ended);
      assert.equal(execution.status, 'error');
      assert.match(JSON.stringify(clip(execution).error), /fal: prompt rejected by the safety checker/);
    }));

  it('cancels the request at fal when the run is cancelled', () =>
    withBehaviour(() => ({ outcome: 'hang' }), async () => {
      const id = await start(webhookOnly);
      const request = await waitingRequest(id);
      assert.equal((await api.request('POST', `/api/executions/${id}/cancel`, { headers: auth() })).status, 202);
      assert.equal((await waitFor(id, ended)).status, 'cancelled');
      for (let i = 0; i < 200 && !fake.cancels.includes(request.id); i++) await sleep(25);
      assert.ok(fake.cancels.includes(request.id), 'PUT …/requests/{id}/cancel reached fal');
    }));

  it('refuses a webhook signed with another key (401 CALLBACK_SIGNATURE_INVALID) and the step keeps waiting', () =>
    withBehaviour(() => ({ outcome: 'hang' }), async () => {
      const id = await start(webhookOnly);
      const request = await waitingRequest(id);
      const url = new URL(request.webhook!);
      const body = JSON.stringify({ request_id: request.id, status: 'OK', payload: { video: { url: 'https://evil.example/x.mp4' } } });
      const timestamp = String(Math.floor(Date.now() / 1000));
      const message = [request.id, fake.userId, timestamp, createHash('sha256').update(body).digest('hex')].join('\n');
      const forged = await api.request('POST', url.pathname + url.search, {
        raw: body,
        headers: {
          'x-fal-webhook-request-id': request.id,
          'x-fal-webhook-user-id': fake.userId,
          'x-fal-webhook-timestamp': timestamp,
          'x-fal-webhook-signature': sign(null, Buffer.from(message), generateKeyPairSync('ed25519').privateKey).toString('hex'),
        },
      });
      assert.equal(forged.status, 401);
      assert.equal(forged.body.error.code, 'CALLBACK_SIGNATURE_INVALID');
      assert.equal(clip(await get(id)).status, 'waiting', 'nothing changed');
      fake.complete(request.id);
      assert.equal((await waitFor(id, ended)).status, 'completed');
    }));

  it('does not queue a second request when the worker is replaced after submitting', () =>
    withBehaviour(() => ({ outcome: 'hang' }), async () => {
      const before = fake.submits;
      const id = await start(webhookOnly);
      const request = await waitingRequest(id);
      await api.replaceWorker();
      fake.complete(request.id);
      assert.equal((await waitFor(id, ended)).status, 'completed');
      assert.equal(fake.submits - before, 1);
    }));
  it('a webhook whose payload fal could not serialise (payload: null, payload_error) completes the run from the queue’s result, without polling', () =>
    withBehaviour(() => ({ payloadError: true }), async () => {
      const id = await start(webhookOnly);
      const execution = await waitFor(id, ended);
      assert.equal(execution.status, 'completed', JSON.stringify(execution.error));
      assert.equal(clip(execution).output.video.mimeType, 'video/mp4');
    }));

  it('a submit fal queued but answered 502 is sent once; its request’s webhook makes it the step’s job, and the retried submit resumes it', async () => {
    const before = fake.submits;
    fake.submitAnswers.push(502);
    const id = await start(webhookOnly);
    const execution = await waitFor(id, ended);
    assert.equal(execution.status, 'completed', JSON.stringify(execution.error));
    assert.equal(fake.submits - before, 1, 'no second request');
  });

  it('a submit fal queued but answered 502, whose request outlasts the retry: the retry queues the step’s request, and the first is recorded as an orphan when its webhook comes', () => {
    let n = 0;
    return withBehaviour(() => (++n === 1 ? { delayMs: 2_500 } : {}), async () => {
      const before = fake.submits;
      fake.submitAnswers.push(502);
      const id = await start(webhookOnly);
      const execution = await waitFor(id, ended);
      assert.equal(execution.status, 'completed', JSON.stringify(execution.error));
      // fal lists no queued requests: the retried submit queues the step's request, and the first
      // one is learnt of only from its completion webhook (the window the README describes).
      assert.equal(fake.submits - before, 2, 'one POST per engine attempt, none re-sent by the client');
      const live = await api.engine.db.providerJob.findUniqueOrThrow({ where: { idempotencyKey: `${id}:clip:1` } });
      const orphan = [...fake.requests.values()].find((request) => request.webhook?.includes(`/callbacks/${id}/clip?`) && request.id !== live.jobId)!;
      for (let i = 0; i < 200; i++) {
        const row = await api.engine.db.providerJob.findFirst({ where: { jobId: orphan.id } });
        if (row) return assert.equal((row.data as { outcome?: string }).outcome, 'orphan_ended');
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      assert.fail('the orphan was never recorded');
    });
  });
});
