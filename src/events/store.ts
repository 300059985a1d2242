// The execution event log, read side: events are written only by the RunStore (src/db/runStore.ts),
// in the same transaction as the status change they report, and announced with NOTIFY on
// EVENTS_CHANNEL so any API process can stream them live.
import type { LiveEvent } from '../contract/events';
import type { Db } from '../db/client';

/** One live event: the contract's union of every event type with its data. */
export type { LiveEvent } from '../contract/events';
export { EVENTS_CHANNEL, RUN_ENDS_CHANNEL } from '../db/runStore';

/** A stored event with its sequence number. */
export type StoredEvent = LiveEvent & { seq: number };

/** Events of an execution after `afterSeq`, in order. */
export async function readEvents(db: Db, executionId: string, afterSeq: number, limit = 500): Promise<StoredEvent[]> {
  const rows = await db.executionEvent.findMany({
    where: { executionId, seq: { gt: afterSeq } },
    orderBy: { seq: 'asc' },
    take: limit,
  });
  // Written only by the RunStore, whose events the contract types.
  return rows.map((row) => ({ seq: row.seq, type: row.type, data: row.data }) as StoredEvent);
}
