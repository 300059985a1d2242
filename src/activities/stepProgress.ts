// Progress a provider activity reports while it works: the attempt it is on, streaming, streamed
// tokens, waiting, and each failed attempt's error, each with its live event. Best effort: a
// database hiccup must not fail the provider call, and the workflow's mirror writes the
// authoritative terminal status anyway.
import type { Db } from '../db/client';
import { TERMINAL_STEP_STATUSES } from '../domain/statuses';
import { appendEvents, lockExecution } from '../events/store';

/** Writes a step's in-flight progress and its live events. */
export class StepProgress {
  constructor(
    private readonly db: Db,
    private readonly warn: (message: string, err: unknown) => void,
  ) {}

  /** The step started (or retried) an attempt. */
  async attemptStarted(executionId: string, stepId: string, attempt: number): Promise<void> {
    await this.bestEffort(async () =>
      this.db.$transaction(async (tx) => {
        await lockExecution(tx, executionId);
        const changed = await tx.$executeRaw`
          UPDATE steps SET status = 'running', attempts = GREATEST(attempts, ${attempt}),
            started_at = COALESCE(started_at, now())
          WHERE execution_id = ${executionId} AND step_id = ${stepId}
            AND status::text <> ALL(${TERMINAL_STEP_STATUSES}::text[])`;
        if (changed > 0) await appendEvents(tx, executionId, [{ type: 'step.status', data: { stepId, status: 'running', attempt } }]);
      }),
    );
  }

  /** The step began streaming its output. */
  async streaming(executionId: string, stepId: string): Promise<void> {
    await this.bestEffort(async () =>
      this.db.$transaction(async (tx) => {
        await lockExecution(tx, executionId);
        const changed = await tx.$executeRaw`
          UPDATE steps SET status = 'streaming'
          WHERE execution_id = ${executionId} AND step_id = ${stepId}
            AND status::text <> ALL(${TERMINAL_STEP_STATUSES}::text[])`;
        if (changed > 0) await appendEvents(tx, executionId, [{ type: 'step.status', data: { stepId, status: 'streaming' } }]);
      }),
    );
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

  /** Streamed text, in order, for live watchers. */
  async tokens(executionId: string, stepId: string, token: string): Promise<void> {
    await this.bestEffort(() => appendEvents(this.db, executionId, [{ type: 'step.token', data: { stepId, token } }]));
  }

  /** An attempt failed; its error is kept with the step. */
  async attemptFailed(executionId: string, stepId: string, attempt: number, error: { type: string; message: string }): Promise<void> {
    const entry = { attempt, ...error, at: new Date().toISOString() };
    await this.bestEffort(async () =>
      this.db.$transaction(async (tx) => {
        await lockExecution(tx, executionId);
        const changed = await tx.$executeRaw`
          UPDATE steps SET attempt_errors = attempt_errors || ${JSON.stringify([entry])}::jsonb, attempts = GREATEST(attempts, ${attempt})
          WHERE execution_id = ${executionId} AND step_id = ${stepId}
            AND NOT attempt_errors @> ${JSON.stringify([{ attempt }])}::jsonb`;
        if (changed > 0) await appendEvents(tx, executionId, [{ type: 'step.attempt_failed', data: { stepId, ...entry } }]);
      }),
    );
  }

  private async bestEffort(write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (err) {
      this.warn('step progress write failed (the mirror will catch up)', err);
    }
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
