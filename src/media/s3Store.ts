// BlobStore on any S3-compatible bucket. The sha256 is known only after the last byte, so a body
// is uploaded (multipart, streamed, hashed on the way) to a temp key, then copied server-side to
// `<prefix><aa>/<sha256>` and the temp key removed. A refused or failed upload is aborted, so
// nothing is left behind.
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  type CompletedPart,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { MediaNotFound, MediaRangeNotSatisfiable } from './errors';
import { isSha256, meter, type BlobBody } from './hashing';
import type { BlobStore, ByteRange, PutOptions, PutResult } from './types';

/** Options of an S3 blob store. */
export interface S3StoreOptions {
  bucket: string;
  /** Key prefix, empty or ending in `/`. */
  prefix: string;
  region: string;
  /** An S3-compatible server's URL (MinIO, R2, …); unset: AWS. */
  endpoint?: string;
  forcePathStyle: boolean;
  /** Explicit credentials (tests); unset: the SDK's standard chain (AWS_ACCESS_KEY_ID, profiles, roles). */
  credentials?: S3ClientConfig['credentials'];
  /** Multipart part size in bytes (S3's minimum, 5 MiB, by default); an upload holds (queueSize + 1) × partSize. */
  partSize?: number;
  /** Parts uploaded at once (2 by default). */
  queueSize?: number;
}

const TEMP = '.tmp/';

/** A BlobStore on an S3 bucket. */
export function createS3BlobStore(options: S3StoreOptions): BlobStore {
  const client = new S3Client({
    region: options.region,
    forcePathStyle: options.forcePathStyle,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    // Checksums only where S3 requires them: many S3-compatible servers reject the SDK's newer
    // default (aws-chunked bodies with CRC trailers); integrity is ours anyway (the key is the sha256).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const Bucket = options.bucket;
  const keyOf = (sha256: string) => `${options.prefix}${sha256.slice(0, 2)}/${sha256}`;

  async function head(sha256: string): Promise<number | undefined> {
    try {
      const answer = await client.send(new HeadObjectCommand({ Bucket, Key: keyOf(sha256) }));
      return answer.ContentLength ?? 0;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  return {
    kind: 's3',

    async put(body: BlobBody, putOptions: PutOptions): Promise<PutResult> {
      const metered = meter(body, putOptions.maxBytes);
      const tempKey = `${options.prefix}${TEMP}${randomUUID()}`;
      try {
        await uploadInParts(client, { Bucket, Key: tempKey, ContentType: putOptions.mimeType }, metered.chunks, {
          partSize: options.partSize ?? 5 * 1024 * 1024,
          queueSize: options.queueSize ?? 2,
          ...(putOptions.signal ? { signal: putOptions.signal } : {}),
        });
        const sha256 = metered.sha256();
        // Copying even when the blob exists refreshes its LastModified, which gc's grace period reads.
        await client.send(
          new CopyObjectCommand({ Bucket, Key: keyOf(sha256), CopySource: `${Bucket}/${encodeURI(tempKey)}`, ContentType: putOptions.mimeType, MetadataDirective: 'REPLACE' }),
        );
        return { sha256, sizeBytes: metered.sizeBytes };
      } finally {
        // A single-part body may already sit at the temp key when a later step fails.
        await client.send(new DeleteObjectCommand({ Bucket, Key: tempKey })).catch(() => undefined);
      }
    },

    async stat(sha256: string) {
      if (!isSha256(sha256)) return undefined;
      const sizeBytes = await head(sha256);
      return sizeBytes === undefined ? undefined : { sizeBytes };
    },

    async get(sha256: string, range?: ByteRange): Promise<Readable> {
      if (!isSha256(sha256)) throw new MediaNotFound(sha256);
      if (range) {
        // S3 clips a range past the end instead of refusing it; the store's contract refuses.
        const size = await head(sha256);
        if (size === undefined) throw new MediaNotFound(sha256);
        if (range.start < 0 || range.start > range.end || range.end >= size) throw new MediaRangeNotSatisfiable(size, range.start, range.end);
      }
      try {
        const answer = await client.send(new GetObjectCommand({ Bucket, Key: keyOf(sha256), ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }));
        return answer.Body as Readable;
      } catch (err) {
        if (isNotFound(err)) throw new MediaNotFound(sha256);
        throw err;
      }
    },

    async delete(sha256: string): Promise<void> {
      if (!isSha256(sha256)) return;
      await client.send(new DeleteObjectCommand({ Bucket, Key: keyOf(sha256) }));
    },

    async sweepTemporary(olderThan: Date): Promise<number> {
      // Temp keys of crashed puts. Incomplete multipart uploads are the bucket's lifecycle rule's job
      // (AbortIncompleteMultipartUpload), see README.
      let removed = 0;
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix: `${options.prefix}${TEMP}`, ...(ContinuationToken ? { ContinuationToken } : {}) }));
        for (const object of page.Contents ?? []) {
          if (object.Key && (object.LastModified ?? new Date(0)) < olderThan) {
            await client.send(new DeleteObjectCommand({ Bucket, Key: object.Key }));
            removed += 1;
          }
        }
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
      return removed;
    },

    async *list() {
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix: options.prefix, ...(ContinuationToken ? { ContinuationToken } : {}) }));
        for (const object of page.Contents ?? []) {
          const name = object.Key?.slice(options.prefix.length) ?? '';
          const match = /^[0-9a-f]{2}\/([0-9a-f]{64})$/.exec(name);
          if (match) yield { sha256: match[1]!, sizeBytes: object.Size ?? 0, modifiedAt: object.LastModified ?? new Date(0) };
        }
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
    },

    async presignedUrl(sha256, { expiresInSeconds, mimeType }) {
      return getSignedUrl(client, new GetObjectCommand({ Bucket, Key: keyOf(sha256), ResponseContentType: mimeType }), { expiresIn: expiresInSeconds });
    },
  };
}

/**
 * Uploads a stream to `Key`: one PutObject when it fits one part, else a multipart upload with up
 * to `queueSize` parts in flight. The part buffers are allocated once per upload and refilled, so
 * an upload holds (queueSize + 1) × partSize however long the body, and leaves no garbage behind
 * (lib-storage's Upload allocates a fresh buffer per part: dead 5 MiB buffers piled up by tens of
 * MB between V8's full collections, and a worker storing a 150 MB video through it grew by up to
 * 46 MB). A failed or aborted multipart upload is aborted on S3, so no parts are left behind.
 */
async function uploadInParts(
  client: S3Client,
  target: { Bucket: string; Key: string; ContentType: string },
  chunks: AsyncIterable<Uint8Array>,
  options: { partSize: number; queueSize: number; signal?: AbortSignal },
): Promise<void> {
  const { partSize, queueSize, signal } = options;
  const send = { ...(signal ? { abortSignal: signal } : {}) };
  const spare: Buffer[] = [];
  let filling: Buffer = Buffer.allocUnsafeSlow(partSize);
  let filled = 0;
  let uploadId: string | undefined;
  let partNumber = 0;
  let failure: unknown;
  const parts: CompletedPart[] = [];
  const inFlight = new Set<Promise<void>>();

  const startPart = (buffer: Buffer, length: number) => {
    const PartNumber = ++partNumber;
    const part = client
      .send(new UploadPartCommand({ Bucket: target.Bucket, Key: target.Key, UploadId: uploadId, PartNumber, Body: buffer.subarray(0, length), ContentLength: length }), send)
      .then(
        ({ ETag }) => void parts.push({ ETag, PartNumber }),
        (err: unknown) => void (failure ??= err),
      )
      .finally(() => {
        spare.push(buffer);
        inFlight.delete(part);
      });
    inFlight.add(part);
  };

  try {
    for await (const chunk of chunks) {
      for (let offset = 0; offset < chunk.byteLength; ) {
        const taken = Math.min(chunk.byteLength - offset, partSize - filled);
        filling.set(chunk.subarray(offset, offset + taken), filled);
        filled += taken;
        offset += taken;
        if (filled < partSize) continue;
        signal?.throwIfAborted();
        // A full part: S3 needs the upload's id first, and at most queueSize parts go at once.
        uploadId ??= (await client.send(new CreateMultipartUploadCommand(target), send)).UploadId;
        while (inFlight.size >= queueSize) await Promise.race(inFlight);
        if (failure) throw failure;
        startPart(filling, filled);
        filling = spare.pop() ?? Buffer.allocUnsafeSlow(partSize);
        filled = 0;
      }
    }
    if (uploadId === undefined) {
      await client.send(new PutObjectCommand({ ...target, Body: filling.subarray(0, filled), ContentLength: filled }), send);
      return;
    }
    if (filled > 0) startPart(filling, filled);
    await Promise.all(inFlight);
    if (failure) throw failure;
    parts.sort((a, b) => a.PartNumber! - b.PartNumber!);
    await client.send(new CompleteMultipartUploadCommand({ Bucket: target.Bucket, Key: target.Key, UploadId: uploadId, MultipartUpload: { Parts: parts } }), send);
  } catch (err) {
    if (uploadId !== undefined) {
      await Promise.allSettled(inFlight);
      await client.send(new AbortMultipartUploadCommand({ Bucket: target.Bucket, Key: target.Key, UploadId: uploadId })).catch(() => undefined);
    }
    throw err;
  }
}

function isNotFound(err: unknown): boolean {
  return err instanceof S3ServiceException && (err.name === 'NotFound' || err.name === 'NoSuchKey' || err.$metadata.httpStatusCode === 404);
}
