// Settling an execution whose workflow never ran (its start failed, the process died before
// starting it, or it is cancelled before Temporal knows it): the same effects the workflow's own
// end would have, written once by the RunStore.
import type { Db } from '../db/client';
import { RunStore, type UnstartedOutcome } from '../db/runStore';

/**
 * Moves the execution from one of `from` to `status`, skips its unfinished steps, refunds it and
 * announces the end to live watchers, in one transaction. Returns false (and changes nothing, so
 * refunds nothing) when the execution was no longer in one of `from`.
 */
export function settleUnstarted(db: Db, executionId: string, outcome: UnstartedOutcome): Promise<boolean> {
  return new RunStore(db).settleUnstarted(executionId, outcome);
}
