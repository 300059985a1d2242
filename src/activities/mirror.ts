// The status mirror's local activity: applies a workflow's queued run and step changes through the
// RunStore (src/db/runStore.ts), in order, in one transaction, with their live events. Idempotent
// (a retried batch changes nothing twice and announces nothing twice) and ordered (a run change
// older than the stored one, or any change the transition table forbids, is ignored). A batch that
// ends a run answers the stored end when the run had already ended (null when it ended it).
import type { Db } from '../db/client';
import { RunStore } from '../db/runStore';
import type { MirrorBatch, StoredEnd } from './contracts';

/** Builds the `mirror` local activity. */
export function createMirrorActivity(db: Db | RunStore) {
  const store = db instanceof RunStore ? db : new RunStore(db);
  return async function mirror(batch: MirrorBatch): Promise<StoredEnd | null> {
    return store.applyBatch(batch);
  };
}
