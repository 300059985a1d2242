// Mirrors status changes into Postgres from inside the workflow without making the run wait on
// the database: changes are queued, and one pump drains them in order through a local activity,
// one write per workflow activation: it waits until the activation has made all its changes (a
// step's handed-over progress and its settlement, a group of inline steps, the run's end) and
// sends them, with everything that queued up while a write was in flight, in one transaction
// (every change kept, so watchers see every transition). A database outage only delays the pump
// (the local activity retries forever); the run goes on and the mirror catches up.
//
// A local activity holds its workflow task until it commits, so a mirror write between a step's
// completion and the next step's dispatch delays the dispatch. Runs started with the
// `step-records-in-activities` patch avoid that: when the workflow dispatches a provider step, it
// hands the queued changes to the step's activity (handOff), which writes them before its own
// progress, and the step records its own completion. The pump writes by itself only what no
// dispatch carried away by the end of an activation, and always the run's end. Changes handed
// over but not yet known to be written stay `unconfirmed` and lead every later write of the pump:
// applying a change twice changes nothing, so whichever write lands first counts, in order.
import { CancellationScope, condition, proxyLocalActivities } from '@temporalio/workflow';
import type * as activities from '../activities';
import type { MirrorBatch, MirrorChange, ProgressEntry, RunPatch, StepPatch, StoredEnd } from '../activities/contracts';

const { mirror } = proxyLocalActivities<ReturnType<typeof activities.createActivities>>({
  // Longer than the write's own transaction timeout (src/activities/mirror.ts), so an attempt is
  // never retried while its transaction may still hold the execution's row lock.
  startToCloseTimeout: '45s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '30s' },
  // Longer backoffs become workflow timers instead of holding the workflow task, so the run's own
  // work keeps going while the database is down.
  localRetryThreshold: '1s',
});

/** Above this, handed-over changes stay with the mirror: they would travel in every dispatched step's input. */
const MAX_HANDED_BYTES = 16 * 1024;

/** Queues run and step changes and writes them in order, coalesced. */
export class MirrorPump {
  private changes: MirrorChange[] = [];
  /** Handed to step activities, not yet known to be written; `upTo` numbers the last one. */
  private unconfirmed: Array<{ n: number; change: MirrorChange }> = [];
  private handedUpTo = 0;
  /** Set by runs with the `step-records-in-activities` patch (see handOff). */
  private handsOff = false;
  private applyResults?: { workflowId: string };
  private refund = false;
  private pending = false;
  private busy = false;
  /** A write (the local activity) is in flight. */
  private writing = false;
  private seq = 0;
  /** The run's end as stored, when a write of the run's end found it already ended by another writer. */
  storedEnd?: StoredEnd;

  constructor(private readonly executionId: string) {}

  /** Queues a run status change; it gets the next sequence number. */
  runStatus(patch: Omit<RunPatch, 'seq'>): void {
    this.changes.push({ kind: 'run', patch: { ...patch, seq: ++this.seq } });
    this.kick();
  }

  /**
   * True when every change so far is with a step or written: nothing queued, no write in flight.
   * Only then may a step's record end the run: nothing of the mirror's can land after its end.
   */
  holdsNothing(): boolean {
    return this.changes.length === 0 && !this.writing;
  }

  /** Reserves the next run sequence number for a run change written by someone else (the final step's end). */
  reserveSeq(): number {
    return ++this.seq;
  }

  /** Queues a step change. */
  step(patch: StepPatch): void {
    this.changes.push({ kind: 'step', patch });
    this.kick();
  }

  /** Queues progress a step activity could not write itself; applying it twice changes nothing. */
  progress(entries: ProgressEntry[] | undefined): void {
    if (!entries?.length) return;
    this.changes.push({ kind: 'progress', entries });
    this.kick();
  }

  /** Queues the final effects of a run: results applied to the canvas, or a refund. */
  finish(effects: { applyResults?: { workflowId: string }; refund?: boolean }): void {
    if (effects.applyResults) this.applyResults = effects.applyResults;
    if (effects.refund) this.refund = true;
    this.kick();
  }

  /**
   * Hands the changes not known to be written to a step activity, which writes them first; the
   * mirror then has no write of its own to make for them. When they are too large to travel in the
   * activity's input (i.e. in the run's history), none is handed: the mirror writes them at the end
   * of this activation, which completes before the step is even dispatched, so order still holds.
   */
  handOff(): { changes: MirrorChange[]; upTo: number } {
    const queued = this.changes.map((change, index) => ({ n: this.handedUpTo + index + 1, change }));
    const handed = [...this.unconfirmed, ...queued];
    if (JSON.stringify(handed).length > MAX_HANDED_BYTES) return { changes: [], upTo: 0 };
    this.handedUpTo += queued.length;
    this.unconfirmed = handed;
    this.changes = [];
    return { changes: handed.map((entry) => entry.change), upTo: this.handedUpTo };
  }

  /**
   * From now on, the activation's dispatched steps carry its changes (handOff), and the pump waits
   * for the activation's very end before writing what is left. The end of the activation that
   * starts the workflow needs a second wait: its first condition check runs inside the start job,
   * before the workflow's microtasks (the walk up to its first dispatch) have run.
   */
  handOffToSteps(): void {
    this.handsOff = true;
  }

  /** A step activity wrote what it was handed (up to `upTo`). */
  confirm(upTo: number): void {
    this.unconfirmed = this.unconfirmed.filter((entry) => entry.n > upTo);
  }

  /**
   * Resolves once everything queued so far is written. With nothing queued or in flight (a run its
   * final step ended), at once: a blocked condition would cost the activation one more round into
   * the workflow's sandbox. No command depends on it, so recorded histories replay either way.
   */
  async drain(): Promise<void> {
    if (!this.pending && !this.busy) return;
    await CancellationScope.nonCancellable(() => condition(() => !this.pending && !this.busy));
  }

  private kick(): void {
    this.pending = true;
    if (this.busy) return;
    this.busy = true;
    // The pump survives workflow cancellation: a cancelled run must still be mirrored.
    void CancellationScope.nonCancellable(() => this.pump());
  }

  private async pump(): Promise<void> {
    try {
      await this.drainQueue();
    } finally {
      this.busy = false;
    }
  }

  private async drainQueue(): Promise<void> {
    while (this.pending) {
      await endOfActivation();
      if (this.handsOff) await endOfActivation();
      this.pending = false;
      // Everything this activation queued was handed to a step it dispatched: nothing to write.
      if (this.changes.length === 0 && !this.applyResults && !this.refund) continue;
      const confirmed = this.handedUpTo;
      const batch: MirrorBatch = { executionId: this.executionId, changes: [...this.unconfirmed.map((entry) => entry.change), ...this.changes] };
      if (this.applyResults) batch.applyResults = this.applyResults;
      if (this.refund) batch.refund = true;
      this.changes = [];
      this.applyResults = undefined;
      this.refund = false;
      // Runs recorded before the mirror answered anything replay with undefined here.
      this.writing = true;
      const stored = await mirror(batch).finally(() => (this.writing = false));
      if (stored) this.storedEnd = stored;
      this.confirm(confirmed);
    }
  }
}

/**
 * Resolves once the current activation has run everything it can: the SDK evaluates blocked
 * conditions only after the workflow's microtasks have settled, and this condition is false when
 * first evaluated (at the call) and true at the next evaluation. Deterministic: no command, and
 * the same point on replay.
 */
function endOfActivation(): Promise<void> {
  let evaluated = false;
  return condition(() => {
    if (evaluated) return true;
    evaluated = true;
    return false;
  });
}
