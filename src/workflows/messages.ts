// Signals of the run workflow, importable by the API (which delivers provider callbacks).
import { defineSignal } from '@temporalio/workflow';

/** A provider's result for a waiting step, delivered by its callback. */
export interface MediaResultSignal {
  stepId: string;
  jobId: string;
  status: 'succeeded' | 'failed';
  result?: unknown;
  error?: { type: string; message: string };
}

/** Resumes a step waiting on an async provider job. Duplicates and late arrivals change nothing. */
export const mediaResultSignal = defineSignal<[MediaResultSignal]>('mediaResult');
