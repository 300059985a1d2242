// What every route module receives.
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { Db } from '../db/client';
import type { EventHub } from '../events/hub';
import type { Admissions } from '../services/admission';

/** Shared dependencies of the API routes. */
export interface ApiDeps {
  db: Db;
  temporal: Client;
  admissions: Admissions;
  /** Wakes live event streams; without it, /events answers 503. */
  events?: EventHub;
  config: Pick<Config, 'ADMIN_TOKEN' | 'TEMPORAL_TASK_QUEUE'> & Partial<Pick<Config, 'ALLOW_PRIVATE_NETWORKS'>>;
  log: { error(obj: unknown, msg?: string): void; info(obj: unknown, msg?: string): void };
}
