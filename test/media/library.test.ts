// The media library against real Postgres and a real file store: saves are content-addressed and
// linked to executions, downloads stream a vendor URL in under a size limit, links follow replays.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MediaDownloadFailed, MediaNotFound, MediaTooLarge } from '../../src/media/errors';
import { createFsBlobStore } from '../../src/media/fsStore';
import { createMediaLibrary } from '../../src/media/library';
import { PrivateNetworkRefused } from '../../src/net/guardedFetch';
import type { BlobStore, MediaLibrary } from '../../src/media/types';
import { testDatabase, type TestDatabase } from '../support/db';
import { buildAccount, buildUnstartedExecution, buildWorkflow, chain } from '../support/fixtures';

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('media library', function () {
  let db: TestDatabase;
  let dir: string;
  let store: BlobStore;
  let library: MediaLibrary;
  let executions: string[];
  let vendor: Server;
  let vendorUrl: string;
  const served = new Map<string, { body: Buffer; type: string; chunked?: boolean; status?: number; location?: string }>();

  before(async () => {
    db = await testDatabase();
    vendor = createServer((req, res) => {
      const item = served.get(req.url ?? '');
      if (!item) {
        res.writeHead(404).end('no such file');
        return;
      }
      if (item.location) {
        res.writeHead(302, { location: item.location }).end();
        return;
      }
      res.writeHead(item.status ?? 200, { 'content-type': item.type, ...(item.chunked ? {} : { 'content-length': String(item.body.length) }) });
      // Chunked answers announce no length: the limit must hold while streaming.
      if (item.chunked) {
        for (let offset = 0; offset < item.body.length; offset += 65536) res.write(item.body.subarray(offset, offset + 65536));
        res.end();
      } else res.end(item.body);
    });
    await new Promise<void>((resolve) => vendor.listen(0, '127.0.0.1', () => resolve()));
    vendorUrl = `http://127.0.0.1:${(vendor.address() as AddressInfo).port}`;
  });
  after(async () => {
    vendor?.close();
    await db?.drop();
  });
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'builder-library-'));
    store = createFsBlobStore(path.join(dir, 'blobs'));
    // The fake vendor is on loopback: the allowlist names it, as an operator names a local vendor.
    library = createMediaLibrary({ db: db.prisma, store, maxBytes: 1_000_000, network: { allowPrivateNetworks: false, allowlist: [new URL(vendorUrl).host] } });
    const account = await buildAccount(db.prisma);
    const workflow = await buildWorkflow(db.prisma, account.id, chain([{ id: 'a', type: 'text-generation' }], 'a'));
    executions = [await buildUnstartedExecution(db.prisma, account.id, workflow.id), await buildUnstartedExecution(db.prisma, account.id, workflow.id)];
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  const linksOf = async (mediaId: string) =>
    (await db.prisma.executionMedia.findMany({ where: { mediaId }, orderBy: { createdAt: 'asc' } })).map((link) => link.executionId).sort();

  it('saves bytes as a content-addressed reference, one media row, linked to each execution that saved them', async () => {
    const bytes = randomBytes(50_000);
    const first = await library.save(bytes, { mimeType: 'image/png', width: 200, height: 100 }, { executionId: executions[0]! });
    assert.deepEqual(first, { mediaId: `med_${sha(bytes)}`, sha256: sha(bytes), mimeType: 'image/png', sizeBytes: 50_000, width: 200, height: 100 });
    const second = await library.save(bytes, { mimeType: 'image/png' }, { executionId: executions[1]! });
    assert.equal(second.mediaId, first.mediaId);
    assert.equal(second.width, 200, 'the first save describes the bytes');
    const row = await db.prisma.media.findUniqueOrThrow({ where: { id: first.mediaId } });
    assert.equal(row.sizeBytes, 50_000n);
    assert.deepEqual(await linksOf(first.mediaId), [...executions].sort());
  });

  it('downloads a vendor URL into the store with its content type', async () => {
    const bytes = randomBytes(300_000);
    served.set('/out.webp', { body: bytes, type: 'image/webp; charset=binary' });
    const ref = await library.download(`${vendorUrl}/out.webp`, {}, { executionId: executions[0]! });
    assert.equal(ref.mimeType, 'image/webp');
    assert.equal(ref.sha256, sha(bytes));
    const chunks: Buffer[] = [];
    for await (const chunk of await store.get(ref.sha256)) chunks.push(chunk as Buffer);
    assert.ok(Buffer.concat(chunks).equals(bytes));
    assert.deepEqual(await linksOf(ref.mediaId), [executions[0]]);
  });

  it('refuses a download over the size limit, announced or streamed, and keeps nothing of it', async () => {
    served.set('/big.mp4', { body: randomBytes(1_500_000), type: 'video/mp4' });
    served.set('/big-chunked.mp4', { body: randomBytes(1_500_000), type: 'video/mp4', chunked: true });
    await assert.rejects(library.download(`${vendorUrl}/big.mp4`, {}, { executionId: executions[0]! }), MediaTooLarge);
    await assert.rejects(library.download(`${vendorUrl}/big-chunked.mp4`, {}, { executionId: executions[0]! }), (err: unknown) => {
      assert.ok(err instanceof MediaTooLarge);
      assert.equal(err.maxBytes, 1_000_000);
      return true;
    });
    // A smaller per-call limit applies too.
    served.set('/medium.png', { body: randomBytes(2000), type: 'image/png', chunked: true });
    await assert.rejects(library.download(`${vendorUrl}/medium.png`, {}, { executionId: executions[0]! }, { maxBytes: 1000 }), MediaTooLarge);
    const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile());
    assert.deepEqual(files, []);
    assert.equal(await db.prisma.media.count({ where: { executions: { some: { executionId: executions[0]! } } } }), 0);
  });

  it('refuses a vendor output URL on a private address, and a redirect to one, before a byte is fetched from it', async () => {
    let hits = 0;
    const internal = createServer((_req, res) => {
      hits++;
      res.end('internal secret');
    });
    await new Promise<void>((resolve) => internal.listen(0, '127.0.0.1', () => resolve()));
    const internalUrl = `http://127.0.0.1:${(internal.address() as AddressInfo).port}/admin`;
    served.set('/redirect.png', { body: Buffer.alloc(0), type: 'image/png', location: internalUrl });
    try {
      for (const url of [internalUrl, `http://localhost:${(internal.address() as AddressInfo).port}/`, `${vendorUrl}/redirect.png`]) {
        await assert.rejects(library.download(url, {}, { executionId: executions[0]! }), (err: unknown) => {
          assert.ok(err instanceof PrivateNetworkRefused, String(err));
          return true;
        });
      }
      assert.equal(hits, 0, 'the internal address received nothing');
      assert.equal(await db.prisma.media.count({ where: { executions: { some: { executionId: executions[0]! } } } }), 0);
    } finally {
      internal.close();
    }
  });

  it('reports a vendor error answer as MediaDownloadFailed with the status, without the URL’s query', async () => {
    await assert.rejects(library.download(`${vendorUrl}/missing.png?token=secret`, {}, { executionId: executions[0]! }), (err: unknown) => {
      assert.ok(err instanceof MediaDownloadFailed);
      assert.equal(err.status, 404);
      assert.ok(!err.message.includes('secret'), err.message);
      return true;
    });
  });

  it('links stored media to another execution, refuses unknown media, and drops links with the execution', async () => {
    const ref = await library.save(randomBytes(100), { mimeType: 'audio/wav', durationMs: 1500 }, { executionId: executions[0]! });
    await library.link([ref.mediaId, ref.mediaId], { executionId: executions[1]! });
    assert.deepEqual(await linksOf(ref.mediaId), [...executions].sort());
    await assert.rejects(library.link([`med_${'0'.repeat(64)}`], { executionId: executions[1]! }), MediaNotFound);
    await db.prisma.execution.delete({ where: { id: executions[0]! } });
    assert.deepEqual(await linksOf(ref.mediaId), [executions[1]]);
  });
});
