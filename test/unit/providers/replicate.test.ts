import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { CallbackRejected, ProviderError } from '../../../src/providers/errors';
import { ReplicateProvider } from '../../../src/providers/replicate';
import { startFakeReplicate, type FakeReplicate } from '../../support/fakeReplicate';
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

  it('creates a prediction for owner/name with our webhook and the start and completed events', async () => {
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
    assert.deepEqual(first, { jobId: job.jobId, state: { status: 'running' } });
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
