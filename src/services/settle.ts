// Settling an execution whose workflow never ran (its start failed, the process died before
// starting it, or it is cancelled before Temporal knows it): the same effects the workflow's own
// end would have, written here once.
import type { Db } from '../db/client';
import { refundExecution, withRunEndCredits } from '../db/ledger';
import type { RunErrorInfo } from '../activities/contracts';
import { TERMINAL_STEP_STATUSES } from '../domain/statuses';
import { appendEvents, lockExecution } from '../events/store';

/**
 * Moves the execution from one of `from` to `status`, skips its unfinished steps, refunds it and
 * announces the end to live watchers, in one transaction. Returns false (and changes nothing, so
 * refunds nothing) when the execution was no longer in one of `from`.
 */
export async function settleUnstarted(
  db: Db,
  executionId: string,
  outcome: { status: 'error' | 'cancelled'; error: RunErrorInfo; from: Array<'planning' | 'running' | 'waiting'> },
): Promise<boolean> {
  return db.$transaction(async (tx) => {
    await lockExecution(tx, executionId);
    const updated = await tx.execution.updateMany({
      where: { id: executionId, status: { in: outcome.from } },
      data: { status: outcome.status, error: { ...outcome.error }, finishedAt: new Date() },
    });
    if (updated.count === 0) return false;
    await tx.step.updateMany({
      where: { executionId, status: { notIn: TERMINAL_STEP_STATUSES } },
      data: { status: 'skipped' },
    });
    await refundExecution(tx, executionId);
    await appendEvents(
      tx,
      executionId,
      await withRunEndCredits(tx, executionId, [
        { type: 'run.status', data: { status: outcome.status, error: outcome.error } },
        { type: 'run.end', data: { status: outcome.status, output: null, error: outcome.error, durationMs: null } },
      ]),
    );
    return true;
  });
}
