// The file-system BlobStore (the default under DATA_DIR/media) against the shared store behaviour.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createFsBlobStore } from '../../src/media/fsStore';
import { blobStoreBehaviour } from '../support/blobStoreSuite';

async function countFiles(dir: string): Promise<number> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).length;
}

blobStoreBehaviour('file-system blob store', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'builder-fs-store-'));
  const root = path.join(dir, 'blobs');
  return {
    store: createFsBlobStore(root),
    countEverything: () => countFiles(root),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});
