// The vendor adapters (Replicate, fal, OpenAI images) built from their settings: one place for the
// worker (which submits, polls, cancels) and the API (which verifies callbacks) to agree on them.
import type { Db } from '../db/client';
import { FalProvider, type FalOptions } from './fal';
import { OpenAIImagesProvider, type OpenAIImagesOptions } from './openaiImages';
import { dbJobRecords, recordedJobs, type RecordedJobsOptions } from './recordedJobs';
import { ReplicateProvider, type ReplicateOptions } from './replicate';
import type { JobProvider, MediaProvider } from './types';

/** Each vendor's settings; a vendor without credentials still exists, and its calls fail as InvalidConfig. */
export interface VendorSettings {
  replicate?: ReplicateOptions;
  fal?: FalOptions;
  openaiImages?: OpenAIImagesOptions;
}

/** The vendor adapters; with a database, job submits are recorded so a retried attempt resumes instead of submitting again. */
export function createVendorProviders(settings: VendorSettings, db?: Db, options: RecordedJobsOptions = {}): { jobs: JobProvider[]; media: MediaProvider[] } {
  const jobs: JobProvider[] = [new ReplicateProvider(settings.replicate), new FalProvider(settings.fal)];
  return {
    jobs: db ? jobs.map((provider) => recordedJobs(provider, dbJobRecords(db), options)) : jobs,
    media: [new OpenAIImagesProvider(settings.openaiImages)],
  };
}
