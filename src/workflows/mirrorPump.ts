// Mirrors status changes into Postgres from inside the workflow without making the run wait on
// the database: changes are queued, and one pump drains them in order through a local activity,
// one write per workflow activation: it waits until the activation has made all its changes (a
// step's handed-over progress and its settlement, a group of inline steps, the run's end) and
// sends them, with everything that queued up while a write was in flight, in one transaction
// (every change kept, so watchers see every transition). A database outage only delays the pump
// (the local activity retries forever); the run goes on and the mirror catches up.
import { CancellationScope, condition, proxyLocalActivities } from '@temporalio/workflow';
import type * as activities from '../activities';
import type { MirrorBatch, MirrorChange, ProgressEntry, RunPatch, StepPatch } from '../activities/contracts';

const { mirror } = proxyLocalActivities<ReturnType<typeof activities.createActivities>>({
  // Longer than the write's own transaction timeout (src/activities/mirror.ts), so an attempt is
  // never retried while its transaction may still hold the execution's row lock.
  startToCloseTimeout: '45s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '30s' },
  // Longer backoffs become workflow timers instead of holding the workflow task, so the run's own
  // work keeps going while the database is down.
  localRetryThreshold: '1s',
});

/** Queues run and step changes and writes them in order, coalesced. */
export class MirrorPump {
  private changes: MirrorChange[] = [];
  private applyResults?: { workflowId: string };
  private refund = false;
  private pending = false;
  private busy = false;
  private seq = 0;

  constructor(private readonly executionId: string) {}

  /** Queues a run status change; it gets the next sequence number. */
  runStatus(patch: Omit<RunPatch, 'seq'>): void {
    this.changes.push({ kind: 'run', patch: { ...patch, seq: ++this.seq } });
    this.kick();
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

  /** Resolves once everything queued so far is written. */
  async drain(): Promise<void> {
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
      const batch: MirrorBatch = { executionId: this.executionId, changes: this.changes };
      if (this.applyResults) batch.applyResults = this.applyResults;
      if (this.refund) batch.refund = true;
      this.changes = [];
      this.applyResults = undefined;
      this.refund = false;
      this.pending = false;
      await mirror(batch);
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
