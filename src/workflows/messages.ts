// Signals of the run workflow, importable by the API (which delivers provider callbacks).
import { defineSignal } from '@temporalio/workflow';
import type { MediaResult } from '../providers/types';

/** A provider's result for a waiting step, delivered by its callback. */
export interface MediaResultSignal {
  stepId: string;
  jobId: string;
  status: 'succeeded' | 'failed';
  /** A stored reference or a URL to download: never the bytes. */
  result?: MediaResult;
  error?: { type: string; message: string };
}

/** Resumes a step waiting on an async provider job. Duplicates and late arrivals change nothing. */
export const mediaResultSignal = defineSignal<[MediaResultSignal]>('mediaResult');
