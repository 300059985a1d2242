import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { CallbackRejected, ProviderError } from '../../../src/providers/errors';
import { ReplicateProvider } from '../../../src/providers/replicate';
import { startFakeReplicate, versionOf, type CreateAnswer, type FakeReplicate } from '../../support/fakeReplicate';
import { jobRequest, pollToEnd } from '../../support/jobRequests';
import { startReceiver, type Receiver } from '../../support/receiver';

const VERSION = 'a'.repeat(64);

describe('Replicate adapter (official client against a fake Replicate API)', () => {
  let fake: FakeReplicate;
  let receiver: Receiver;
  let replicate: ReplicateProvider;

  beforeEach(async () => {
    [fake, receiver] = await Promise.all([startFakeReplicate(), startReceiver()]);
    replicate = new ReplicateProvider({ apiToken: fake.token, webhookSecret: fake.webhookSecret, baseUrl: fake.baseUrl });
  });
  afterEach(async () => Promise.all([fake.close(), receiver.close()]));

  it('creates a prediction for an official owner/name by name, with our webhook and the start and completed events', async () => {
    fake.officialModels.add('black-forest-labs/flux-schnell');
    const job = await replicate.submit(jobRequest('replicate:black-forest-labs/flux-schnell', { callbackUrl: receiver.url, config: { input: { num_outputs: 1 } } }));
    const prediction = fake.predictions.get(job.jobId)!;
    assert.equal(prediction.model, 'black-forest-labs/flux-schnell');
    assert.deepEqual(prediction.input, { prompt: 'a lighthouse at dusk', num_outputs: 1 });
    assert.equal(prediction.webhook, receiver.url);
    assert.deepEqual(prediction.webhook_events_filter, ['start', 'completed']);
  });

  it('creates a prediction by version for owner/name:version', async () => {
    const job = await replicate.submit(jobRequest(`replicate:stability-ai/sdxl:${VERSION}`));
    assert.equal(fake.predictions.get(job.jobId)!.version, VERSION);
  });

  it('runs a community owner/name by the latest version GET /v1/models/{owner}/{name} names (its models endpoint serves official models only)', async () => {
    const job = await replicate.submit(jobRequest('replicate:someone/community-model'));
    assert.equal(fake.predictions.get(job.jobId)!.version, versionOf('someone/community-model'));
    assert.equal((await pollToEnd(replicate, job)).status, 'succeeded');
  });

  describe('sends each create once, whatever the answer', () => {
    const once = async (answer: CreateAnswer) => {
      fake.createAnswers.push(answer);
      const started = Date.now();
      const err = await replicate.submit(jobRequest('replicate:acme/painter')).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof ProviderError, `expected a ProviderError, got ${String(err)}`);
      assert.equal(fake.createRequests.length, 1, 'the client did not re-send the create');
      return { err, elapsedMs: Date.now() - started };
    };
    it('an answer lost after Replicate accepted the create: ProviderUnavailable, one prediction', async () => {
      const { err } = await once({ answer: 'lost' });
      assert.equal(err.type, 'ProviderUnavailable');
      assert.equal(fake.creates, 1);
    });
    it('502 after Replicate accepted the create: ProviderUnavailable with the status, one prediction', async () => {
      const { err } = await once({ answer: '502' });
      assert.deepEqual([err.type, err.details.status], ['ProviderUnavailable', 502]);
      assert.equal(fake.creates, 1);
    });
    it('429: ProviderRateLimited at once, carrying the 2 s Replicate asks to wait', async () => {
      const { err, elapsedMs } = await once({ answer: '429', retryAfter: 2 });
      assert.deepEqual([err.type, err.details.status, err.details.retryAfterMs], ['ProviderRateLimited', 429, 2_000]);
      assert.ok(elapsedMs < 1_000, `answered after ${elapsedMs} ms`);
      assert.equal(fake.creates, 0);
    });
  });

  it('finds the step’s prediction whose create answer was lost, by the step’s callback URL, among the listed predictions', async () => {
    const stepUrl = `${receiver.url}/api/providers/callbacks/ex_1/art?token=t0k`;
    fake.behave(() => ({ outcome: 'hang' }));
    await replicate.submit(jobRequest('replicate:acme/painter', { callbackUrl: `${receiver.url}/api/providers/callbacks/ex_1/other?token=t1&submit=1` }));
    fake.createAnswers.push({ answer: 'lost' });
    await assert.rejects(replicate.submit(jobRequest('replicate:acme/painter', { callbackUrl: `${stepUrl}&submit=1` })));
    const lost = [...fake.predictions.values()].at(-1)!;
    const found = await replicate.findSubmitted(jobRequest('replicate:acme/painter', { attempt: 2, callbackUrl: `${stepUrl}&submit=2`, stepCallbackUrl: stepUrl, firstSubmitAt: Date.now() - 5_000 }));
    assert.deepEqual(found, { job: { jobId: lost.id }, running: true });
    const none = await replicate.findSubmitted(jobRequest('replicate:acme/painter', { attempt: 2, stepCallbackUrl: `${receiver.url}/api/providers/callbacks/ex_2/art?token=x`, firstSubmitAt: Date.now() - 5_000 }));
    assert.equal(none, undefined);
  });

  it('reads an aborted prediction (ended before it started) as a failure saying so', async () => {
    fake.behave(() => ({ outcome: 'abort' }));
    const state = await pollToEnd(replicate, await replicate.submit(jobRequest('replicate:acme/painter')));
    assert.equal(state.status === 'failed' && state.error.type, 'ProviderJobAborted');
    assert.match(state.status === 'failed' ? state.error.message : '', /aborted before it started/);
  });

  it('reads the media URL out of every output shape: a string, a list, an object holding URLs, a data: URI', async () => {
    const shapes: Array<[unknown, string]> = [
      ['https://replicate.delivery/a.png', 'https://replicate.delivery/a.png'],
      [['https://replicate.delivery/b.mp4', 'https://replicate.delivery/c.mp4'], 'https://replicate.delivery/b.mp4'],
      [{ audio_out: 'https://replicate.delivery/d.wav', text: 'hello' }, 'https://replicate.delivery/d.wav'],
      ['data:image/png;base64,iVBORw0KGgo=', 'data:image/png;base64,iVBORw0KGgo='],
    ];
    for (const [output, url] of shapes) {
      fake.behave(() => ({ output: () => output }));
      const state = await pollToEnd(replicate, await replicate.submit(jobRequest('replicate:acme/painter')));
      assert.equal(state.status === 'succeeded' && state.result.type === 'url' && state.result.url, url, JSON.stringify(output));
    }
  });

  it('polls a prediction to success and answers its output URL, a real PNG', async () => {
    const job = await replicate.submit(jobRequest('replicate:acme/painter'));
    const state = await pollToEnd(replicate, job);
    assert.equal(state.status, 'succeeded');
    assert.ok(state.status === 'succeeded' && state.result.type === 'url');
    const response = await fetch(state.result.url);
    assert.equal(response.headers.get('content-type'), 'image/png');
    assert.deepEqual([...new Uint8Array(await response.arrayBuffer()).subarray(1, 4)], [0x50, 0x4e, 0x47]);
    assert.equal(state.result.meta?.mimeType, 'image/png');
  });

  it('reports a failed prediction with Replicate’s error message', async () => {
    fake.behave(() => ({ outcome: 'fail', error: 'CUDA out of memory' }));
    const state = await pollToEnd(replicate, await replicate.submit(jobRequest('replicate:acme/painter')));
    assert.deepEqual(state, { status: 'failed', error: { type: 'ProviderJobFailed', message: 'replicate: CUDA out of memory' } });
  });

  it('cancels the prediction at Replicate, which then reads as canceled', async () => {
    fake.behave(() => ({ outcome: 'hang' }));
    const job = await replicate.submit(jobRequest('replicate:acme/painter'));
    await replicate.cancel(job, new AbortController().signal);
    assert.deepEqual(fake.cancels, [job.jobId]);
    const state = await pollToEnd(replicate, job);
    assert.equal(state.status === 'failed' && state.error.type, 'ProviderJobCanceled');
  });

  it('verifies the start and completed webhooks Replicate signs, reading running then the output', async () => {
    const job = await replicate.submit(jobRequest('replicate:acme/painter', { callbackUrl: receiver.url }));
    const [start, completed] = await receiver.waitFor(2);
    const first = await replicate.parseCallback({ headers: start!.headers, query: {}, rawBody: start!.rawBody });
    assert.deepEqual(first, { jobId: job.jobId, state: { status: 'running' }, callbackUrl: receiver.url });
    const last = await replicate.parseCallback({ headers: completed!.headers, query: {}, rawBody: completed!.rawBody });
    assert.equal(last.state.status, 'succeeded');
  });

  describe('refuses webhooks it cannot trust', () => {
    const rejection = async (headers: Record<string, string>, rawBody: Buffer) => {
      const err = await replicate.parseCallback({ headers, query: {}, rawBody }).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof CallbackRejected, `expected a rejection, got ${String(err)}`);
      return err.code;
    };
    const signed = (secret: string, body: string, at = new Date()) => {
      const id = 'msg_1';
      return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(id, at, body) };
    };
    const body = JSON.stringify({ id: 'p1', status: 'succeeded', output: ['https://replicate.delivery/x.png'] });

    it('signed with another secret: CALLBACK_SIGNATURE_INVALID', async () => {
      assert.equal(await rejection(signed(`whsec_${randomBytes(24).toString('base64')}`, body), Buffer.from(body)), 'CALLBACK_SIGNATURE_INVALID');
    });
    it('a body altered after signing: CALLBACK_SIGNATURE_INVALID', async () => {
      assert.equal(await rejection(signed(fake.webhookSecret, body), Buffer.from(body.replace('succeeded', 'failed'))), 'CALLBACK_SIGNATURE_INVALID');
    });
    it('a genuine signature ten minutes old: CALLBACK_SIGNATURE_STALE', async () => {
      assert.equal(await rejection(signed(fake.webhookSecret, body, new Date(Date.now() - 10 * 60_000)), Buffer.from(body)), 'CALLBACK_SIGNATURE_STALE');
    });
    it('no signature headers: CALLBACK_SIGNATURE_MISSING', async () => {
      assert.equal(await rejection({}, Buffer.from(body)), 'CALLBACK_SIGNATURE_MISSING');
    });
    it('no webhook secret configured: every webhook is refused', async () => {
      replicate = new ReplicateProvider({ apiToken: fake.token, baseUrl: fake.baseUrl });
      assert.equal(await rejection(signed(fake.webhookSecret, body), Buffer.from(body)), 'CALLBACK_VERIFICATION_UNAVAILABLE');
    });
  });

  it('classifies a bad token as InvalidConfig and a missing token before any call', async () => {
    const wrong = new ReplicateProvider({ apiToken: 'r8_wrong', baseUrl: fake.baseUrl });
    await assert.rejects(wrong.submit(jobRequest('replicate:acme/painter')), (err: unknown) => err instanceof ProviderError && err.type === 'InvalidConfig' && err.details.status === 401);
    await assert.rejects(new ReplicateProvider({}).submit(jobRequest('replicate:acme/painter')), /REPLICATE_API_TOKEN is not configured/);
    assert.equal(fake.creates, 0);
  });
});
