// GET /api/media/:mediaId serves stored media to holders of a signed URL: exact bytes and headers,
// byte ranges, and clear refusals for changed or expired signatures and unknown media.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { presentMedia, createMediaUrlSigner } from '../../src/media/urls';
import { testS3Store } from '../support/s3';
import type { StoredMediaRef } from '../../src/media/types';
import { startTestApi, type TestApi } from '../support/api';
import { buildAccount, buildUnstartedExecution, buildWorkflow, chain } from '../support/fixtures';

describe('media route', function () {
  let api: TestApi;
  let bytes: Buffer;
  let ref: StoredMediaRef;
  let url: string;

  before(async () => {
    api = await startTestApi();
    const db = api.engine.db;
    const account = await buildAccount(db);
    const workflow = await buildWorkflow(db, account.id, chain([{ id: 'a', type: 'text-generation' }], 'a'));
    const executionId = await buildUnstartedExecution(db, account.id, workflow.id);
    bytes = randomBytes(3 * 1024 * 1024 + 17);
    ref = await api.engine.media.save(bytes, { mimeType: 'image/png', width: 1024, height: 768 }, { executionId });
    url = api.engine.mediaUrls.sign(ref.mediaId);
  });
  after(async () => api?.close());

  const get = (target: string, headers: Record<string, string> = {}) => fetch(target, { headers });
  const errorOf = async (response: Response) => ((await response.json()) as { error: { code: string; message: string } }).error;

  it('answers 200 with exactly the stored bytes, their type, length and ETag', async () => {
    assert.ok(url.startsWith(`${api.url}/api/media/${ref.mediaId}?exp=`), url);
    const response = await get(url);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'image/png');
    assert.equal(response.headers.get('content-length'), String(bytes.length));
    assert.equal(response.headers.get('accept-ranges'), 'bytes');
    assert.equal(response.headers.get('etag'), `"${ref.sha256}"`);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    const body = Buffer.from(await response.arrayBuffer());
    assert.equal(createHash('sha256').update(body).digest('hex'), ref.sha256);
    assert.ok(body.equals(bytes));
  });

  it('answers 206 with Content-Range for byte ranges, and 416 for a range outside the media', async () => {
    const middle = await get(url, { range: 'bytes=10-19' });
    assert.equal(middle.status, 206);
    assert.equal(middle.headers.get('content-range'), `bytes 10-19/${bytes.length}`);
    assert.equal(middle.headers.get('content-length'), '10');
    assert.ok(Buffer.from(await middle.arrayBuffer()).equals(bytes.subarray(10, 20)));

    const suffix = await get(url, { range: 'bytes=-5' });
    assert.equal(suffix.status, 206);
    assert.equal(suffix.headers.get('content-range'), `bytes ${bytes.length - 5}-${bytes.length - 1}/${bytes.length}`);
    assert.ok(Buffer.from(await suffix.arrayBuffer()).equals(bytes.subarray(bytes.length - 5)));

    const open = await get(url, { range: `bytes=${bytes.length - 100}-` });
    assert.equal(open.status, 206);
    assert.equal((await open.arrayBuffer()).byteLength, 100);

    const outside = await get(url, { range: `bytes=${bytes.length}-` });
    assert.equal(outside.status, 416);
    assert.equal(outside.headers.get('content-range'), `bytes */${bytes.length}`);
    assert.equal((await errorOf(outside)).code, 'RANGE_NOT_SATISFIABLE');
  });

  it('answers 304 to a matching If-None-Match and HEAD with headers only', async () => {
    assert.equal((await get(url, { 'if-none-match': `"${ref.sha256}"` })).status, 304);
    const head = await fetch(url, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(bytes.length));
  });

  it('answers 403 MEDIA_URL_INVALID when the signature or expiry was changed or is missing', async () => {
    const parsed = new URL(url);
    const sig = parsed.searchParams.get('sig')!;
    const changedSig = new URL(url);
    changedSig.searchParams.set('sig', `${sig.slice(0, -1)}${sig.endsWith('0') ? '1' : '0'}`);
    const laterExp = new URL(url);
    laterExp.searchParams.set('exp', String(Number(parsed.searchParams.get('exp')) + 3600));
    const otherMedia = url.replace(ref.mediaId, `med_${'a'.repeat(64)}`);
    for (const target of [changedSig.toString(), laterExp.toString(), `${api.url}/api/media/${ref.mediaId}`, otherMedia]) {
      const response = await get(target);
      assert.equal(response.status, 403, target);
      assert.equal((await errorOf(response)).code, 'MEDIA_URL_INVALID');
    }
  });

  it('answers 403 MEDIA_URL_EXPIRED past the expiry', async () => {
    const twoHoursAgo = createMediaUrlSigner({ secret: 'test-media-url-secret', baseUrl: api.url, ttlSeconds: 3600, now: () => Date.now() - 2 * 3600_000 });
    const response = await get(twoHoursAgo.sign(ref.mediaId));
    assert.equal(response.status, 403);
    const error = await errorOf(response);
    assert.equal(error.code, 'MEDIA_URL_EXPIRED');
    assert.match(error.message, /expired/);
  });

  it('answers 404 for a correctly signed URL of media that does not exist', async () => {
    for (const mediaId of [`med_${'b'.repeat(64)}`, 'med_not-a-hash']) {
      const response = await get(api.engine.mediaUrls.sign(mediaId));
      assert.equal(response.status, 404, mediaId);
      assert.equal((await errorOf(response)).code, 'NOT_FOUND');
    }
  });

  it('with an S3 store, redirects a signed URL to a presigned S3 URL that serves the bytes and ranges', async () => {
    const s3Store = await testS3Store();
    await s3Store.put(bytes, { mimeType: 'image/png', maxBytes: bytes.length });
    const server = createServer(api.appWith({ media: { store: s3Store, signer: api.engine.mediaUrls } }).callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    try {
      const s3Url = url.replace(api.url, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      const redirect = await fetch(s3Url, { redirect: 'manual' });
      assert.equal(redirect.status, 302);
      const location = redirect.headers.get('location')!;
      assert.match(location, /X-Amz-Signature=/);
      const whole = await fetch(location);
      assert.equal(whole.status, 200);
      assert.equal(whole.headers.get('content-type'), 'image/png');
      assert.ok(Buffer.from(await whole.arrayBuffer()).equals(bytes));
      const part = await fetch(s3Url, { headers: { range: 'bytes=100-199' } });
      assert.equal(part.status, 206);
      assert.ok(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 200)));
      // The signature is still checked before redirecting.
      assert.equal((await fetch(s3Url.replace(/sig=[0-9a-f]/, 'sig=x'), { redirect: 'manual' })).status, 403);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('presentMedia gives every stored reference in a value a working URL and leaves the rest alone', async () => {
    const output = { card: 'text', images: [ref, { mediaId: 'not-media', sha256: 'x' }], nested: { video: ref }, n: 3, none: null };
    const presented = presentMedia(output, api.engine.mediaUrls);
    assert.equal(presented.card, 'text');
    assert.deepEqual(presented.images[1], { mediaId: 'not-media', sha256: 'x' });
    assert.equal((output.images[0] as { url?: string }).url, undefined, 'the input is not changed');
    const presentedRef = presented.images[0] as StoredMediaRef & { url: string };
    assert.deepEqual({ ...presentedRef, url: undefined }, { ...ref, url: undefined });
    const response = await get(presentedRef.url, { range: 'bytes=0-3' });
    assert.equal(response.status, 206);
    assert.ok(Buffer.from(await response.arrayBuffer()).equals(bytes.subarray(0, 4)));
    assert.ok((presented.nested.video as { url?: string }).url);
    assert.equal(presented.none, null);
  });
});
