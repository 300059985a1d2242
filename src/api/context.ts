// What every route module receives.
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { Db } from '../db/client';
import type { EventHub } from '../events/hub';
import type { JobProvider } from '../providers/types';
import type { MediaUrlSigner } from '../media/urls';
import type { BlobStore } from '../media/types';
import type { Admissions } from '../services/admission';

/** Shared dependencies of the API routes. */
export interface ApiDeps {
  db: Db;
  temporal: Client;
  admissions: Admissions;
  /** Wakes live event streams; without it, /events answers 503. */
  events?: EventHub;
  config: Pick<Config, 'ADMIN_TOKEN' | 'TEMPORAL_TASK_QUEUE'> & Partial<Pick<Config, 'ALLOW_PRIVATE_NETWORKS'>>;
  /** Async providers by id: their adapters parse and verify callbacks (absent: the engine's own callback format). */
  jobProviders?: (providerId: string) => JobProvider | undefined;
  /** The media store and URL signer: serves /api/media and signs media URLs in views; without it, /api/media answers 503. */
  media?: { store: BlobStore; signer: MediaUrlSigner };
  log: { error(obj: unknown, msg?: string): void; info(obj: unknown, msg?: string): void };
}
