// BlobStore on an S3-compatible bucket (placeholder until the S3 backend lands).
import { MediaStoreConfigError } from './errors';
import type { BlobStore } from './types';

/** Options of an S3 blob store. */
export interface S3StoreOptions {
  bucket: string;
  prefix: string;
  region: string;
  endpoint?: string;
  forcePathStyle: boolean;
}

/** A BlobStore on S3. */
export function createS3BlobStore(options: S3StoreOptions): BlobStore {
  throw new MediaStoreConfigError(`The S3 media store (s3://${options.bucket}/${options.prefix}) is not available in this build yet.`);
}
