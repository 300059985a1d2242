// The media library: bytes into the blob store, one `media` row per distinct blob, and links to
// the executions that produced or reused it (what retention and gc go by).
import { Readable } from 'node:stream';
import type { Db } from '../db/client';
import { outboundGuard, PrivateNetworkRefused, PUBLIC_ONLY, type GuardedResponse, type NetworkPolicy } from '../net/guardedFetch';
import { MediaDownloadFailed, MediaNotFound, MediaTooLarge } from './errors';
import type { BlobBody } from './hashing';
import { mediaIdOf } from './refs';
import type { BlobStore, MediaLibrary, MediaMeta, MediaOwner, SaveOptions, StoredMediaRef } from './types';

/** What a media library is built from. */
export interface MediaLibraryDeps {
  db: Db;
  store: BlobStore;
  /** MEDIA_MAX_BYTES: the largest body saved or downloaded unless a call asks for less. */
  maxBytes: number;
  /**
   * Where downloads may go: vendor output URLs are untrusted, so they go through the guarded fetch
   * (default: public addresses only; ALLOW_PRIVATE_NETWORKS and PRIVATE_NETWORK_ALLOWLIST open it).
   */
  network?: NetworkPolicy;
}

const DEFAULT_MIME = 'application/octet-stream';

/** A MediaLibrary over a blob store and the media tables. */
export function createMediaLibrary({ db, store, maxBytes, network = PUBLIC_ONLY }: MediaLibraryDeps): MediaLibrary & { store: BlobStore } {
  const guard = outboundGuard(network);
  async function record(sha256: string, sizeBytes: number, meta: MediaMeta, owner: MediaOwner): Promise<StoredMediaRef> {
    const id = mediaIdOf(sha256);
    const dims = {
      ...(meta.width !== undefined ? { width: meta.width } : {}),
      ...(meta.height !== undefined ? { height: meta.height } : {}),
      ...(meta.durationMs !== undefined ? { durationMs: meta.durationMs } : {}),
    };
    // Content-addressed: the first save of these bytes describes them; later saves only link.
    const row = await db.media.upsert({
      where: { id },
      create: { id, sha256, mimeType: meta.mimeType, sizeBytes: BigInt(sizeBytes), ...dims },
      update: {},
    });
    await db.executionMedia.createMany({ data: [{ executionId: owner.executionId, mediaId: id }], skipDuplicates: true });
    return {
      mediaId: id,
      sha256,
      mimeType: row.mimeType,
      sizeBytes: Number(row.sizeBytes),
      ...(row.width !== null ? { width: row.width } : {}),
      ...(row.height !== null ? { height: row.height } : {}),
      ...(row.durationMs !== null ? { durationMs: row.durationMs } : {}),
    };
  }

  async function save(body: BlobBody, meta: MediaMeta, owner: MediaOwner, options: SaveOptions = {}): Promise<StoredMediaRef> {
    const limit = Math.min(options.maxBytes ?? maxBytes, maxBytes);
    const put = await store.put(body, { mimeType: meta.mimeType, maxBytes: limit, ...(options.signal ? { signal: options.signal } : {}) });
    return record(put.sha256, put.sizeBytes, meta, owner);
  }

  return {
    maxBytes,
    store,
    save,

    async download(url, meta, owner, options = {}) {
      const limit = Math.min(options.maxBytes ?? maxBytes, maxBytes);
      let response: GuardedResponse;
      try {
        response = await guard.fetch(url, { ...(options.headers ? { headers: options.headers } : {}), ...(options.signal ? { signal: options.signal } : {}) });
      } catch (err) {
        if (options.signal?.aborted || err instanceof PrivateNetworkRefused) throw err;
        throw new MediaDownloadFailed(url, undefined, `Could not download media from ${redactUrl(url)}: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (!response.ok || !response.body) {
        await response.body?.cancel().catch(() => undefined);
        throw new MediaDownloadFailed(url, response.status, `Downloading media from ${redactUrl(url)} answered HTTP ${response.status}.`);
      }
      // A declared length over the limit is refused before a byte is stored.
      const declared = Number(response.headers.get('content-length') ?? NaN);
      if (Number.isFinite(declared) && declared > limit) {
        await response.body.cancel().catch(() => undefined);
        throw new MediaTooLarge(limit, declared, redactUrl(url));
      }
      const mimeType = meta.mimeType ?? response.headers.get('content-type')?.split(';')[0]?.trim() ?? DEFAULT_MIME;
      const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
      try {
        return await save(body, { ...meta, mimeType: mimeType || DEFAULT_MIME }, owner, { maxBytes: limit, ...(options.signal ? { signal: options.signal } : {}) });
      } finally {
        body.destroy();
      }
    },

    async link(mediaIds, owner) {
      const unique = [...new Set(mediaIds)];
      if (unique.length === 0) return;
      const known = await db.media.findMany({ where: { id: { in: unique } }, select: { id: true } });
      const missing = unique.find((id) => !known.some((row) => row.id === id));
      if (missing) throw new MediaNotFound(missing);
      await db.executionMedia.createMany({ data: unique.map((mediaId) => ({ executionId: owner.executionId, mediaId })), skipDuplicates: true });
    },
  };
}

/** A URL without its query (vendors put credentials in signed URLs): safe for messages and logs. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
