// Telling our own outage from the provider's fault, and holding a provider's bytes for another save.
import assert from 'node:assert/strict';
import { MediaDownloadFailed } from '../../../src/media/errors';
import { ProviderError } from '../../../src/providers/errors';
import { ourOutageOf, ReplayableBody, rideOutOurOutage } from '../../../src/activities/ourOutage';

describe('our own outage', () => {
  it('counts an unreachable database or media store as ours, and a vendor download or provider error as not', () => {
    assert.equal(ourOutageOf(Object.assign(new Error('Server has closed the connection.'), { code: 'P1017' })), 'database');
    assert.equal(ourOutageOf(Object.assign(new Error('write failed'), { code: 'EIO' })), 'media store');
    assert.equal(ourOutageOf(Object.assign(new Error('slow down'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } })), 'media store');
    assert.equal(ourOutageOf(new MediaDownloadFailed('https://vendor.example/x', undefined, 'Could not download media: connect ECONNREFUSED')), undefined);
    assert.equal(ourOutageOf(new ProviderError('ProviderUnavailable', 'connect ECONNREFUSED', { provider: 'openai', status: 503 })), undefined);
    assert.equal(ourOutageOf(new Error('bad input')), undefined);
  });

  it('repeats a write while the outage lasts and gives up at once on any other error', async () => {
    let calls = 0;
    const result = await rideOutOurOutage('test', async () => {
      calls += 1;
      if (calls < 3) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      return 'saved';
    }, new AbortController().signal);
    assert.equal(result, 'saved');
    assert.equal(calls, 3);
    await assert.rejects(rideOutOurOutage('test', async () => Promise.reject(new Error('bad input')), new AbortController().signal), /bad input/);
  });

  it('offers a body again from its first byte after a save failed halfway, reading the source once', async () => {
    let pulled = 0;
    async function* source() {
      for (const text of ['ab', 'cd', 'ef']) {
        pulled += 1;
        yield Buffer.from(text);
      }
    }
    const body = new ReplayableBody(source(), 1024);
    const first: string[] = [];
    for await (const chunk of body.stream() as AsyncIterable<Uint8Array>) {
      first.push(Buffer.from(chunk).toString());
      if (first.length === 2) break;
    }
    const again: string[] = [];
    for await (const chunk of body.stream() as AsyncIterable<Uint8Array>) again.push(Buffer.from(chunk).toString());
    assert.deepEqual(again, ['ab', 'cd', 'ef']);
    assert.equal(pulled, 3);
    assert.equal(body.replayable, true);
  });
});
