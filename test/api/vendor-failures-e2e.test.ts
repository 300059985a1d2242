// Every paid vendor call once, and stopped when the run stops: real runs (API, Temporal worker,
// Postgres, media store) against a fake Replicate that shows the failure shapes real traffic has:
// a create accepted whose answer is lost or is a 502, a slow create the run is cancelled during,
// 429 with retry-after, `aborted`, every output shape, `data:` URIs and outputs of the wrong kind.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';
import type { CanvasGraph } from '../../src/domain/types';
import { metrics } from '../../src/observability/metrics';
import { startTestApi, type TestApi } from '../support/api';
import { ended, executionReader } from '../support/executions';
import { startFakeReplicate, type FakePrediction, type FakeReplicate, type ReplicateBehaviour } from '../support/fakeReplicate';
import { fakeMp4, fakeWav } from '../support/fakeMedia';
import { fakePng } from '../support/fakePng';
import { buildAccount, buildApiKey, buildWorkflow } from '../support/fixtures';

describe('vendor failure shapes in real runs (fake Replicate)', function () {
  this.timeout(90_000);
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
    const account = await buildAccount(api.engine.db, { tier: 'enterprise', creditBalance: 10_000 });
    accountId = account.id;
    key = (await buildApiKey(api.engine.db, account.id)).secret;
  });
  after(async () => {
    await api?.close();
    await fake?.close();
  });
  afterEach(() => {
    fake.behave(() => ({}));
    fake.createAnswers.length = 0;
  });

  const auth = () => ({ 'x-api-key': key });
  const { waitFor } = executionReader(() => api, auth);
  const graph = (config: Record<string, unknown>, node: { type: string; port: string } = { type: 'image-generation', port: 'image' }): CanvasGraph => ({
    nodes: [
      { id: 'input', type: 'request-input', config: { fields: [{ name: 'topic', type: 'string', required: true }] } },
      { id: 'art', type: node.type, config: { model: 'replicate:acme/painter', prompt: `${Math.random()} {{topic}}`, ...config } },
      { id: 'output', type: 'response-output', config: {} },
    ],
    edges: [
      { source: 'input', sourcePort: 'topic', target: 'art', targetPort: 'topic' },
      { source: 'art', sourcePort: node.port, target: 'output', targetPort: node.port },
    ],
  });
  const start = async (config: Record<string, unknown>, node?: { type: string; port: string }) => {
    const workflow = await buildWorkflow(api.engine.db, accountId, graph(config, node));
    const response = await api.request('POST', `/api/workflows/${workflow.slug}/run?async=true`, { body: { inputs: { topic: 'tides' } }, headers: auth() });
    assert.equal(response.status, 202, JSON.stringify(response.body));
    return response.body.executionId as string;
  };
  const art = (execution: any) => execution.steps.find((step: any) => step.id === 'art');
  /** The predictions created for an execution's step (each carries the step's callback URL). */
  const predictionsOf = (executionId: string): FakePrediction[] => [...fake.predictions.values()].filter((p) => p.webhook?.includes(`/callbacks/${executionId}/art?`));
  const until = async (what: string, check: () => boolean, withinMs = 15_000) => {
    for (const deadline = Date.now() + withinMs; !check(); await sleep(25)) if (Date.now() > deadline) throw new Error(`never: ${what}`);
  };
  /** One prediction of the step ran to its end; every other one received a cancel while it still ran. */
  const assertOneRanToItsEnd = async (executionId: string) => {
    const predictions = predictionsOf(executionId);
    assert.equal(predictions.filter((p) => p.status === 'succeeded').length, 1, JSON.stringify(predictions.map((p) => p.status)));
    for (const other of predictions.filter((p) => p.status !== 'succeeded')) {
      await until(`prediction ${other.id} cancelled`, () => fake.cancels.includes(other.id));
      assert.equal(other.status, 'canceled', 'the cancel reached it while it still ran');
    }
  };
  const counted = async (outcome: string) => {
    const metric = await metrics.vendorJobs.get();
    return metric.values.find((value) => value.labels.vendor === 'replicate' && value.labels.outcome === outcome)?.value ?? 0;
  };
  const storedBytes = async (ref: { url: string }) => Buffer.from(await (await fetch(ref.url)).arrayBuffer());
  const webhookOnly = { pollAfterMs: 600_000 };

  describe('no second paid job for one step', () => {
    for (const answer of ['lost', '502'] as const) {
      it(`a create Replicate accepted but answered ${answer === 'lost' ? 'with a dropped connection' : '502'}: the run completes and one prediction of the step runs to its end`, async () => {
        const before = fake.creates;
        fake.createAnswers.push({ answer });
        const started = Date.now();
        const id = await start(webhookOnly);
        const execution = await waitFor(id, ended);
        console.log(`      (measured: run with a ${answer} create answer completed in ${Date.now() - started} ms)`);
        assert.equal(execution.status, 'completed', JSON.stringify(execution.error));
        assert.equal(fake.creates - before, 1, 'the retried submit resumed the prediction the first create made');
        await assertOneRanToItsEnd(id);
      });
    }

    it('a lost answer whose prediction the retry cannot find: the second prediction runs to its end, the first is cancelled at its start webhook while it runs', async () => {
      let n = 0;
      // The first prediction is not listed (yet) and starts late; the retry's own runs for 2 s.
      fake.behave((): ReplicateBehaviour => (++n === 1 ? { unlisted: true, startDelayMs: 2_500, outcome: 'hang' } : { delayMs: 4_000 }));
      fake.createAnswers.push({ answer: 'lost' });
      const orphansBefore = await counted('orphan_cancelled');
      const id = await start(webhookOnly);
      const execution = await waitFor(id, ended);
      assert.equal(execution.status, 'completed', JSON.stringify(execution.error));
      assert.equal(predictionsOf(id).length, 2);
      await assertOneRanToItsEnd(id);
      assert.equal(await counted('orphan_cancelled'), orphansBefore + 1, 'builder_vendor_jobs_total{outcome="orphan_cancelled"}');
      const orphan = predictionsOf(id).find((p) => p.status === 'canceled')!;
      const row = await api.engine.db.providerJob.findFirst({ where: { jobId: orphan.id } });
      assert.equal((row?.data as { outcome?: string } | null)?.outcome, 'orphan_cancelled', 'the orphan is recorded');
    });
  });

  it('a genuine signed webhook of another step’s prediction, replayed to a step’s callback URL, is refused and cancels nothing', async () => {
    fake.behave(() => ({ outcome: 'hang' }));
    const victim = await start(webhookOnly);
    const target = await start(webhookOnly);
    await until('both predictions exist', () => predictionsOf(victim).length === 1 && predictionsOf(target).length === 1);
    const [prediction] = predictionsOf(victim);
    const targetUrl = new URL(predictionsOf(target)[0]!.webhook!);
    const body = JSON.stringify(prediction);
    const now = new Date();
    const signed = new Webhook(fake.webhookSecret).sign('msg_replay', now, body);
    const replayed = await api.request('POST', targetUrl.pathname + targetUrl.search, {
      raw: body,
      headers: { 'webhook-id': 'msg_replay', 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': signed },
    });
    assert.equal(replayed.status, 401);
    assert.equal(replayed.body.error.code, 'CALLBACK_SIGNATURE_INVALID');
    assert.ok(!fake.cancels.includes(prediction!.id), 'the other step’s prediction runs on');
    for (const id of [victim, target]) await api.request('POST', `/api/executions/${id}/cancel`, { headers: auth() });
  });

  describe('a run cancelled while its create is in flight: the prediction is cancelled at Replicate', () => {
    const cancelDuringCreate = async (behaviour: ReplicateBehaviour, label: string) => {
      fake.behave(() => behaviour);
      fake.createAnswers.push({ answer: 'slow', delayMs: 3_000 });
      const requestsBefore = fake.createRequests.length;
      const id = await start(webhookOnly);
      await until('the create is in flight', () => fake.createRequests.length > requestsBefore);
      await sleep(200);
      const cancelledAt = Date.now();
      const cancelled = await api.request('POST', `/api/executions/${id}/cancel`, { headers: auth() });
      assert.equal(cancelled.status, 202);
      assert.equal((await waitFor(id, ended)).status, 'cancelled');
      const [prediction] = predictionsOf(id);
      assert.ok(prediction);
      await until('the prediction is cancelled at Replicate', () => fake.cancels.includes(prediction.id));
      const answersAt = fake.createRequests.at(-1)!.at + 3_000;
      console.log(`      (measured, ${label}: the cancel reached Replicate ${Date.now() - cancelledAt} ms after the run cancel, ${answersAt - Date.now()} ms before the create answered)`);
      assert.ok(answersAt > Date.now(), 'cancelled before the create answered');
      assert.equal(prediction.status, 'canceled');
      assert.equal(fake.createRequests.length - requestsBefore, 1, 'no second create');
    };
    it('one that started before the cancel (its start webhook made it the step’s job): cancelled before the create even answers', () =>
      cancelDuringCreate({ outcome: 'hang' }, 'started before'));
    it('one that starts after the cancel: its start webhook, for a stopped step, cancels it', () =>
      cancelDuringCreate({ outcome: 'hang', startDelayMs: 1_500 }, 'started after'));
  });

  it('a sibling failing while the create is in flight: the prediction is cancelled at Replicate', async () => {
    fake.behave(() => ({ outcome: 'hang' }));
    fake.createAnswers.push({ answer: 'slow', delayMs: 3_000 });
    const workflow = await buildWorkflow(api.engine.db, accountId, {
      nodes: [
        { id: 'input', type: 'request-input', config: { fields: [{ name: 'topic', type: 'string', required: true }] } },
        { id: 'art', type: 'image-generation', config: { model: 'replicate:acme/painter', prompt: `${Math.random()} {{topic}}`, ...webhookOnly } },
        { id: 'words', type: 'text-generation', config: { model: 'sandbox-text', prompt: '{{topic}}', sandbox: { delayMs: 700, reject: true }, retry: { maximumAttempts: 1 } } },
        { id: 'output', type: 'response-output', config: {} },
      ],
      edges: [
        { source: 'input', sourcePort: 'topic', target: 'art', targetPort: 'topic' },
        { source: 'input', sourcePort: 'topic', target: 'words', targetPort: 'topic' },
        { source: 'art', sourcePort: 'image', target: 'output', targetPort: 'image' },
        { source: 'words', sourcePort: 'text', target: 'output', targetPort: 'text' },
      ],
    });
    const response = await api.request('POST', `/api/workflows/${workflow.slug}/run?async=true`, { body: { inputs: { topic: 'tides' } }, headers: auth() });
    assert.equal(response.status, 202, JSON.stringify(response.body));
    const id = response.body.executionId as string;
    const execution = await waitFor(id, ended);
    assert.equal(execution.status, 'error');
    assert.equal(art(execution).status, 'skipped');
    const [prediction] = predictionsOf(id);
    assert.ok(prediction);
    await until('the prediction is cancelled at Replicate', () => fake.cancels.includes(prediction.id));
    assert.equal(prediction.status, 'canceled');
  });

  it('a 429 with retry-after: 2 is waited out: the next create comes at least 2 s later, and one prediction runs', async () => {
    fake.createAnswers.push({ answer: '429', retryAfter: 2 });
    const requestsBefore = fake.createRequests.length;
    const id = await start(webhookOnly);
    const execution = await waitFor(id, ended);
    assert.equal(execution.status, 'completed', JSON.stringify(execution.error));
    const [throttled, next] = fake.createRequests.slice(requestsBefore);
    assert.equal(throttled?.answer, '429');
    assert.ok(next && next.at - throttled.at >= 2_000, `the next create came ${next ? next.at - throttled.at : '∞'} ms later`);
    console.log(`      (measured: the create after the 429 came ${next.at - throttled.at} ms later)`);
    assert.equal(fake.createRequests.length - requestsBefore, 2, 'the client did not re-send the 429ed create by itself');
    assert.equal(predictionsOf(id).length, 1);
  });

  describe('every documented shape', () => {
    it('an aborted prediction fails the step saying it was aborted', async () => {
      fake.behave(() => ({ outcome: 'abort' }));
      const execution = await waitFor(await start(webhookOnly), ended);
      assert.equal(execution.status, 'error');
      assert.match(JSON.stringify(art(execution).error), /ProviderJobAborted/);
      assert.match(JSON.stringify(art(execution).error), /was aborted before it started/);
    });

    it('an output as a string and as an object holding URLs is stored by reference, byte for byte', async () => {
      const shapes: Array<(base: string, id: string) => unknown> = [(base, id) => `${base}/files/${id}/out-0.png`, (base, id) => ({ image: `${base}/files/${id}/out-0.png`, seed: 7 })];
      for (const output of shapes) {
        fake.behave(() => ({ output }));
        const id = await start(webhookOnly);
        const execution = await waitFor(id, ended);
        assert.equal(execution.status, 'completed', JSON.stringify(execution.error));
        const [prediction] = predictionsOf(id);
        assert.deepEqual(await storedBytes(art(execution).output.image), fakePng(prediction!.id));
      }
    });

    it('a 3 MB data: URI output is decoded and stored in the worker, byte for byte, and the run’s history stays under 64 KB', async () => {
      const bytes = Buffer.concat([fakePng('inline'), randomBytes(3 * 1024 * 1024)]);
      fake.behave(() => ({ output: () => `data:image/png;base64,${bytes.toString('base64')}` }));
      // Its webhook is over the callback body cap: polling fetches it.
      const id = await start({ pollAfterMs: 1_000, pollIntervalMs: 1_000 });
      const execution = await waitFor(id, ended);
      assert.equal(execution.status, 'completed', JSON.stringify(execution.error));
      const image = art(execution).output.image;
      assert.equal(image.sha256, createHash('sha256').update(bytes).digest('hex'));
      assert.deepEqual(await storedBytes(image), bytes);
      const { temporalWorkflowId } = await api.engine.db.execution.findUniqueOrThrow({ where: { id }, select: { temporalWorkflowId: true } });
      const history = await api.engine.client.workflow.getHandle(temporalWorkflowId).fetchHistory();
      const size = Buffer.byteLength(JSON.stringify(history));
      assert.ok(size < 64 * 1024, `history is ${size} bytes`);
      console.log(`      (3 MB data: URI run: history ${size} bytes as JSON)`);
    });

    it('a small data: URI output arriving by webhook is stored by the callback route: the signal carries a reference', async () => {
      const bytes = fakePng('small-inline', 64);
      fake.behave(() => ({ output: () => [`data:image/png;base64,${bytes.toString('base64')}`] }));
      const id = await start(webhookOnly);
      const execution = await waitFor(id, ended);
      assert.equal(execution.status, 'completed', JSON.stringify(execution.error));
      assert.deepEqual(await storedBytes(art(execution).output.image), bytes);
      const { temporalWorkflowId } = await api.engine.db.execution.findUniqueOrThrow({ where: { id }, select: { temporalWorkflowId: true } });
      const history = await api.engine.client.workflow.getHandle(temporalWorkflowId).fetchHistory();
      const signals = (history.events ?? []).flatMap((event) => event.workflowExecutionSignaledEventAttributes?.input?.payloads ?? []);
      assert.equal(signals.length, 1, 'it came by the signal');
      const signal = JSON.parse(Buffer.from(signals[0]!.data!).toString('utf8')) as { result?: { type?: string; ref?: { sha256?: string } } };
      assert.equal(signal.result?.type, 'stored', 'the signal carries a reference, not the data: URI');
      assert.equal(signal.result?.ref?.sha256, createHash('sha256').update(bytes).digest('hex'));
    });

    it('an output URL serving text/html fails an image step, naming what arrived', async () => {
      fake.files.set('/files/page.png', { contentType: 'image/png', body: Buffer.from('<!DOCTYPE html><html><body>Rate limited</body></html>') });
      fake.behave(() => ({ output: (base) => [`${base}/files/page.png`] }));
      const execution = await waitFor(await start(webhookOnly), ended);
      assert.equal(execution.status, 'error');
      assert.match(JSON.stringify(art(execution).error), /MediaKindMismatch: expected image, got text\/html/);
    });

    it('video and audio outputs are stored for video and audio steps; a PNG for a video step is refused', async () => {
      const mp4 = fakeMp4('clip');
      const wav = fakeWav('voice');
      fake.files.set('/files/clip.mp4', { contentType: 'application/octet-stream', body: mp4 });
      fake.files.set('/files/voice.wav', { contentType: 'audio/x-wav', body: wav });
      fake.behave(() => ({ output: (base) => `${base}/files/clip.mp4` }));
      const video = await waitFor(await start(webhookOnly, { type: 'video-generation', port: 'video' }), ended);
      assert.equal(video.status, 'completed', JSON.stringify(video.error));
      assert.deepEqual(await storedBytes(art(video).output.video), mp4);
      fake.behave(() => ({ output: (base) => ({ audio_out: `${base}/files/voice.wav` }) }));
      const audio = await waitFor(await start(webhookOnly, { type: 'audio-generation', port: 'audio' }), ended);
      assert.equal(audio.status, 'completed', JSON.stringify(audio.error));
      assert.deepEqual(await storedBytes(art(audio).output.audio), wav);
      fake.behave(() => ({}));
      const wrong = await waitFor(await start(webhookOnly, { type: 'video-generation', port: 'video' }), ended);
      assert.equal(wrong.status, 'error');
      assert.match(JSON.stringify(art(wrong).error), /MediaKindMismatch: expected video, got image\/png/);
    });
  });
});
