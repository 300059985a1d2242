// Progress a provider activity reports while it works: the attempt it is on, streaming, and each
// failed attempt's error. Best effort: a database hiccup must not fail the provider call, and the
// workflow's mirror writes the authoritative terminal status anyway.
import type { Db } from '../db/client';
import { TERMINAL_STEP_STATUSES } from '../domain/statuses';

/** Receives live events (streamed tokens, step progress) for watchers. */
export interface LiveEventSink {
  publish(executionId: string, event: { type: string; stepId?: string; data?: unknown }): void;
}

/** A sink that drops events (used where nobody watches). */
export const NO_LIVE_EVENTS: LiveEventSink = { publish: () => undefined };

/** Writes a step's in-flight progress. */
export class StepProgress {
  constructor(
    private readonly db: Db,
    private readonly warn: (message: string, err: unknown) => void,
  ) {}

  /** The step started (or retried) an attempt. */
  async attemptStarted(executionId: string, stepId: string, attempt: number): Promise<void> {
    await this.bestEffort(
      this.db.$executeRaw`
        UPDATE steps SET status = 'running', attempts = GREATEST(attempts, ${attempt}),
          started_at = COALESCE(started_at, now())
        WHERE execution_id = ${executionId} AND step_id = ${stepId}
          AND status::text <> ALL(${TERMINAL_STEP_STATUSES}::text[])`,
    );
  }

  /** The step began streaming its output. */
  async streaming(executionId: string, stepId: string): Promise<void> {
    await this.bestEffort(
      this.db.$executeRaw`
        UPDATE steps SET status = 'streaming'
        WHERE execution_id = ${executionId} AND step_id = ${stepId}
          AND status::text <> ALL(${TERMINAL_STEP_STATUSES}::text[])`,
    );
  }

  /** An attempt failed; its error is kept with the step. */
  async attemptFailed(executionId: string, stepId: string, attempt: number, error: { type: string; message: string }): Promise<void> {
    const entry = JSON.stringify([{ attempt, ...error, at: new Date().toISOString() }]);
    await this.bestEffort(
      this.db.$executeRaw`
        UPDATE steps SET attempt_errors = attempt_errors || ${entry}::jsonb, attempts = GREATEST(attempts, ${attempt})
        WHERE execution_id = ${executionId} AND step_id = ${stepId}
          AND NOT attempt_errors @> ${JSON.stringify([{ attempt }])}::jsonb`,
    );
  }

  private async bestEffort(write: Promise<unknown>): Promise<void> {
    try {
      await write;
    } catch (err) {
      this.warn('step progress write failed (the mirror will catch up)', err);
    }
  }
}
