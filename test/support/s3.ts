// A real S3-compatible server for tests: s3rver (an S3 implementation in Node that keeps objects
// on disk), started once per test run on a loopback port and driven through the official AWS SDK.
// With S3_TEST_ENDPOINT set (e.g. a MinIO), that server is used instead.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createS3BlobStore } from '../../src/media/s3Store';
import type { BlobStore } from '../../src/media/types';

/** How tests reach the S3 server. */
export interface TestS3 {
  endpoint: string;
  region: string;
  bucket: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  client: S3Client;
  /** A fresh key prefix (ending in `/`) so tests never see each other's objects. */
  freshPrefix(): string;
  /** Keys of every object under a prefix. */
  keys(prefix: string): Promise<string[]>;
}

const state = ((globalThis as Record<symbol, unknown>)[Symbol.for('builder-studio.test.s3')] ??= {}) as {
  shared?: Promise<TestS3 & { stop(): Promise<void> }>;
};

/** The run's shared S3 server, started on first call. */
export function testS3(): Promise<TestS3> {
  state.shared ??= start().catch((err) => {
    state.shared = undefined;
    throw err;
  });
  return state.shared;
}

/** An S3 blob store under a fresh prefix of the shared server (`<fresh>/<kind>`). */
export async function testS3Store(kind = 'blobs/'): Promise<BlobStore> {
  const s3 = await testS3();
  return createS3BlobStore({ bucket: s3.bucket, prefix: `${s3.freshPrefix()}${kind}`, region: s3.region, endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials });
}

/**
 * A media store and a payload store on the shared server under one fresh prefix, laid out as
 * `MEDIA_STORE_URL=s3://<bucket>/<prefix>` lays them out, with the environment that makes a process
 * of ours (`npm run worker`) open the same two stores.
 */
export async function testS3Stores(): Promise<{ media: BlobStore; payloads: BlobStore; env: Record<string, string> }> {
  const s3 = await testS3();
  const prefix = s3.freshPrefix();
  const store = (kind: string) => createS3BlobStore({ bucket: s3.bucket, prefix: `${prefix}${kind}`, region: s3.region, endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials });
  return {
    media: store('blobs/'),
    payloads: store('payloads/'),
    env: {
      MEDIA_STORE_URL: `s3://${s3.bucket}/${prefix}`,
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: s3.region,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    },
  };
}

/** Stops the shared server (root afterAll hook). */
export async function teardownS3(): Promise<void> {
  const current = state.shared;
  state.shared = undefined;
  if (current) await (await current.catch(() => undefined))?.stop();
}

async function start(): Promise<TestS3 & { stop(): Promise<void> }> {
  const region = 'us-east-1';
  let endpoint = process.env.S3_TEST_ENDPOINT;
  let credentials = { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'S3RVER', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'S3RVER' };
  let stop = async () => undefined;
  if (!endpoint) {
    // s3rver's own account; it checks request signatures (presigned URLs included) against it.
    credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
    const { default: S3rver } = await import('s3rver');
    const directory = await mkdtemp(path.join(tmpdir(), 'builder-s3rver-'));
    const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
    const { port } = await server.run();
    endpoint = `http://127.0.0.1:${port}`;
    stop = async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    };
  }
  const bucket = `builder-test-${randomUUID().slice(0, 8)}`;
  const client = new S3Client({ region, endpoint, forcePathStyle: true, credentials, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    endpoint,
    region,
    bucket,
    credentials,
    client,
    freshPrefix: () => `t-${randomUUID()}/`,
    async keys(prefix) {
      const out: string[] = [];
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(ContinuationToken ? { ContinuationToken } : {}) }));
        for (const object of page.Contents ?? []) if (object.Key) out.push(object.Key);
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
      return out;
    },
    stop: async () => {
      client.destroy();
      await stop();
    },
  };
}
