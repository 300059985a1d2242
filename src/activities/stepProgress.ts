// Progress a provider activity reports while it works: the attempt it is on, streaming, streamed
// tokens, waiting, and each failed attempt's error, each with its live event. A database outage
// must neither fail the provider call nor lose an event: attempts write through an ordered outbox
// (progressOutbox.ts) that retries and hands over what it could not write.
import type { Db } from '../db/client';
import { TERMINAL_STEP_STATUSES } from '../domain/statuses';
import { appendEvents, lockExecution } from '../events/store';
import type { ProgressEntry } from './contracts';
import { ProgressOutbox } from './progressOutbox';
import { writeProgress } from './progressWrites';

/** Writes a step's in-flight progress and its live events. */
export class StepProgress {
  constructor(
    private readonly db: Db,
    private readonly warn: (message: string, err: unknown) => void,
  ) {}

  /**
   * Opens the progress of one attempt. `carried` is what an earlier attempt left unwritten;
   * `onUnwritten` hears what is still unwritten after each write (for the heartbeat details).
   */
  open(executionId: string, stepId: string, attempt: number, carried: ProgressEntry[], onUnwritten: (unwritten: ProgressEntry[]) => void): ProgressOutbox {
    return new ProgressOutbox(stepId, attempt, (entries) => writeProgress(this.db, executionId, entries), onUnwritten, this.warn, carried);
  }

  /** The step started an attempt, written now or thrown (for activities that cannot go on without the database). */
  async attemptStarted(executionId: string, stepId: string, attempt: number): Promise<void> {
    await writeProgress(this.db, executionId, [{ kind: 'attempt', stepId, attempt, at: new Date().toISOString() }]);
  }

  /**
   * The step waits on a provider job. Written before the job is submitted, so a callback that
   * beats the workflow to the database still finds its token. Returns the callback token, reusing
   * the one already recorded for this job key (a retried submit must keep the job's callback URL).
   */
  async waitingFor(executionId: string, stepId: string, waitingOn: { provider: string; jobKey: string; callbackToken: string }): Promise<string> {
    return this.db.$transaction(async (tx) => {
      await lockExecution(tx, executionId);
      const [row] = await tx.$queryRaw<Array<{ waiting_on: { jobKey?: string; callbackToken?: string } | null }>>`
        SELECT waiting_on FROM steps WHERE execution_id = ${executionId} AND step_id = ${stepId}`;
      if (row?.waiting_on?.jobKey === waitingOn.jobKey && row.waiting_on.callbackToken) return row.waiting_on.callbackToken;
      const changed = await tx.$executeRaw`
        UPDATE steps SET status = 'waiting', waiting_on = ${JSON.stringify(waitingOn)}::jsonb
        WHERE execution_id = ${executionId} AND step_id = ${stepId}
          AND status::text <> ALL(${TERMINAL_STEP_STATUSES}::text[])`;
      if (changed > 0) {
        await appendEvents(tx, executionId, [{ type: 'step.status', data: { stepId, status: 'waiting', waitingOn: { provider: waitingOn.provider } } }]);
      }
      return waitingOn.callbackToken;
    });
  }
}

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
