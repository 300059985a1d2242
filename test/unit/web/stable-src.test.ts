// The run viewer keeps a media element's URL while it is valid: a re-read of the run signs its
// media again, and a new URL would restart a playing video.
import assert from 'node:assert/strict';
import { stableMediaSrc } from '../../../web/src/stableSrc';

const signed = (id: string, exp: number, sig = 'ab') => `/api/media/${id}?exp=${exp}&sig=${sig}`;

describe('the run viewer’s media URLs', () => {
  it('keeps the URL shown first while it is valid for more than a minute, then takes the fresh one', () => {
    const nowMs = 1_800_000_000_000;
    const first = signed('med_keep', nowMs / 1000 + 3600, 'aa');
    assert.equal(stableMediaSrc(first, nowMs), first);
    assert.equal(stableMediaSrc(signed('med_keep', nowMs / 1000 + 3900, 'bb'), nowMs + 10_000), first);
    const later = signed('med_keep', nowMs / 1000 + 7200, 'cc');
    assert.equal(stableMediaSrc(later, nowMs + 3_550_000), later);
  });

  it('passes data URLs, other paths and URLs without an expiry through unchanged', () => {
    for (const src of ['data:image/png;base64,AAAA', '/elsewhere/x.png?exp=1', '/api/media/med_x', 'https://cdn.example/api/media/med_y?exp=abc']) {
      assert.equal(stableMediaSrc(src), src);
    }
  });

  it('keeps media apart by their id and origin', () => {
    const nowMs = 1_800_000_000_000;
    const a = signed('med_one', nowMs / 1000 + 3600);
    const b = `https://api.example${signed('med_one', nowMs / 1000 + 3600, 'dd')}`;
    assert.equal(stableMediaSrc(a, nowMs), a);
    assert.equal(stableMediaSrc(b, nowMs), b);
  });
});
