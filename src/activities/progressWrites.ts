// Writes a step attempt's progress entries (attempt started, streaming, tokens, attempt failed)
// with their live events. Shared by the step activities (as progress happens) and the mirror (for
// what an activity could not write during a database outage), so both paths apply an entry the
// same way, and applying it twice changes nothing: a write that committed although its client saw
// an error, then handed over again, cannot announce anything twice.
import type { Db } from '../db/client';
import type { Tx } from '../db/ledger';
import { TERMINAL_STEP_STATUSES } from '../domain/statuses';
import { appendEvents, lockExecution, type LiveEvent } from '../events/store';
import type { ProgressEntry } from './contracts';

/** Limits of a progress transaction: streamed text can be large, and a loaded database slow (see MIRROR_TRANSACTION). */
const PROGRESS_TRANSACTION = { maxWait: 2_000, timeout: 30_000 };

/** Writes entries in order in one transaction, with their events. */
export async function writeProgress(db: Db, executionId: string, entries: ProgressEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db.$transaction(async (tx) => {
    await lockExecution(tx, executionId);
    const events: LiveEvent[] = [];
    for (const entry of entries) events.push(...(await applyProgress(tx, executionId, entry)));
    await appendEvents(tx, executionId, events);
  }, PROGRESS_TRANSACTION);
}

/** Applies one entry (the caller holds the execution's row lock); returns its events if it changed anything. */
export async function applyProgress(tx: Tx, executionId: string, entry: ProgressEntry): Promise<LiveEvent[]> {
  const { stepId, attempt } = entry;
  switch (entry.kind) {
    case 'attempt': {
      // `attempts < attempt`: an attempt is announced once, however often its entry is applied.
      // The start is the attempt's own clock, not the write's: a fast attempt's entry is often written
      // with its settlement, after `finished_at`. The earliest start wins, and never after the finish.
      const at = entry.at ? new Date(entry.at) : null;
      const changed = await tx.$executeRaw`
        UPDATE steps SET status = 'running', attempts = ${attempt},
          started_at = LEAST(COALESCE(started_at, ${at}::timestamptz, now()), COALESCE(${at}::timestamptz, now()), finished_at)
        WHERE execution_id = ${executionId} AND step_id = ${stepId} AND attempts < ${attempt}
          AND status::text <> ALL(${TERMINAL_STEP_STATUSES}::text[])`;
      return changed > 0 ? [{ type: 'step.status', data: { stepId, status: 'running', attempt } }] : [];
    }
    case 'streaming': {
      const changed = await tx.$executeRaw`
        UPDATE steps SET status = 'streaming'
        WHERE execution_id = ${executionId} AND step_id = ${stepId} AND status = 'running' AND attempts = ${attempt}`;
      return changed > 0 ? [{ type: 'step.status', data: { stepId, status: 'streaming' } }] : [];
    }
    case 'tokens': {
      // Text is identified by its attempt and offset; none is added once the step has settled.
      const [row] = await tx.$queryRaw<Array<{ open: boolean; seen: boolean }>>`
        SELECT s.status::text <> ALL(${TERMINAL_STEP_STATUSES}::text[]) AS open,
          EXISTS (SELECT 1 FROM execution_events e WHERE e.execution_id = ${executionId} AND e.type = 'step.token'
            AND e.data @> ${JSON.stringify({ stepId, attempt, offset: entry.offset })}::jsonb) AS seen
        FROM steps s WHERE s.execution_id = ${executionId} AND s.step_id = ${stepId}`;
      if (!row?.open || row.seen) return [];
      return [{ type: 'step.token', data: { stepId, token: entry.text, attempt, offset: entry.offset } }];
    }
    case 'failed': {
      const record = { attempt, ...entry.error, at: entry.at };
      const changed = await tx.$executeRaw`
        UPDATE steps SET attempt_errors = attempt_errors || ${JSON.stringify([record])}::jsonb, attempts = GREATEST(attempts, ${attempt})
        WHERE execution_id = ${executionId} AND step_id = ${stepId}
          AND NOT attempt_errors @> ${JSON.stringify([{ attempt }])}::jsonb`;
      return changed > 0 ? [{ type: 'step.attempt_failed', data: { stepId, ...record } }] : [];
    }
  }
}
