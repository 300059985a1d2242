// The blob stores a process uses, from MEDIA_STORE_URL: one for media (what runs produce, kept
// while an execution links to it) and one for offloaded Temporal payloads (claim checks, kept by
// age), side by side under the same folder or bucket prefix so gc can treat them separately.
import path from 'node:path';
import { MediaStoreConfigError } from './errors';
import { createFsBlobStore } from './fsStore';
import type { BlobStore } from './types';

/** The two stores of a deployment. */
export interface MediaStores {
  /** Execution media (images, videos, large HTTP bodies). */
  media: BlobStore;
  /** Temporal payloads over the codec's threshold. */
  payloads: BlobStore;
  /** Where they live, for logs (`/abs/.data/media`, `s3://bucket/prefix`). */
  location: string;
}

/** The settings the stores are opened from (the same-named variables of src/config.ts, which passes its Config). */
export interface StoreConfig {
  MEDIA_STORE_URL?: string | undefined;
  DATA_DIR: string;
  S3_ENDPOINT?: string | undefined;
  S3_REGION: string;
  S3_FORCE_PATH_STYLE: boolean;
}

/** Opens the stores MEDIA_STORE_URL names (default: files under DATA_DIR/media). */
export async function openMediaStores(config: StoreConfig): Promise<MediaStores> {
  const url = config.MEDIA_STORE_URL;
  if (url?.startsWith('s3://')) {
    const { bucket, prefix } = parseS3Url(url);
    // Loaded only when used: the AWS SDK is large and fs deployments never need it.
    const { createS3BlobStore } = await import('./s3Store');
    const options = { bucket, region: config.S3_REGION, forcePathStyle: config.S3_FORCE_PATH_STYLE, ...(config.S3_ENDPOINT ? { endpoint: config.S3_ENDPOINT } : {}) };
    return {
      media: createS3BlobStore({ ...options, prefix: `${prefix}blobs/` }),
      payloads: createS3BlobStore({ ...options, prefix: `${prefix}payloads/` }),
      location: `s3://${bucket}/${prefix}`,
    };
  }
  if (url && /^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !url.startsWith('file://')) {
    throw new MediaStoreConfigError(`MEDIA_STORE_URL must be s3://bucket/prefix, file:///path or a folder path (got "${url.slice(0, 100)}").`);
  }
  const root = url ? path.resolve(url.startsWith('file://') ? new URL(url).pathname : url) : path.resolve(config.DATA_DIR, 'media');
  return { media: createFsBlobStore(path.join(root, 'blobs')), payloads: createFsBlobStore(path.join(root, 'payloads')), location: root };
}

/** `s3://bucket/some/prefix` → bucket and a prefix ending in `/` (or empty). */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!match) throw new MediaStoreConfigError(`MEDIA_STORE_URL "${url.slice(0, 100)}" is not s3://bucket/prefix with a valid bucket name.`);
  const rest = (match[2] ?? '').replace(/^\/+|\/+$/g, '');
  return { bucket: match[1]!, prefix: rest ? `${rest}/` : '' };
}
