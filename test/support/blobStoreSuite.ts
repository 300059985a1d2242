// One behaviour suite for every BlobStore backend (files, S3): each backend's test file calls it
// with a factory, so both are held to exactly the same contract.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import v8 from 'node:v8';
import vm from 'node:vm';
import { MediaNotFound, MediaRangeNotSatisfiable, MediaTooLarge } from '../../src/media/errors';
import type { BlobStore } from '../../src/media/types';

/** A fresh, empty store per test, and how to count every object the backend holds (temp files included). */
export interface BlobStoreFixture {
  store: BlobStore;
  /** Every object or file under the store's root, finished or not. */
  countEverything(): Promise<number>;
  cleanup(): Promise<void>;
}

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** A deterministic body of `size` bytes, produced chunk by chunk (never whole in memory). */
function* generated(size: number, chunkSize = 256 * 1024): Generator<Buffer> {
  let offset = 0;
  let block = 0;
  while (offset < size) {
    const length = Math.min(chunkSize, size - offset);
    const chunk = Buffer.alloc(length, block % 251);
    chunk.writeUInt32BE(block, 0);
    yield chunk;
    offset += length;
    block += 1;
  }
}

/** The garbage collector, so memory figures measure what is retained rather than GC timing. */
function collectGarbage(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

/** How large a body the streaming test sends, and how much memory the store may retain meanwhile. */
export interface StreamingBudget {
  bodyBytes: number;
  /** Must stay below bodyBytes, or the test could not tell streaming from buffering. */
  retainedBytes: number;
}

/** Registers the shared BlobStore behaviour tests under `describe(title)`. */
export function blobStoreBehaviour(
  title: string,
  open: () => Promise<BlobStoreFixture>,
  budget: StreamingBudget = { bodyBytes: 40 * 1024 * 1024, retainedBytes: 24 * 1024 * 1024 },
): void {
  const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
  if (budget.retainedBytes >= budget.bodyBytes) throw new Error('The memory budget must be smaller than the body.');
  describe(title, function () {
    this.timeout(180_000);
    let fixture: BlobStoreFixture;
    let store: BlobStore;
    beforeEach(async () => {
      fixture = await open();
      store = fixture.store;
    });
    afterEach(async () => fixture?.cleanup());

    it('stores bytes under their sha256 and gives back exactly those bytes', async () => {
      const bytes = randomBytes(100_000);
      const put = await store.put(bytes, { mimeType: 'image/png', maxBytes: 1_000_000 });
      assert.deepEqual(put, { sha256: sha(bytes), sizeBytes: 100_000 });
      assert.deepEqual(await store.stat(put.sha256), { sizeBytes: 100_000 });
      assert.ok((await readAll(await store.get(put.sha256))).equals(bytes));
    });

    it('accepts a stream and stores the same bytes only once', async () => {
      const bytes = randomBytes(70_000);
      const first = await store.put(Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]), { mimeType: 'video/mp4', maxBytes: 1_000_000 });
      const second = await store.put(bytes, { mimeType: 'video/mp4', maxBytes: 1_000_000 });
      assert.equal(second.sha256, first.sha256);
      const listed = [];
      for await (const blob of store.list()) listed.push(blob);
      assert.deepEqual(listed.map((b) => [b.sha256, b.sizeBytes]), [[first.sha256, 70_000]]);
      assert.ok(listed[0]!.modifiedAt instanceof Date);
      assert.equal(await fixture.countEverything(), 1);
    });

    it('reads byte ranges and refuses a range outside the blob', async () => {
      const bytes = randomBytes(5000);
      const { sha256 } = await store.put(bytes, { mimeType: 'application/octet-stream', maxBytes: 10_000 });
      assert.ok((await readAll(await store.get(sha256, { start: 10, end: 19 }))).equals(bytes.subarray(10, 20)));
      assert.ok((await readAll(await store.get(sha256, { start: 4999, end: 4999 }))).equals(bytes.subarray(4999)));
      await assert.rejects(store.get(sha256, { start: 4000, end: 5000 }), MediaRangeNotSatisfiable);
    });

    it('answers not found for blobs it does not hold, and deletes blobs', async () => {
      const missing = sha(randomBytes(8));
      assert.equal(await store.stat(missing), undefined);
      await assert.rejects(store.get(missing), MediaNotFound);
      await store.delete(missing);
      const { sha256 } = await store.put(randomBytes(10), { mimeType: 'text/plain', maxBytes: 100 });
      await store.delete(sha256);
      assert.equal(await store.stat(sha256), undefined);
      await assert.rejects(store.get(sha256), MediaNotFound);
      assert.equal(await fixture.countEverything(), 0);
    });

    it('refuses a body past maxBytes with MediaTooLarge and leaves nothing behind', async () => {
      await assert.rejects(store.put(Readable.from(generated(3_000_000, 64 * 1024)), { mimeType: 'video/mp4', maxBytes: 2_000_000 }), (err: unknown) => {
        assert.ok(err instanceof MediaTooLarge);
        assert.equal(err.maxBytes, 2_000_000);
        return true;
      });
      await assert.rejects(store.put(randomBytes(101), { mimeType: 'text/plain', maxBytes: 100 }), MediaTooLarge);
      assert.equal(await fixture.countEverything(), 0);
    });

    it(`streams a ${mb(budget.bodyBytes)} body in and out without holding it in memory`, async () => {
      const size = budget.bodyBytes;
      const gc = collectGarbage();
      gc();
      const baseline = process.memoryUsage();
      let peak = 0;
      const sample = () => {
        const now = process.memoryUsage();
        peak = Math.max(peak, now.arrayBuffers - baseline.arrayBuffers + now.heapUsed - baseline.heapUsed);
      };
      const expected = createHash('sha256');
      async function* body() {
        let index = 0;
        for (const chunk of generated(size)) {
          expected.update(chunk);
          if (++index % 16 === 0) {
            gc();
            sample();
          }
          yield chunk;
        }
      }
      const put = await store.put(body(), { mimeType: 'video/mp4', maxBytes: size });
      assert.equal(put.sizeBytes, size);
      assert.equal(put.sha256, expected.digest('hex'));

      const readBack = createHash('sha256');
      let index = 0;
      for await (const chunk of await store.get(put.sha256)) {
        readBack.update(chunk as Uint8Array);
        if (++index % 64 === 0) {
          gc();
          sample();
        }
      }
      assert.equal(readBack.digest('hex'), put.sha256);
      // Whole-body buffering would retain the whole body or more; streaming keeps a few parts at most.
      assert.ok(peak < budget.retainedBytes, `retained up to ${mb(peak)} while streaming ${mb(size)} (budget ${mb(budget.retainedBytes)})`);
      console.log(`      (${title}: retained at most ${mb(peak)} while streaming ${mb(size)})`);
    });
  });
}
