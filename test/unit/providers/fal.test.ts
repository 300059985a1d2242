import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { CallbackRejected, ProviderError } from '../../../src/providers/errors';
import { FalProvider } from '../../../src/providers/fal';
import { startFakeFal, type FakeFal } from '../../support/fakeFal';
import { jobRequest, pollToEnd } from '../../support/jobRequests';
import { startReceiver, type Receiver } from '../../support/receiver';

describe('fal adapter (official client against a fake fal queue)', () => {
  let fake: FakeFal;
  let receiver: Receiver;
  let fal: FalProvider;

  beforeEach(async () => {
    [fake, receiver] = await Promise.all([startFakeFal(), startReceiver()]);
    fal = new FalProvider({ key: fake.key, baseUrl: fake.baseUrl, jwksUrl: fake.jwksUrl });
  });
  afterEach(async () => Promise.all([fake.close(), receiver.close()]));

  it('queues the request on the endpoint with our webhook as fal_webhook', async () => {
    const job = await fal.submit(jobRequest('fal:fal-ai/flux/dev', { callbackUrl: receiver.url, params: { width: 512, height: 512 } }));
    const queued = fake.requests.get(job.jobId)!;
    assert.equal(queued.endpoint, 'fal-ai/flux/dev');
    assert.equal(queued.webhook, receiver.url);
    assert.deepEqual(queued.input, { prompt: 'a lighthouse at dusk', width: 512, height: 512 });
    assert.deepEqual(job.data, { endpoint: 'fal-ai/flux/dev' });
  });

  it('polls status then result, answering the first image URL with what fal says about it', async () => {
    const job = await fal.submit(jobRequest('fal:fal-ai/flux/dev'));
    const state = await pollToEnd(fal, job);
    assert.ok(state.status === 'succeeded' && state.result.type === 'url');
    assert.deepEqual(state.result.meta, { mimeType: 'image/png', width: 16, height: 16 });
    assert.equal((await fetch(state.result.url)).headers.get('content-type'), 'image/png');
  });

  it('reports a failed request with fal’s detail', async () => {
    fake.behave(() => ({ outcome: 'fail', error: 'NSFW content detected' }));
    const state = await pollToEnd(fal, await fal.submit(jobRequest('fal:fal-ai/flux/dev')));
    assert.deepEqual(state, { status: 'failed', error: { type: 'ProviderJobFailed', message: 'fal: NSFW content detected' } });
  });

  it('cancels the request at fal, which then reads as cancelled', async () => {
    fake.behave(() => ({ outcome: 'hang' }));
    const job = await fal.submit(jobRequest('fal:fal-ai/flux/dev'));
    await fal.cancel(job, new AbortController().signal);
    assert.deepEqual(fake.cancels, [job.jobId]);
    const state = await pollToEnd(fal, job);
    assert.equal(state.status === 'failed' && state.error.type, 'ProviderJobCanceled');
    // Cancelling again once it ended is not an error (fal answers 400 ALREADY_COMPLETED).
    await fal.cancel(job, new AbortController().signal);
  });

  it('verifies the webhook fal signs with ED25519 against the published key set', async () => {
    const job = await fal.submit(jobRequest('fal:fal-ai/flux/dev', { callbackUrl: receiver.url }));
    const [delivery] = await receiver.waitFor(1);
    const parsed = await fal.parseCallback({ headers: delivery!.headers, query: {}, rawBody: delivery!.rawBody });
    assert.equal(parsed.jobId, job.jobId);
    assert.equal(parsed.state.status, 'succeeded');
  });

  it('reads a failed request from its webhook, with fal’s detail rather than the bare status', async () => {
    fake.behave(() => ({ outcome: 'fail', error: 'bad prompt' }));
    await fal.submit(jobRequest('fal:fal-ai/flux/dev', { callbackUrl: receiver.url }));
    const [delivery] = await receiver.waitFor(1);
    const parsed = await fal.parseCallback({ headers: delivery!.headers, query: {}, rawBody: delivery!.rawBody });
    assert.deepEqual(parsed.state, { status: 'failed', error: { type: 'ProviderJobFailed', message: 'fal: bad prompt' } });
  });

  describe('submits exactly once per call, whatever the answer (the client would re-POST on 502/503/504 and network errors)', () => {
    for (const answer of [502, 503, 504, 'lost'] as const) {
      it(`queued, then ${answer === 'lost' ? 'the connection dropped' : `answered ${answer}`}: ProviderUnavailable, one request at fal`, async () => {
        fake.submitAnswers.push(answer);
        const started = Date.now();
        const err = await fal.submit(jobRequest('fal:fal-ai/flux/dev')).then(() => undefined, (e: unknown) => e);
        assert.ok(err instanceof ProviderError && err.type === 'ProviderUnavailable', String(err));
        assert.equal(fake.submits, 1, 'one POST reached fal');
        assert.ok(Date.now() - started < 900, 'no client backoff before giving up');
      });
    }
  });

  it('a payload_error webhook (payload: null) does not fail the step: the result is fetched from the queue', async () => {
    fake.behave(() => ({ payloadError: true }));
    const job = await fal.submit(jobRequest('fal:fal-ai/flux/dev', { callbackUrl: receiver.url }));
    const [delivery] = await receiver.waitFor(1);
    assert.equal(JSON.parse(delivery!.rawBody.toString()).payload, null);
    const parsed = await fal.parseCallback({ headers: delivery!.headers, query: {}, rawBody: delivery!.rawBody }, job);
    assert.ok(parsed.state.status === 'succeeded' && parsed.state.result.type === 'url', JSON.stringify(parsed.state));
    assert.match(parsed.state.result.url, /\.png$/);
    // Without the recorded job (its endpoint), the webhook reads as progress and polling fetches it.
    const unrecorded = await fal.parseCallback({ headers: delivery!.headers, query: {}, rawBody: delivery!.rawBody });
    assert.deepEqual(unrecorded.state, { status: 'running' });
  });

  it('a 503 on the result read is a retryable poll failure, not the job’s; the next poll reads the result', async () => {
    const job = await fal.submit(jobRequest('fal:fal-ai/flux/dev'));
    await pollToEnd(fal, job);
    fake.resultFailures = 1;
    const reads = fake.resultReads;
    const err = await fal.poll(job, { signal: new AbortController().signal }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof ProviderError && err.type === 'ProviderUnavailable', String(err));
    assert.equal(fake.resultReads - reads, 1, 'the client did not retry by itself');
    assert.equal((await fal.poll(job, { signal: new AbortController().signal })).status, 'succeeded');
  });

  describe('refuses webhooks it cannot trust', () => {
    const forger = generateKeyPairSync('ed25519');
    const body = JSON.stringify({ request_id: 'r1', status: 'OK', payload: { images: [{ url: 'https://v3.fal.media/x.png' }] } });
    const headersFor = (key: typeof forger.privateKey, rawBody: string, seconds = Math.floor(Date.now() / 1000), requestId = 'r1') => {
      const message = [requestId, fake.userId, String(seconds), createHash('sha256').update(rawBody).digest('hex')].join('\n');
      return {
        'x-fal-webhook-request-id': requestId,
        'x-fal-webhook-user-id': fake.userId,
        'x-fal-webhook-timestamp': String(seconds),
        'x-fal-webhook-signature': sign(null, Buffer.from(message), key).toString('hex'),
      };
    };
    const rejection = async (headers: Record<string, string>, rawBody: string) => {
      const err = await fal.parseCallback({ headers, query: {}, rawBody: Buffer.from(rawBody) }).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof CallbackRejected, `expected a rejection, got ${String(err)}`);
      return err.code;
    };

    it('signed with a key fal does not publish: CALLBACK_SIGNATURE_INVALID', async () => {
      assert.equal(await rejection(headersFor(forger.privateKey, body), body), 'CALLBACK_SIGNATURE_INVALID');
    });
    it('a genuine delivery with its body altered: CALLBACK_SIGNATURE_INVALID', async () => {
      await fal.submit(jobRequest('fal:fal-ai/flux/dev', { callbackUrl: receiver.url }));
      const [delivery] = await receiver.waitFor(1);
      assert.equal(await rejection(delivery!.headers, delivery!.rawBody.toString('utf8').replace('"OK"', '"ERROR"')), 'CALLBACK_SIGNATURE_INVALID');
    });
    it('a timestamp ten minutes old: CALLBACK_SIGNATURE_STALE', async () => {
      assert.equal(await rejection(headersFor(forger.privateKey, body, Math.floor(Date.now() / 1000) - 600), body), 'CALLBACK_SIGNATURE_STALE');
    });
    it('no signature headers: CALLBACK_SIGNATURE_MISSING', async () => {
      assert.equal(await rejection({}, body), 'CALLBACK_SIGNATURE_MISSING');
    });
    it('a key set that cannot be fetched: CALLBACK_VERIFICATION_UNAVAILABLE', async () => {
      fal = new FalProvider({ key: fake.key, baseUrl: fake.baseUrl, jwksUrl: `${fake.baseUrl}/no-such-jwks.json` });
      assert.equal(await rejection(headersFor(forger.privateKey, body), body), 'CALLBACK_VERIFICATION_UNAVAILABLE');
    });
  });

  it('classifies a bad key as InvalidConfig and a missing key before any call', async () => {
    const wrong = new FalProvider({ key: 'nope:nope', baseUrl: fake.baseUrl, jwksUrl: fake.jwksUrl });
    await assert.rejects(wrong.submit(jobRequest('fal:fal-ai/flux/dev')), (err: unknown) => err instanceof ProviderError && err.type === 'InvalidConfig');
    await assert.rejects(new FalProvider({}).submit(jobRequest('fal:fal-ai/flux/dev')), /FAL_KEY is not configured/);
    assert.equal(fake.submits, 0);
  });
});
