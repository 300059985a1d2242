// The media store's contract: content-addressed blobs (sha256) that travel everywhere by reference.
// Types only: workflow code may import them. Implementations live beside this file (fs, s3).
import type { Readable } from 'node:stream';

/** What is known about a piece of media besides its bytes. */
export interface MediaMeta {
  mimeType: string;
  width?: number;
  height?: number;
  durationMs?: number;
}

/**
 * A stored piece of media as it is kept in step outputs, Temporal payloads and database rows:
 * never the bytes, never a URL (URLs expire; they are signed when a view is built).
 * `mediaId` is `med_<sha256 hex>`: content-addressed, so the same bytes are stored once.
 */
export interface StoredMediaRef extends MediaMeta {
  mediaId: string;
  sizeBytes: number;
  sha256: string;
}

/** A media reference as users see it (API, SSE, callbacks, MCP): with a signed, expiring `url`. */
export interface MediaRef extends StoredMediaRef {
  url: string;
}

/** An inclusive byte range of a blob. */
export interface ByteRange {
  start: number;
  end: number;
}

/** Options of {@link BlobStore.put}. */
export interface PutOptions {
  /** Stored with the blob where the backend keeps content types (S3). */
  mimeType: string;
  /** Refuse (MediaTooLarge) and store nothing once more bytes than this arrive. */
  maxBytes: number;
  signal?: AbortSignal;
}

/** What a put stored. */
export interface PutResult {
  sha256: string;
  sizeBytes: number;
}

/** Bytes by sha256, streamed in and out; never holds a whole blob in memory. */
export interface BlobStore {
  readonly kind: 'fs' | 's3';
  /** Streams the body in, hashing as it goes; idempotent for the same bytes. */
  put(body: Readable | AsyncIterable<Uint8Array> | Uint8Array, options: PutOptions): Promise<PutResult>;
  /** Size of a blob, or undefined when it is not stored. */
  stat(sha256: string): Promise<{ sizeBytes: number } | undefined>;
  /** The blob's bytes (or a range of them). Throws MediaNotFound when absent. */
  get(sha256: string, range?: ByteRange): Promise<Readable>;
  delete(sha256: string): Promise<void>;
  /** Every stored blob (for garbage collection). */
  list(): AsyncIterable<{ sha256: string; sizeBytes: number; modifiedAt: Date }>;
  /** Removes what interrupted uploads left (temp files or keys) older than the date; returns how many. */
  sweepTemporary?(olderThan: Date): Promise<number>;
  /** A direct, expiring download link, where the backend serves its own (S3); the media route redirects there. */
  presignedUrl?(sha256: string, options: { expiresInSeconds: number; mimeType: string }): Promise<string>;
}

/** Who references a piece of media: media is kept while an execution that references it exists. */
export interface MediaOwner {
  executionId: string;
}

/** Options of {@link MediaLibrary.save} and {@link MediaLibrary.download}. */
export interface SaveOptions {
  /** Default: the library's MEDIA_MAX_BYTES. */
  maxBytes?: number;
  signal?: AbortSignal;
}

/**
 * The media store as activities use it: bytes into the blob store, a row per piece of media
 * (mime type, size, dimensions) and a link to the execution that produced or reused it.
 */
export interface MediaLibrary {
  readonly maxBytes: number;
  /** Streams bytes into the store; returns the reference to pass on instead of the bytes. */
  save(body: Readable | AsyncIterable<Uint8Array> | Uint8Array, meta: MediaMeta, owner: MediaOwner, options?: SaveOptions): Promise<StoredMediaRef>;
  /** Streams a URL's body (a vendor's output) into the store, refusing more than maxBytes. */
  download(url: string, meta: Partial<MediaMeta>, owner: MediaOwner, options?: SaveOptions & { headers?: Record<string, string> }): Promise<StoredMediaRef>;
  /** Records that an execution references media stored earlier (a replay reusing a step's output). */
  link(mediaIds: string[], owner: MediaOwner): Promise<void>;
}
