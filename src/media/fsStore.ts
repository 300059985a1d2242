// BlobStore on the local file system (the default: DATA_DIR/media). A blob is written to a temp
// file while it is hashed, then renamed to `<root>/<aa>/<sha256>`: readers never see half a blob,
// and a refused or failed upload leaves nothing behind.
import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MediaNotFound, MediaRangeNotSatisfiable } from './errors';
import { isSha256, meter, type BlobBody } from './hashing';
import type { BlobStore, ByteRange, PutOptions, PutResult } from './types';

/** Temp files live inside the root so the final rename stays on one file system (atomic). */
const TEMP_DIR = '.tmp';

/** A BlobStore whose blobs are files under `root` (created on first write). */
export function createFsBlobStore(root: string): BlobStore {
  const absolute = path.resolve(root);
  const fileOf = (sha256: string) => path.join(absolute, sha256.slice(0, 2), sha256);

  return {
    kind: 'fs',

    async put(body: BlobBody, options: PutOptions): Promise<PutResult> {
      const tempDir = path.join(absolute, TEMP_DIR);
      await mkdir(tempDir, { recursive: true });
      const temp = path.join(tempDir, `${randomUUID()}.part`);
      const metered = meter(body, options.maxBytes);
      try {
        // Created before any byte is read: a body refused at once must not race the file's opening
        // (a stream opening it lazily could create it after the clean-up below had run).
        const file = await open(temp, 'wx');
        await pipeline(metered.chunks, file.createWriteStream(), ...(options.signal ? [{ signal: options.signal }] : []));
        const sha256 = metered.sha256();
        const target = fileOf(sha256);
        await mkdir(path.dirname(target), { recursive: true });
        // Same bytes, same name: renaming over an existing copy is harmless, so puts are idempotent.
        await rename(temp, target);
        return { sha256, sizeBytes: metered.sizeBytes };
      } catch (err) {
        await rm(temp, { force: true });
        throw err;
      }
    },

    async stat(sha256: string) {
      if (!isSha256(sha256)) return undefined;
      const info = await stat(fileOf(sha256)).catch(() => undefined);
      return info?.isFile() ? { sizeBytes: info.size } : undefined;
    },

    async get(sha256: string, range?: ByteRange): Promise<Readable> {
      if (!isSha256(sha256)) throw new MediaNotFound(sha256);
      // Opened first so a missing blob is an error here, not a late stream error.
      const handle = await open(fileOf(sha256), 'r').catch((err: NodeJS.ErrnoException) => {
        throw err.code === 'ENOENT' ? new MediaNotFound(sha256) : err;
      });
      if (range) {
        const { size } = await handle.stat();
        if (range.start < 0 || range.start > range.end || range.end >= size) {
          await handle.close();
          throw new MediaRangeNotSatisfiable(size, range.start, range.end);
        }
        return handle.createReadStream({ start: range.start, end: range.end });
      }
      return handle.createReadStream();
    },

    async delete(sha256: string): Promise<void> {
      if (!isSha256(sha256)) return;
      await rm(fileOf(sha256), { force: true });
    },

    async sweepTemporary(olderThan: Date): Promise<number> {
      const tempDir = path.join(absolute, TEMP_DIR);
      let removed = 0;
      for (const name of await readdir(tempDir).catch(() => [] as string[])) {
        const info = await stat(path.join(tempDir, name)).catch(() => undefined);
        if (info && info.mtime < olderThan) {
          await rm(path.join(tempDir, name), { force: true });
          removed += 1;
        }
      }
      return removed;
    },

    async *list() {
      const shards = await readdir(absolute, { withFileTypes: true }).catch(() => []);
      for (const shard of shards) {
        if (!shard.isDirectory() || shard.name === TEMP_DIR) continue;
        const names = await readdir(path.join(absolute, shard.name)).catch(() => [] as string[]);
        for (const name of names) {
          if (!isSha256(name)) continue;
          const info = await stat(path.join(absolute, shard.name, name)).catch(() => undefined);
          if (info?.isFile()) yield { sha256: name, sizeBytes: info.size, modifiedAt: info.mtime };
        }
      }
    },
  };
}
