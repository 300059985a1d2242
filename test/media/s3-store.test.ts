// The S3 BlobStore against a real S3-compatible server (s3rver, started by the tests) through the
// official AWS SDK, held to the same behaviour suite as the file store.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { MediaTooLarge } from '../../src/media/errors';
import { createS3BlobStore } from '../../src/media/s3Store';
import { blobStoreBehaviour } from '../support/blobStoreSuite';
import { testS3 } from '../support/s3';

blobStoreBehaviour('S3 blob store', async () => {
  const s3 = await testS3();
  const root = s3.freshPrefix();
  return {
    store: createS3BlobStore({ bucket: s3.bucket, prefix: `${root}blobs/`, region: s3.region, endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials }),
    countEverything: async () => (await s3.keys(root)).length,
    cleanup: async () => undefined,
  };
  // Multipart: up to queueSize parts of 5 MiB in flight on each side (the SDK and s3rver, which runs in this process).
}, { bodyBytes: 64 * 1024 * 1024, retainedBytes: 48 * 1024 * 1024 });

describe('S3 blob store multipart uploads', () => {
  const MiB = 1024 * 1024;
  const storeOn = async () => {
    const s3 = await testS3();
    const root = s3.freshPrefix();
    return { s3, root, store: createS3BlobStore({ bucket: s3.bucket, prefix: `${root}blobs/`, region: s3.region, endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials }) };
  };
  /** `size` pseudo-random bytes in chunks of `chunk` bytes (chunks straddle part boundaries unless they divide 5 MiB). */
  async function* bytes(size: number, chunk: number): AsyncGenerator<Buffer> {
    for (let sent = 0; sent < size; sent += chunk) yield randomBytes(Math.min(chunk, size - sent));
  }
  const sha256Of = async (stream: AsyncIterable<Uint8Array>) => {
    const hash = createHash('sha256');
    for await (const chunk of stream) hash.update(chunk);
    return hash.digest('hex');
  };

  for (const [size, chunk] of [[10 * MiB, 64 * 1024], [12 * MiB + 3, 1_000_003]] as const) {
    it(`stores a ${(size / MiB).toFixed(1)} MiB body sent in ${chunk}-byte chunks part by part, byte for byte`, async () => {
      const { store } = await storeOn();
      const body = randomBytes(size);
      const chunks = function* () {
        for (let at = 0; at < size; at += chunk) yield body.subarray(at, at + chunk);
      };
      const { sha256, sizeBytes } = await store.put(Readable.from(chunks()), { mimeType: 'video/mp4', maxBytes: 100 * MiB });
      assert.equal(sizeBytes, size);
      assert.equal(sha256, createHash('sha256').update(body).digest('hex'));
      assert.equal(await sha256Of(await store.get(sha256)), sha256);
    });
  }

  it('refuses a body past maxBytes after its first parts went up, and leaves no object behind', async () => {
    const { s3, root, store } = await storeOn();
    await assert.rejects(store.put(Readable.from(bytes(20 * MiB, 256 * 1024)), { mimeType: 'video/mp4', maxBytes: 12 * MiB }), MediaTooLarge);
    assert.deepEqual(await s3.keys(root), []);
    const { sha256 } = await store.put(randomBytes(1000), { mimeType: 'text/plain', maxBytes: 100 * MiB });
    assert.equal(await sha256Of(await store.get(sha256)), sha256);
  });
});
