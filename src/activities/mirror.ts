// The status mirror: applies a workflow's queued run and step changes to Postgres in one
// transaction. Idempotent (a retried batch changes nothing twice) and ordered (a run change
// older than the stored one, or any change after a terminal status, is ignored).
import type { Db } from '../db/client';
import { refundExecution } from '../db/ledger';
import { TERMINAL_EXECUTION_STATUSES, TERMINAL_STEP_STATUSES } from '../domain/statuses';
import type { MirrorBatch } from './contracts';

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));
const time = (ms: number | undefined): Date | null => (ms === undefined ? null : new Date(ms));

/** Builds the `mirror` local activity. */
export function createMirrorActivity(db: Db) {
  return async function mirror(batch: MirrorBatch): Promise<void> {
    const { executionId } = batch;
    await db.$transaction(async (tx) => {
      for (const step of batch.steps) {
        await tx.$executeRaw`
          UPDATE steps SET
            status = ${step.status}::"StepStatus",
            output = COALESCE(${json(step.output)}::jsonb, output),
            error = COALESCE(${json(step.error)}::jsonb, error),
            attempts = GREATEST(attempts, ${step.attempts ?? 0}),
            reused = reused OR ${step.reused ?? false},
            started_at = COALESCE(started_at, ${time(step.startedAtMs)}, ${time(step.finishedAtMs)}),
            finished_at = COALESCE(${time(step.finishedAtMs)}, finished_at)
          WHERE execution_id = ${executionId} AND step_id = ${step.stepId}
            AND status::text <> ALL(${TERMINAL_STEP_STATUSES}::text[])`;
      }
      const run = batch.run;
      if (run) {
        await tx.$executeRaw`
          UPDATE executions SET
            status = ${run.status}::"ExecutionStatus",
            status_seq = ${run.seq},
            output = COALESCE(${json(run.output)}::jsonb, output),
            error = COALESCE(${json(run.error)}::jsonb, error),
            duration_ms = COALESCE(${run.durationMs ?? null}::int, duration_ms),
            started_at = COALESCE(started_at, ${time(run.startedAtMs)}),
            finished_at = COALESCE(${time(run.finishedAtMs)}, finished_at),
            waiting_on = CASE WHEN ${run.status} = 'waiting' THEN waiting_on ELSE NULL END
          WHERE id = ${executionId} AND status_seq < ${run.seq}
            AND status::text <> ALL(${TERMINAL_EXECUTION_STATUSES}::text[])`;
      }
      if (batch.applyResults) {
        await tx.$executeRaw`
          INSERT INTO canvas_node_results (workflow_id, node_id, execution_id, output, updated_at)
          SELECT ${batch.applyResults.workflowId}, step_id, execution_id, output, now()
          FROM steps WHERE execution_id = ${executionId} AND status = 'completed' AND output IS NOT NULL
          ORDER BY step_id -- one lock order for concurrent runs of the same canvas: no deadlocks
          ON CONFLICT (workflow_id, node_id) DO UPDATE
            SET execution_id = EXCLUDED.execution_id, output = EXCLUDED.output, updated_at = EXCLUDED.updated_at
            WHERE canvas_node_results.updated_at <= EXCLUDED.updated_at`;
      }
      if (batch.refund) await refundExecution(tx, executionId);
    });
  };
}
