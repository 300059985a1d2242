// Progress a provider activity reports while it works: the attempt it is on, streaming, streamed
// tokens, waiting, and each failed attempt's error, each with its live event. A database outage
// must neither fail the provider call nor lose an event: attempts write through an ordered outbox
// (progressOutbox.ts) that retries and hands over what it could not write. Every write goes
// through the RunStore (src/db/runStore.ts).
import type { Db } from '../db/client';
import { RunStore, type RunEndRecord, type StepRecord } from '../db/runStore';
import type { MirrorChange, ProgressEntry, StoredEnd } from './contracts';
import { ProgressOutbox } from './progressOutbox';

/** Writes a step's in-flight progress and its live events, through the RunStore. */
export class StepProgress {
  private readonly store: RunStore;

  constructor(
    db: Db | RunStore,
    private readonly warn: (message: string, err: unknown) => void,
  ) {
    this.store = db instanceof RunStore ? db : new RunStore(db);
  }

  /**
   * Opens the progress of one attempt. `carried` is what an earlier attempt left unwritten;
   * `onUnwritten` hears what is still unwritten after each write (for the heartbeat details).
   * `changes` (the run's changes the workflow handed over) go first, with the attempt's first write.
   */
  open(
    executionId: string,
    stepId: string,
    attempt: number,
    carried: ProgressEntry[],
    onUnwritten: (unwritten: ProgressEntry[]) => void,
    changes: MirrorChange[] = [],
  ): AttemptProgress {
    let handed = changes;
    const outbox = new ProgressOutbox(
      stepId,
      attempt,
      async (entries) => {
        await this.store.writeProgress(executionId, entries, handed);
        handed = [];
      },
      onUnwritten,
      this.warn,
      carried,
    );
    return Object.assign(outbox, {
      /**
       * Records the attempt's completion with what is still unwritten, in one statement; with `end`,
       * the run's end too (null when it ended the run, else the stored end: see RunStore.recordStep).
       */
      record: async (completed: StepRecord['completed'], progress: ProgressEntry[], end?: RunEndRecord) => {
        const stored = await this.store.recordStep(executionId, { changes: handed, progress, completed }, end);
        handed = [];
        return stored;
      },
    });
  }

  /**
   * A step answered from the output cache (no provider call): its completion with the cache's
   * provenance, after the changes the workflow handed it.
   */
  async recordCacheHit(
    executionId: string,
    changes: MirrorChange[],
    completed: StepRecord['completed'] & { cache: NonNullable<StepRecord['completed']['cache']> },
  ): Promise<void> {
    await this.store.recordStep(executionId, { changes, progress: [], completed });
  }

  /** The step started an attempt, written now or thrown (for activities that cannot go on without the database). */
  async attemptStarted(executionId: string, stepId: string, attempt: number): Promise<void> {
    await this.store.writeProgress(executionId, [{ kind: 'attempt', stepId, attempt, at: new Date().toISOString() }]);
  }

  /**
   * The step waits on a provider job. Written before the job is submitted, so a callback that
   * beats the workflow to the database still finds its token. Returns the callback token, reusing
   * the one already recorded for this job key (a retried submit must keep the job's callback URL).
   */
  waitingFor(executionId: string, stepId: string, waitingOn: { provider: string; jobKey: string; callbackToken: string }): Promise<string> {
    return this.store.markWaiting(executionId, stepId, waitingOn);
  }
}

/** One attempt's progress outbox, which can also record the attempt's completion. */
export type AttemptProgress = ProgressOutbox & {
  record(completed: StepRecord['completed'], progress: ProgressEntry[], end?: RunEndRecord): Promise<StoredEnd | null>;
};

/** Batches streamed tokens into one event per interval, so a fast stream is not one write per token. */
export class TokenBuffer {
  private text = '';
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly write: (text: string) => Promise<void>,
    private readonly intervalMs = 50,
  ) {}

  /** Adds a token; it is written within the interval. */
  push(token: string): void {
    this.text += token;
    this.timer ??= setTimeout(() => void this.flush(), this.intervalMs);
  }

  /** Writes what is buffered, after any write in progress (order is kept). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const text = this.text;
    this.text = '';
    if (text) this.flushing = this.flushing.then(() => this.write(text));
    return this.flushing;
  }
}
