// Garbage collection of the media store. Media is kept while an execution row links to it;
// once the last linked execution is deleted (links cascade), its row and blob go. Offloaded
// Temporal payloads are not linked to anything: they go by age, once older than Temporal's
// retention of the histories that reference them (payloadRetentionMs).
import type { Db } from '../db/client';
import type { BlobStore } from './types';

/** Options of {@link collectMediaGarbage}. */
export interface MediaGcOptions {
  db: Db;
  media: BlobStore;
  payloads: BlobStore;
  /**
   * Unlinked media and blobs younger than this are kept: a step writes its blob, then its row and
   * link moments later, and a run being replayed links media it reuses.
   */
  graceMs: number;
  /** Offloaded payloads older than this are removed; undefined keeps them all. */
  payloadRetentionMs?: number;
  /** Report what would be removed without removing it. */
  dryRun?: boolean;
  /** The clock (tests). */
  now?: Date;
}

/** What a collection removed (or, dry, would remove). */
export interface MediaGcReport {
  mediaRows: number;
  mediaBlobs: number;
  mediaBytes: number;
  payloadBlobs: number;
  payloadBytes: number;
  temporaryFiles: number;
}

const BATCH = 500;

/** Removes unreferenced media (rows, then blobs without a row) and expired payloads. */
export async function collectMediaGarbage(options: MediaGcOptions): Promise<MediaGcReport> {
  const { db, media, payloads, dryRun = false } = options;
  const now = options.now ?? new Date();
  const cutoff = new Date(now.getTime() - options.graceMs);
  const report: MediaGcReport = { mediaRows: 0, mediaBlobs: 0, mediaBytes: 0, payloadBlobs: 0, payloadBytes: 0, temporaryFiles: 0 };

  // One statement: a link inserted concurrently either lands first (row kept) or fails on the
  // foreign key and its activity retries, writing the blob again.
  const rows = dryRun
    ? await db.$queryRaw<Array<{ id: string }>>`
        SELECT m.id FROM media m
        WHERE m.created_at < ${cutoff} AND NOT EXISTS (SELECT 1 FROM execution_media l WHERE l.media_id = m.id)`
    : await db.$queryRaw<Array<{ id: string }>>`
        DELETE FROM media m
        WHERE m.created_at < ${cutoff} AND NOT EXISTS (SELECT 1 FROM execution_media l WHERE l.media_id = m.id)
        RETURNING m.id`;
  report.mediaRows = rows.length;
  const removedRows = new Set(rows.map((row) => row.id.slice(4)));

  // Blobs without a row: those just unreferenced, and orphans of saves that never recorded a row.
  // A young blob is kept even then: its save may be between writing the blob and the row.
  let batch: Array<{ sha256: string; sizeBytes: number }> = [];
  const flush = async () => {
    const known = await db.media.findMany({ where: { sha256: { in: batch.map((blob) => blob.sha256) } }, select: { sha256: true } });
    const referenced = new Set(known.map((row) => row.sha256));
    for (const blob of batch) {
      if (referenced.has(blob.sha256) && !(dryRun && removedRows.has(blob.sha256))) continue;
      if (!dryRun) await media.delete(blob.sha256);
      report.mediaBlobs += 1;
      report.mediaBytes += blob.sizeBytes;
    }
    batch = [];
  };
  for await (const blob of media.list()) {
    if (blob.modifiedAt >= cutoff) continue;
    batch.push(blob);
    if (batch.length >= BATCH) await flush();
  }
  if (batch.length > 0) await flush();

  if (options.payloadRetentionMs !== undefined) {
    const expired = new Date(now.getTime() - options.payloadRetentionMs);
    for await (const blob of payloads.list()) {
      if (blob.modifiedAt >= expired) continue;
      if (!dryRun) await payloads.delete(blob.sha256);
      report.payloadBlobs += 1;
      report.payloadBytes += blob.sizeBytes;
    }
  }

  if (!dryRun) {
    for (const store of [media, payloads]) report.temporaryFiles += (await store.sweepTemporary?.(cutoff)) ?? 0;
  }
  return report;
}
