// Waitpoints: async provider jobs resumed by callback or by polling, cancelled while waiting.
import assert from 'node:assert/strict';
import type { StoredMediaRef } from '../../src/media/types';
import type { CanvasGraph } from '../../src/domain/types';
import { Admissions } from '../../src/services/admission';
import { startTestApi, type TestApi } from '../support/api';
import { buildAccount, buildApiKey, buildWorkflow } from '../support/fixtures';
import { ended, executionReader } from '../support/executions';
import { readSse } from '../support/sse';

describe('waitpoints', function () {
  let api: TestApi;
  let key: string;
  let accountId: string;

  before(async () => {
    api = await startTestApi();
    const account = await buildAccount(api.engine.db, { tier: 'enterprise', creditBalance: 1_000 });
    accountId = account.id;
    key = (await buildApiKey(api.engine.db, account.id)).secret;
  });
  after(async () => api?.close());

  const auth = () => ({ 'x-api-key': key });
  const videoGraph = (config: Record<string, unknown>, model = 'sandbox-video'): CanvasGraph => ({
    nodes: [
      { id: 'input', type: 'request-input', config: { fields: [{ name: 'topic', type: 'string', required: true }] } },
      { id: 'clip', type: 'video-generation', config: { model, prompt: `Clip ${Math.random()} of {{topic}}`, ...config } },
      { id: 'output', type: 'response-output', config: {} },
    ],
    edges: [
      { source: 'input', sourcePort: 'topic', target: 'clip', targetPort: 'topic' },
      { source: 'clip', sourcePort: 'video', target: 'output', targetPort: 'video' },
    ],
  });
  const startRun = async (graph: CanvasGraph) => {
    const workflow = await buildWorkflow(api.engine.db, accountId, graph);
    const response = await api.request('POST', `/api/workflows/${workflow.slug}/run?async=true`, { body: { inputs: { topic: 'waves' } }, headers: auth() });
    assert.equal(response.status, 202, JSON.stringify(response.body));
    return response.body.executionId as string;
  };
  const { get: getExecution, waitFor } = executionReader(() => api, auth);
  const clipOf = (execution: any) => execution.steps.find((s: any) => s.id === 'clip');
  const tokenOf = async (id: string) =>
    ((await api.engine.db.step.findUniqueOrThrow({ where: { executionId_stepId: { executionId: id, stepId: 'clip' } } })).waitingOn as { callbackToken: string; jobId: string });

  it('waits on the provider job, records what it waits on, and resumes downstream when the callback arrives', async () => {
    const callbacks = api.engine.sandboxMedia.callbacksDelivered;
    const polls = api.engine.sandboxMedia.polls;
    const id = await startRun(videoGraph({ sandbox: { delayMs: 700 }, pollAfterMs: 120_000 }));
    const waiting = await waitFor(id, (execution) => execution.status === 'waiting' && clipOf(execution).waitingOn?.jobId);
    assert.equal(clipOf(waiting).status, 'waiting');
    assert.equal(waiting.waitingOn[0].stepId, 'clip');
    assert.equal(clipOf(waiting).waitingOn.provider, 'sandbox');
    assert.equal(clipOf(waiting).waitingOn.callbackToken, undefined, 'the callback token is never shown');
    const execution = await waitFor(id, ended);
    assert.equal(execution.status, 'completed');
    assert.equal(execution.output.mimeType, 'video/mp4');
    assert.equal(execution.output.durationMs, 1_000);
    assert.match(execution.output.url, /\/api\/media\/med_[0-9a-f]{64}\?exp=\d+&sig=[0-9a-f]{64}$/);
    assert.equal(execution.waitingOn, null);
    assert.equal(api.engine.sandboxMedia.callbacksDelivered, callbacks + 1);
    assert.equal(api.engine.sandboxMedia.polls, polls, 'no polling was needed');
    const events = await readSse(`${api.url}/api/executions/${id}/events`, auth());
    assert.deepEqual(events.filter((e) => e.event === 'run.status').map((e) => e.data.status), ['running', 'waiting', 'running', 'completed']);
  });

  it('finishes by polling alone when the provider never calls back', async () => {
    const callbacks = api.engine.sandboxMedia.callbacksDelivered;
    const polls = api.engine.sandboxMedia.polls;
    const id = await startRun(videoGraph({ sandbox: { delayMs: 500, callback: false }, pollAfterMs: 300, pollIntervalMs: 200 }));
    const execution = await waitFor(id, ended);
    assert.equal(execution.status, 'completed');
    assert.equal(api.engine.sandboxMedia.callbacksDelivered, callbacks);
    assert.ok(api.engine.sandboxMedia.polls > polls, 'the result came from polling');
    assert.equal(execution.output.mimeType, 'video/mp4');
  });

  it('takes the first result: a duplicate callback, a wrong token and a late callback change nothing', async () => {
    const id = await startRun(videoGraph({ sandbox: { delayMs: 60_000, callback: false }, pollAfterMs: 120_000 }));
    await waitFor(id, (execution) => clipOf(execution).status === 'waiting' && clipOf(execution).waitingOn?.jobId);
    const { callbackToken, jobId } = await tokenOf(id);
    const url = (token: string) => `/api/providers/callbacks/${id}/clip?token=${token}`;
    const refs: Record<string, StoredMediaRef> = {};
    for (const label of ['forged', 'first', 'second', 'late']) refs[label] = await api.engine.media.save(Buffer.from(label), { mimeType: 'video/mp4' }, { executionId: id });
    const result = (label: string) => ({ jobId, status: 'succeeded', result: { type: 'stored', ref: refs[label] } });

    const wrong = await api.request('POST', url('not-the-token'), { body: result('forged') });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.code, 'INVALID_CALLBACK_TOKEN');
    const first = await api.request('POST', url(callbackToken), { body: result('first') });
    assert.equal(first.status, 202);
    const duplicate = await api.request('POST', url(callbackToken), { body: result('second') });
    assert.ok(duplicate.status === 202 || duplicate.status === 200);
    const execution = await waitFor(id, ended);
    assert.equal(execution.status, 'completed');
    assert.equal(execution.output.mediaId, refs.first!.mediaId);
    const late = await api.request('POST', url(callbackToken), { body: result('late') });
    assert.equal(late.status, 200);
    assert.equal(late.body.accepted, false);
    assert.equal((await getExecution(id)).output.mediaId, refs.first!.mediaId);
  });

  it('refuses, changing nothing, a callback for a provider this API has no adapter for (fails closed)', async () => {
    const id = await startRun(videoGraph({ sandbox: { delayMs: 60_000, callback: false }, pollAfterMs: 120_000 }));
    await waitFor(id, (execution) => clipOf(execution).status === 'waiting' && clipOf(execution).waitingOn?.jobId);
    const { callbackToken, jobId } = await tokenOf(id);
    const ref = await api.engine.media.save(Buffer.from('unverified'), { mimeType: 'video/mp4' }, { executionId: id });
    // An API process where the job's provider is not configured: nothing can verify the callback.
    const { createServer } = await import('node:http');
    const bare = createServer(api.appWith({ jobProviders: () => undefined }).callback());
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
    try {
      const answer = await fetch(`http://127.0.0.1:${(bare.address() as { port: number }).port}/api/providers/callbacks/${id}/clip?token=${callbackToken}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jobId, status: 'succeeded', result: { type: 'stored', ref } }),
      });
      const body = (await answer.json()) as { error: { code: string; message: string } };
      assert.equal(answer.status, 401);
      assert.equal(body.error.code, 'CALLBACK_VERIFICATION_UNAVAILABLE');
      assert.match(body.error.message, /No adapter for provider "sandbox"/);
    } finally {
      bare.close();
    }
    assert.equal(clipOf(await getExecution(id)).status, 'waiting', 'the step still waits');
    await api.request('POST', `/api/executions/${id}/cancel`, { headers: auth() });
    await waitFor(id, ended);
  });

  it('cancels a run while it waits: the waiting step is skipped, the run cancelled and refunded', async () => {
    const before = (await api.engine.db.account.findUniqueOrThrow({ where: { id: accountId } })).creditBalance;
    const id = await startRun(videoGraph({ sandbox: { delayMs: 60_000, callback: false }, pollAfterMs: 120_000 }));
    await waitFor(id, (execution) => execution.status === 'waiting');
    const cancel = await api.request('POST', `/api/executions/${id}/cancel`, { headers: auth() });
    assert.equal(cancel.status, 202);
    const execution = await waitFor(id, ended);
    assert.equal(execution.status, 'cancelled');
    assert.equal(clipOf(execution).status, 'skipped');
    assert.equal(execution.steps.find((s: any) => s.id === 'output').status, 'skipped');
    assert.equal((await api.engine.db.account.findUniqueOrThrow({ where: { id: accountId } })).creditBalance, before);
  });

  it('a retried submit finds the job the first attempt started instead of starting a second', async () => {
    const jobs = api.engine.sandboxMedia.jobsStarted;
    const id = await startRun(
      videoGraph({ sandbox: { delayMs: 200, failFirstSubmits: 1 }, pollAfterMs: 200, pollIntervalMs: 200, retry: { initialIntervalMs: 1_000 } }),
    );
    const execution = await waitFor(id, ended);
    assert.equal(execution.status, 'completed');
    assert.equal(api.engine.sandboxMedia.jobsStarted, jobs + 1, 'one job for two submit attempts');
    assert.equal(clipOf(execution).attempts, 2);
  });

  it('times out a step whose job never finishes, saying the step timeout fired while waiting', async () => {
    const id = await startRun(videoGraph({ sandbox: { delayMs: 60_000, callback: false }, pollAfterMs: 200, pollIntervalMs: 200, timeoutMs: 1_200 }));
    const execution = await waitFor(id, ended);
    assert.equal(execution.status, 'error');
    assert.equal(clipOf(execution).error.type, 'StepTimeout');
    assert.match(clipOf(execution).error.message, /1200 ms step timeout while waiting on sandbox job/);
  });

  it('ends a waiting step in error when the whole-run timeout fires during the wait', async () => {
    const admissions = new Admissions({ db: api.engine.db, temporal: api.engine.env.client, taskQueue: api.engine.taskQueue, markup: 1, runTimeoutMs: 1_000 });
    const workflow = await buildWorkflow(api.engine.db, accountId, videoGraph({ sandbox: { delayMs: 60_000, callback: false }, pollAfterMs: 120_000 }));
    const account = await api.engine.db.account.findUniqueOrThrow({ where: { id: accountId } });
    const admission = await admissions.admit({ account, workflow, triggerType: 'api', inputs: { topic: 'x' }, async: true, receivedAtMs: Date.now() });
    const execution = await waitFor(admission.executionId, ended);
    assert.equal(execution.status, 'error');
    assert.equal(execution.error.type, 'RunTimeout');
    assert.equal(clipOf(execution).status, 'error');
    assert.equal(clipOf(execution).error.type, 'RunTimeout');
    assert.equal(execution.waitingOn, null);
  });

  it('refuses ?async=true for a provider that cannot be polled', async () => {
    const workflow = await buildWorkflow(api.engine.db, accountId, videoGraph({}, 'sandbox-video-push'));
    const response = await api.request('POST', `/api/workflows/${workflow.slug}/run?async=true`, { body: { inputs: { topic: 'x' } }, headers: auth() });
    assert.equal(response.status, 400);
    assert.equal(response.body.error.code, 'ASYNC_NOT_SUPPORTED');
  });
});
