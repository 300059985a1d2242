// The status mirror: applies a workflow's queued run and step changes to Postgres in one
// transaction, in order, with their live events. Idempotent (a retried batch changes nothing
// twice and announces nothing twice) and ordered (a run change older than the stored one, or any
// change after a terminal status, is ignored).
import type { Db } from '../db/client';
import { refundExecution, releaseHold, withRunEndCredits, type Tx } from '../db/ledger';
import { releaseRunLeases } from '../db/vendorCapacity';
import { isTerminalExecutionStatus, TERMINAL_EXECUTION_STATUSES, TERMINAL_STEP_STATUSES } from '../domain/statuses';
import { appendEvents, lockExecution, type LiveEvent } from '../events/store';
import type { MirrorBatch, RunPatch, StepPatch } from './contracts';
import { applyProgress } from './progressWrites';

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));
const time = (ms: number | undefined): Date | null => (ms === undefined ? null : new Date(ms));

/**
 * The mirror's transaction limits. Prisma's default timeout (5 s to finish) is too short for a
 * batch carrying MB-sized outputs on a loaded database: the transaction was rolled back at 5 s and
 * the local activity, which retries without limit, tried the same batch again, and again. The
 * timeout stays below the local activity's start-to-close (45 s, mirrorPump.ts), so an attempt's
 * transaction has ended before the next attempt starts. The wait for a connection keeps Prisma's
 * 2 s: when the pool is saturated the mirror backs off (its retries) and lets admissions through.
 */
export const MIRROR_TRANSACTION = { maxWait: 2_000, timeout: 30_000 };

/** Builds the `mirror` local activity. */
export function createMirrorActivity(db: Db) {
  return async function mirror(batch: MirrorBatch): Promise<void> {
    const { executionId } = batch;
    await db.$transaction(async (tx) => {
      await lockExecution(tx, executionId);
      const events: LiveEvent[] = [];
      for (const change of batch.changes) {
        if (change.kind === 'progress') {
          // What a step attempt could not write itself (a database outage), in the order it happened.
          for (const entry of change.entries) events.push(...(await applyProgress(tx, executionId, entry)));
          continue;
        }
        const applied = change.kind === 'step' ? await applyStep(tx, executionId, change.patch) : await applyRun(tx, executionId, change.patch);
        events.push(...applied);
      }
      if (batch.applyResults) await applyResults(tx, executionId, batch.applyResults.workflowId);
      if (batch.refund) await refundExecution(tx, executionId);
      // Issue 22 hook (move with the RunStore): a completed run gives back what its usage-priced steps' holds did not capture.
      else if (batch.applyResults) await releaseHold(tx, executionId);
      // Issue 22 hook (move with the RunStore): a run that ended gives back its vendor slots.
      if (batch.applyResults || batch.refund) await releaseRunLeases(tx, executionId);
      await appendEvents(tx, executionId, await withRunEndCredits(tx, executionId, events));
    }, MIRROR_TRANSACTION);
  };
}

/** Applies a step change unless the step is already terminal; returns its event if it changed. */
async function applyStep(tx: Tx, executionId: string, step: StepPatch): Promise<LiveEvent[]> {
  const changed = await tx.$executeRaw`
    UPDATE steps SET
      status = ${step.status}::"StepStatus",
      output = COALESCE(${json(step.output)}::jsonb, output),
      error = COALESCE(${json(step.error)}::jsonb, error),
      attempts = GREATEST(attempts, ${step.attempts ?? 0}),
      reused = reused OR ${step.reused ?? false},
      -- Merged while waiting (the submit activity recorded the callback token there), cleared after.
      waiting_on = CASE WHEN ${step.status} = 'waiting'
        THEN COALESCE(waiting_on, '{}'::jsonb) || COALESCE(${json(step.waitingOn)}::jsonb, '{}'::jsonb) ELSE NULL END,
      started_at = COALESCE(started_at, ${time(step.startedAtMs)}, ${time(step.finishedAtMs)}),
      -- Never before the start (the activity's clock stamped it; another host's may run behind).
      finished_at = CASE WHEN COALESCE(${time(step.finishedAtMs)}, finished_at) IS NULL THEN NULL
        ELSE GREATEST(COALESCE(${time(step.finishedAtMs)}, finished_at), started_at) END
    WHERE execution_id = ${executionId} AND step_id = ${step.stepId}
      AND status::text <> ALL(${TERMINAL_STEP_STATUSES}::text[])`;
  if (changed === 0) return [];
  const data: Extract<LiveEvent, { type: 'step.status' }>['data'] = { stepId: step.stepId, status: step.status };
  if (step.attempts) data.attempts = step.attempts;
  if (step.error) data.error = step.error;
  if (step.waitingOn) data.waitingOn = step.waitingOn;
  if (step.reused) data.reused = true;
  return [{ type: 'step.status', data }];
}

/** Applies a run change if it is newer than the stored one and the run is not terminal. */
async function applyRun(tx: Tx, executionId: string, run: RunPatch): Promise<LiveEvent[]> {
  const changed = await tx.$executeRaw`
    UPDATE executions SET
      status = ${run.status}::"ExecutionStatus",
      status_seq = ${run.seq},
      output = COALESCE(${json(run.output)}::jsonb, output),
      error = COALESCE(${json(run.error)}::jsonb, error),
      duration_ms = COALESCE(${run.durationMs ?? null}::int, duration_ms),
      started_at = COALESCE(started_at, ${time(run.startedAtMs)}),
      finished_at = COALESCE(${time(run.finishedAtMs)}, finished_at),
      waiting_on = ${json(run.waitingOn)}::jsonb
    WHERE id = ${executionId} AND status_seq < ${run.seq}
      AND status::text <> ALL(${TERMINAL_EXECUTION_STATUSES}::text[])`;
  if (changed === 0) return [];
  const events: LiveEvent[] = [
    { type: 'run.status', data: { status: run.status, ...(run.error ? { error: run.error } : {}), ...(run.waitingOn ? { waitingOn: run.waitingOn } : {}) } },
  ];
  if (isTerminalExecutionStatus(run.status)) {
    events.push({
      type: 'run.end',
      data: { status: run.status, output: run.output ?? null, ...(run.error ? { error: run.error } : {}), durationMs: run.durationMs ?? null },
    });
  }
  return events;
}

/** Applies a completed run's step outputs to the canvas's nodes as their latest results. */
async function applyResults(tx: Tx, executionId: string, workflowId: string): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO canvas_node_results (workflow_id, node_id, execution_id, output, updated_at)
    SELECT ${workflowId}, step_id, execution_id, output, now()
    FROM steps WHERE execution_id = ${executionId} AND status = 'completed' AND output IS NOT NULL
    ORDER BY step_id -- one lock order for concurrent runs of the same canvas: no deadlocks
    ON CONFLICT (workflow_id, node_id) DO UPDATE
      SET execution_id = EXCLUDED.execution_id, output = EXCLUDED.output, updated_at = EXCLUDED.updated_at
      WHERE canvas_node_results.updated_at <= EXCLUDED.updated_at`;
}
