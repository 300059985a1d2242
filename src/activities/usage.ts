// Capturing a usage-priced step's real usage from its hold (src/db/ledger.ts), from the activity
// that made the vendor call: the workflow code does not change, and the capture is written before
// the step's result reaches the workflow, so the run's release at its end sees it.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../db/client';
import { captureStep, holdOf } from '../db/ledger';
import { capturedCredits, usedShare, type StepUsage } from '../domain/pricing';
import type { ModelSpec } from '../domain/models';

/** Captures a step's usage; tolerant of our own brief outages (3 tries), never fails the step. */
export type UsageCapture = (executionId: string, stepId: string, model: ModelSpec, usage: StepUsage) => Promise<void>;

/** Builds the capture over the database; `warn` hears a capture that could not be written (its hold is then released whole). */
export function createUsageCapture(db: Db, warn: (message: string, err: unknown) => void): UsageCapture {
  return async (executionId, stepId, model, usage) => {
    if (!model.usage) return;
    const share = usedShare(model.usage, usage);
    for (let attempt = 1; ; attempt++) {
      try {
        await db.$transaction(async (tx) => {
          const hold = await holdOf(tx, executionId, stepId);
          if (hold !== undefined) await captureStep(tx, executionId, stepId, capturedCredits(hold, share));
        });
        return;
      } catch (err) {
        if (attempt >= 3) return warn(`step ${stepId} of ${executionId}: its usage could not be captured; its hold is released whole`, err);
        await sleep(200 * attempt);
      }
    }
  };
}
