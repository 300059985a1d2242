// Settles orphaned admissions: an execution committed as `planning` whose workflow never started
// (the API process died between the two). Without this its credits would stay debited forever.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db } from '../db/client';
import { releaseAbandonedClaims } from './idempotency';
import { settleUnstarted } from './settle';

/** What one pass found and did. */
export interface ReconcileReport {
  checked: number;
  settled: string[];
}

/**
 * Finds executions still `planning` after `olderThanMs` and, for each whose Temporal workflow does
 * not exist, settles it `error` and refunds it. A workflow that does exist is left alone: its own
 * mirror moves it on.
 */
export async function reconcileOrphans(deps: { db: Db; temporal: Client }, olderThanMs = 60_000, limit = 100): Promise<ReconcileReport> {
  const stale = await deps.db.execution.findMany({
    where: { status: 'planning', createdAt: { lt: new Date(Date.now() - olderThanMs) } },
    select: { id: true, temporalWorkflowId: true },
    take: limit,
    orderBy: { createdAt: 'asc' },
  });
  const settled: string[] = [];
  for (const execution of stale) {
    try {
      await deps.temporal.workflow.getHandle(execution.temporalWorkflowId).describe();
      continue;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) continue;
    }
    const changed = await settleUnstarted(deps.db, execution.id, {
      status: 'error',
      error: { type: 'EngineUnavailable', message: 'The run was admitted but never started; its credits were refunded.' },
      from: ['planning'],
    });
    if (changed) settled.push(execution.id);
  }
  return { checked: stale.length, settled };
}

/** Runs reconcileOrphans (and releases abandoned Idempotency-Key claims) every `everyMs` until stopped. */
export function startReconciler(deps: { db: Db; temporal: Client }, options: { everyMs?: number; olderThanMs?: number; warn?: (m: string) => void } = {}): () => void {
  const timer = setInterval(() => {
    reconcileOrphans(deps, options.olderThanMs).then(
      (report) => report.settled.length > 0 && options.warn?.(`Settled ${report.settled.length} orphaned admission(s): ${report.settled.join(', ')}`),
      (err: unknown) => options.warn?.(`Reconciler pass failed: ${String(err)}`),
    );
    // A claim whose request died before admitting anything would otherwise wait for the next repeat.
    releaseAbandonedClaims(deps.db).catch((err: unknown) => options.warn?.(`Releasing abandoned idempotency claims failed: ${String(err)}`));
  }, options.everyMs ?? 60_000);
  timer.unref();
  return () => clearInterval(timer);
}
