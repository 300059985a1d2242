// The execution event log: ordered per execution, written in the same transaction as the status
// change it reports, announced with NOTIFY so any API process can stream it live.
import type { LiveEvent } from '../contract/events';
import type { Db } from '../db/client';
import type { Tx } from '../db/ledger';

/** One live event: the contract's union of every event type with its data. */
export type { LiveEvent } from '../contract/events';

/** The NOTIFY channel; the payload is the execution id. */
export const EVENTS_CHANNEL = 'execution_events';

/**
 * Appends events with the next sequence numbers. The sequence comes from a row lock on the
 * execution, so writers of one execution are serialised and `seq` order is commit order: a reader
 * resuming after seq N can never miss an event that commits later with a smaller seq.
 */
export async function appendEvents(tx: Tx | Db, executionId: string, events: LiveEvent[]): Promise<void> {
  if (events.length === 0) return;
  const n = events.length;
  await tx.$executeRaw`
    WITH s AS (UPDATE executions SET event_seq = event_seq + ${n} WHERE id = ${executionId} RETURNING event_seq),
    ins AS (
      INSERT INTO execution_events (execution_id, seq, type, data)
      SELECT ${executionId}, s.event_seq - ${n} + e.ord::int, e.value->>'type', e.value->'data'
      FROM s, jsonb_array_elements(${JSON.stringify(events)}::jsonb) WITH ORDINALITY AS e(value, ord)
      RETURNING 1)
    SELECT pg_notify(${EVENTS_CHANNEL}, ${executionId}) FROM (SELECT count(*) AS c FROM ins) counted WHERE counted.c > 0`;
}

/**
 * Takes the execution's row lock first. Every writer of an execution's steps and events does this
 * before touching step rows, so they all lock in one order (execution, then steps): no deadlocks.
 */
export async function lockExecution(tx: Tx, executionId: string): Promise<void> {
  await tx.$executeRaw`SELECT 1 FROM executions WHERE id = ${executionId} FOR UPDATE`;
}

/** A stored event with its sequence number. */
export type StoredEvent = LiveEvent & { seq: number };

/** Events of an execution after `afterSeq`, in order. */
export async function readEvents(db: Db, executionId: string, afterSeq: number, limit = 500): Promise<StoredEvent[]> {
  const rows = await db.executionEvent.findMany({
    where: { executionId, seq: { gt: afterSeq } },
    orderBy: { seq: 'asc' },
    take: limit,
  });
  // Written only through appendEvents(), whose argument the contract types.
  return rows.map((row) => ({ seq: row.seq, type: row.type, data: row.data }) as StoredEvent);
}
