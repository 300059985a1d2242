// The S3 BlobStore against a real S3-compatible server (s3rver, started by the tests) through the
// official AWS SDK, held to the same behaviour suite as the file store.
import { createS3BlobStore } from '../../src/media/s3Store';
import { blobStoreBehaviour } from '../support/blobStoreSuite';
import { testS3 } from '../support/s3';

blobStoreBehaviour('S3 blob store', async () => {
  const s3 = await testS3();
  const root = s3.freshPrefix();
  return {
    store: createS3BlobStore({ bucket: s3.bucket, prefix: `${root}blobs/`, region: s3.region, endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials }),
    countEverything: async () => (await s3.keys(root)).length,
    cleanup: async () => undefined,
  };
  // Multipart: up to queueSize parts of 5 MiB in flight on each side (the SDK and s3rver, which runs in this process).
}, { bodyBytes: 64 * 1024 * 1024, retainedBytes: 48 * 1024 * 1024 });
