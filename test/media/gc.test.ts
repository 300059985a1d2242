// media:gc removes media no execution references and expired offloaded payloads, and keeps
// everything a run still links, everything young (a save in progress), on files and on S3.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createFsBlobStore } from '../../src/media/fsStore';
import { collectMediaGarbage } from '../../src/media/gc';
import { createMediaLibrary } from '../../src/media/library';
import type { BlobStore, MediaLibrary } from '../../src/media/types';
import { testDatabase, type TestDatabase } from '../support/db';
import { buildAccount, buildUnstartedExecution, buildWorkflow, chain } from '../support/fixtures';
import { testS3Store } from '../support/s3';

const HOUR = 3600_000;

async function blobsOf(store: BlobStore): Promise<string[]> {
  const out: string[] = [];
  for await (const blob of store.list()) out.push(blob.sha256);
  return out.sort();
}

describe('media garbage collection', function () {
  this.timeout(120_000);
  let db: TestDatabase;
  const scratch: string[] = [];
  before(async () => {
    db = await testDatabase();
  });
  after(async () => {
    await db?.drop();
    for (const dir of scratch) await rm(dir, { recursive: true, force: true });
  });

  async function executions(count: number): Promise<string[]> {
    const account = await buildAccount(db.prisma);
    const workflow = await buildWorkflow(db.prisma, account.id, chain([{ id: 'a', type: 'text-generation' }], 'a'));
    return Promise.all(Array.from({ length: count }, () => buildUnstartedExecution(db.prisma, account.id, workflow.id)));
  }

  const backends: Array<[string, () => Promise<{ media: BlobStore; payloads: BlobStore }>]> = [
    ['files', async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'builder-gc-'));
      scratch.push(dir);
      return { media: createFsBlobStore(path.join(dir, 'blobs')), payloads: createFsBlobStore(path.join(dir, 'payloads')) };
    }],
    ['S3', async () => ({ media: await testS3Store('blobs/'), payloads: await testS3Store('payloads/') })],
  ];

  for (const [name, open] of backends) {
    it(`keeps media linked to an execution and removes media whose executions were deleted (${name})`, async () => {
      const { media, payloads } = await open();
      const library: MediaLibrary = createMediaLibrary({ db: db.prisma, store: media, maxBytes: 1_000_000 });
      const [kept, deleted] = await executions(2);
      const onlyDeleted = await library.save(randomBytes(1000), { mimeType: 'image/png' }, { executionId: deleted! });
      const shared = await library.save(randomBytes(1000), { mimeType: 'video/mp4' }, { executionId: deleted! });
      await library.link([shared.mediaId], { executionId: kept! });
      const onlyKept = await library.save(randomBytes(1000), { mimeType: 'audio/wav' }, { executionId: kept! });
      const orphan = await media.put(randomBytes(500), { mimeType: 'image/png', maxBytes: 1000 });
      const payload = await payloads.put(randomBytes(300_000), { mimeType: 'application/x-protobuf', maxBytes: 1_000_000 });
      await db.prisma.execution.delete({ where: { id: deleted! } });

      const gc = (now: Date, dryRun = false) =>
        collectMediaGarbage({ db: db.prisma, media, payloads, graceMs: HOUR, payloadRetentionMs: 24 * HOUR, now, dryRun });

      // Now: everything is younger than the grace period, so nothing goes.
      assert.deepEqual(await gc(new Date()), { mediaRows: 0, mediaBlobs: 0, mediaBytes: 0, payloadBlobs: 0, payloadBytes: 0, temporaryFiles: 0 });

      // Two hours later: the unlinked media row and its blob, and the orphan blob, go (a dry run only reports).
      const dry = await gc(new Date(Date.now() + 2 * HOUR), true);
      assert.deepEqual([dry.mediaRows, dry.mediaBlobs, dry.payloadBlobs], [1, 2, 0]);
      assert.equal((await blobsOf(media)).length, 4);
      const report = await gc(new Date(Date.now() + 2 * HOUR));
      assert.deepEqual([report.mediaRows, report.mediaBlobs, report.mediaBytes, report.payloadBlobs], [1, 2, 1500, 0]);
      assert.deepEqual(await blobsOf(media), [shared.sha256, onlyKept.sha256].sort());
      assert.equal(await db.prisma.media.count({ where: { id: onlyDeleted.mediaId } }), 0);
      assert.equal(await db.prisma.media.count({ where: { id: { in: [shared.mediaId, onlyKept.mediaId] } } }), 2);
      assert.ok(!(await blobsOf(media)).includes(orphan.sha256));
      assert.deepEqual(await blobsOf(payloads), [payload.sha256]);

      // Past the payload retention the offloaded payload goes; linked media still stays.
      const later = await gc(new Date(Date.now() + 25 * HOUR));
      assert.deepEqual([later.mediaRows, later.mediaBlobs, later.payloadBlobs, later.payloadBytes], [0, 0, 1, 300_000]);
      assert.deepEqual(await blobsOf(payloads), []);
      assert.deepEqual(await blobsOf(media), [shared.sha256, onlyKept.sha256].sort());
    });
  }

  it('runs as `npm run media:gc` against DATABASE_URL and MEDIA_STORE_URL', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'builder-gc-cli-'));
    scratch.push(dir);
    const media = createFsBlobStore(path.join(dir, 'blobs'));
    const library = createMediaLibrary({ db: db.prisma, store: media, maxBytes: 1_000_000 });
    const [execution] = await executions(1);
    const gone = await library.save(randomBytes(2048), { mimeType: 'image/png' }, { executionId: execution! });
    await db.prisma.execution.delete({ where: { id: execution! } });
    // Age the row and the blob past the grace period, as if the run had been deleted long ago.
    const longAgo = new Date(Date.now() - 3 * HOUR);
    await db.prisma.media.update({ where: { id: gone.mediaId }, data: { createdAt: longAgo } });
    await utimes(path.join(dir, 'blobs', gone.sha256.slice(0, 2), gone.sha256), longAgo, longAgo);

    const run = (args: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/runtime/media-gc-cli.ts', ...args], {
        env: { ...process.env, DATABASE_URL: db.url, MEDIA_STORE_URL: dir, MEDIA_GC_GRACE_MINUTES: '60' },
      });
    const dry = await run(['--dry-run']);
    assert.match(dry.stdout, /\[dry run\] would remove .*1 media row\(s\), 1 media blob\(s\)/);
    assert.deepEqual(await blobsOf(media), [gone.sha256]);
    const real = await run([]);
    assert.match(real.stdout, /Removed from .*: 1 media row\(s\), 1 media blob\(s\)/);
    assert.deepEqual(await blobsOf(media), []);
    assert.equal(await db.prisma.media.count({ where: { id: gone.mediaId } }), 0);
  });
});
