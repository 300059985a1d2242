// Streams a body through sha256 and a size limit, so stores never hold a whole blob in memory and
// refuse an oversized body as soon as the limit is crossed (not after storing it).
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { MediaTooLarge } from './errors';

/** Any body a store accepts. */
export type BlobBody = Readable | AsyncIterable<Uint8Array> | Uint8Array;

/** A body being streamed: iterate `chunks`, then read `sha256()` and `sizeBytes`. */
export interface MeteredBody {
  chunks: AsyncIterable<Uint8Array>;
  /** Hex digest; valid once `chunks` has been read to the end. */
  sha256(): string;
  readonly sizeBytes: number;
}

/** Wraps a body so that reading it hashes it and throws MediaTooLarge past maxBytes. */
export function meter(body: BlobBody, maxBytes: number, source?: string): MeteredBody {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  let digest: string | undefined;
  const input: AsyncIterable<Uint8Array> = body instanceof Uint8Array ? single(body) : body;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for await (const chunk of input) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      sizeBytes += bytes.byteLength;
      if (sizeBytes > maxBytes) throw new MediaTooLarge(maxBytes, sizeBytes, source);
      hash.update(bytes);
      yield bytes;
    }
    digest = hash.digest('hex');
  }
  return {
    chunks: chunks(),
    sha256: () => {
      if (!digest) throw new Error('The body has not been read to the end yet.');
      return digest;
    },
    get sizeBytes() {
      return sizeBytes;
    },
  };
}

async function* single(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** True for a lowercase hex sha256: the only keys stores accept (no path tricks). */
export function isSha256(value: string): boolean {
  return SHA256_HEX.test(value);
}
