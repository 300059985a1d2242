// Capturing a usage-priced step's real usage from its hold (src/db/ledger.ts), from the activity
// that made the vendor call: the workflow code does not change, and the capture is written before
// the step's result reaches the workflow, so the run's release at its end sees it.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../db/client';
import { captureStep, holdOf } from '../db/ledger';
import { capturedCredits, usedShare, type StepUsage } from '../domain/pricing';
import type { ModelSpec } from '../domain/models';

/** Captures `share` (0 to 1) of a step's hold; tolerant of our own brief outages (3 tries), never fails the step. No hold, nothing to do. */
export type UsageCapture = (executionId: string, stepId: string, share: number, context?: { cacheHit?: { nodeType: string } }) => Promise<void>;

/** Hears each capture: credits captured from a hold of `held` (a cache hit captures 0 and saves the hold). */
export type CaptureObserver = (capture: { captured: number; held: number; cacheHit?: { nodeType: string } }) => void;

/** The share of its hold a step that called its provider captures: its usage share, or all of a flat price. */
export function shareOf(model: ModelSpec, usage: StepUsage | undefined): number {
  return model.usage ? usedShare(model.usage, usage ?? {}) : 1;
}

/** Builds the capture over the database; `warn` hears a capture that could not be written (its hold is then released whole). */
export function createUsageCapture(db: Db, warn: (message: string, err: unknown) => void, observe?: CaptureObserver): UsageCapture {
  return async (executionId, stepId, share, context = {}) => {
    for (let attempt = 1; ; attempt++) {
      try {
        const captured = await db.$transaction(async (tx) => {
          const hold = await holdOf(tx, executionId, stepId);
          if (hold === undefined) return undefined;
          const credits = capturedCredits(hold, share);
          await captureStep(tx, executionId, stepId, credits);
          return { captured: credits, held: hold };
        });
        if (captured) observe?.({ ...captured, ...(context.cacheHit ? { cacheHit: context.cacheHit } : {}) });
        return;
      } catch (err) {
        if (attempt >= 3) return warn(`step ${stepId} of ${executionId}: its usage could not be captured; its hold is released whole`, err);
        await sleep(200 * attempt);
      }
    }
  };
}
