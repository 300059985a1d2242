// Signed media URLs: the same URL for every read within an expiry window (so a page re-reading a
// run does not restart its players), never valid for less than the TTL.
import assert from 'node:assert/strict';
import { createMediaUrlSigner, expiryWindowSeconds } from '../../../src/media/urls';

const expOf = (url: string) => Number(new URL(url, 'http://x').searchParams.get('exp'));

describe('signed media URLs', () => {
  it('signs the same URL for every read within one expiry window, and another after it', () => {
    let nowMs = 1_800_000_001_000; // a second into a 300 s window
    const signer = createMediaUrlSigner({ secret: 's', ttlSeconds: 3600, now: () => nowMs });
    const first = signer.sign('med_a');
    nowMs += 298_000;
    assert.equal(signer.sign('med_a'), first);
    nowMs += 2_000;
    assert.notEqual(signer.sign('med_a'), first);
  });

  it('keeps every URL valid for at least the TTL and at most the TTL plus the window', () => {
    for (const ttlSeconds of [5, 60, 3600, 86_400]) {
      const window = expiryWindowSeconds(ttlSeconds);
      for (let offsetMs = 0; offsetMs < 2 * window * 1000; offsetMs += 777) {
        const nowMs = 1_800_000_000_123 + offsetMs;
        const signer = createMediaUrlSigner({ secret: 's', ttlSeconds, now: () => nowMs });
        const url = signer.sign('med_b');
        const validForSeconds = expOf(url) - nowMs / 1000;
        assert.ok(validForSeconds >= ttlSeconds - 1 && validForSeconds <= ttlSeconds + window, `${ttlSeconds} s TTL: valid for ${validForSeconds} s`);
        assert.equal(signer.verify('med_b', String(expOf(url)), new URL(url, 'http://x').searchParams.get('sig') ?? undefined), 'valid');
      }
    }
  });

  it('rounds to a tenth of the TTL, at most five minutes and at least a second', () => {
    assert.deepEqual([5, 19, 20, 600, 3600, 86_400].map(expiryWindowSeconds), [1, 1, 2, 60, 300, 300]);
  });
});
