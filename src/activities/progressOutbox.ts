// The progress of one provider step attempt, on its way to the event log. Entries are written in
// the order they happened; a write that fails (a database outage) is retried with backoff, and
// everything after it waits behind it, so watchers never see a transition out of order. Nothing is
// dropped: what is still unwritten when the attempt ends is handed over — to the workflow with the
// attempt's result or failure (it writes them through its mirror), and to the next attempt through
// the heartbeat details, which Temporal keeps across retries.
//
// The first write waits FIRST_WRITE_DELAY_MS: an attempt that ends sooner (a fast model, a cached
// answer, the sandbox) writes nothing itself and hands everything over, so its `running`,
// `streaming`, tokens and the step's settlement commit in one mirror transaction instead of three.
// A slower attempt is announced as `running` at most that much later than it started.
import { ApplicationFailure } from '@temporalio/activity';
import type { ProgressEntry } from './contracts';

/** Heartbeat details of a step attempt: its unwritten progress. */
export interface ProgressHeartbeat {
  progress: ProgressEntry[];
  /** Set while the attempt waits out an outage of our database or media store. */
  waitingFor?: { resource: string; during: string; since: string; retries: number; lastError: string };
}

/** How long the end of an attempt waits for a write in flight before handing it over too. */
const HANDOVER_GRACE_MS = 1_000;
/** How long an attempt holds its progress before the first write (see above). */
export const FIRST_WRITE_DELAY_MS = 100;
/**
 * Held progress is handed over unwritten only up to this much streamed text: it travels in the
 * activity's result, i.e. in the workflow's history, next to the step's output. Beyond it the
 * attempt writes it itself.
 */
const HANDOVER_MAX_TEXT = 64 * 1024;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 2_000;

interface Queued {
  entry: ProgressEntry;
  /** Sent at least once: it may have committed, so it is never merged with later text. */
  tried: boolean;
}

/** Ordered, retried progress writes of one step attempt. */
export class ProgressOutbox {
  private readonly queue: Queued[];
  private inFlight?: Promise<void>;
  private retryTimer?: NodeJS.Timeout;
  private failures = 0;
  private closed = false;
  private textLength = 0;
  /** Set while the first write waits (see FIRST_WRITE_DELAY_MS). */
  private holdTimer?: NodeJS.Timeout;

  constructor(
    private readonly stepId: string,
    private readonly attempt: number,
    private readonly write: (entries: ProgressEntry[]) => Promise<void>,
    private readonly onUnwritten: (unwritten: ProgressEntry[]) => void,
    private readonly warn: (message: string, err: unknown) => void,
    carried: ProgressEntry[] = [],
    firstWriteDelayMs = FIRST_WRITE_DELAY_MS,
  ) {
    // An earlier attempt's leftovers come first: they happened first, and are written at once.
    this.queue = carried.map((entry) => ({ entry, tried: true }));
    if (carried.length === 0 && firstWriteDelayMs > 0) {
      this.holdTimer = setTimeout(() => {
        this.holdTimer = undefined;
        this.kick();
      }, firstWriteDelayMs);
    }
    this.kick();
  }

  /** The attempt started: the step is `running`. */
  attemptStarted(): void {
    // Stamped now: the entry may be written much later (held, retried, handed over to the mirror).
    this.push({ kind: 'attempt', stepId: this.stepId, attempt: this.attempt, at: new Date().toISOString() });
  }

  /** The step began streaming. */
  streaming(): void {
    this.push({ kind: 'streaming', stepId: this.stepId, attempt: this.attempt });
  }

  /** Streamed text; text queued behind an unwritten entry is coalesced into one event. */
  tokens(text: string): void {
    if (!text) return;
    const offset = this.textLength;
    this.textLength += text.length;
    const last = this.queue.at(-1);
    if (last && !last.tried && last.entry.kind === 'tokens' && last.entry.attempt === this.attempt) {
      last.entry.text += text;
      return;
    }
    this.push({ kind: 'tokens', stepId: this.stepId, attempt: this.attempt, offset, text });
  }

  /** The attempt failed with this error. */
  attemptFailed(error: { type: string; message: string }): void {
    this.push({ kind: 'failed', stepId: this.stepId, attempt: this.attempt, error, at: new Date().toISOString() });
  }

  /** What is not known to be written yet, in order. */
  unwritten(): ProgressEntry[] {
    return this.queue.map((queued) => queued.entry);
  }

  /**
   * Ends the attempt's writes: tries once more, waits briefly for a write in flight, and returns
   * what is still unwritten for the caller to hand over. With `keepHeld`, progress still held
   * back by the first-write delay is returned without a write.
   */
  async handover(options: { keepHeld?: boolean } = {}): Promise<ProgressEntry[]> {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (this.holdTimer) {
      clearTimeout(this.holdTimer);
      this.holdTimer = undefined;
      // Nothing was written yet: a short successful attempt hands it all over for the mirror to
      // write with the step's settlement. (A failed one writes it: a retry would only find it in
      // the heartbeat details.)
      if (options.keepHeld && this.textLength <= HANDOVER_MAX_TEXT) {
        this.closed = true;
        return this.unwritten();
      }
    }
    this.kick();
    if (this.inFlight) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.inFlight, new Promise<void>((resolve) => (timer = setTimeout(resolve, HANDOVER_GRACE_MS)))]);
      clearTimeout(timer);
    }
    this.closed = true;
    clearTimeout(this.retryTimer);
    return this.unwritten();
  }

  private push(entry: ProgressEntry): void {
    if (this.closed) return;
    this.queue.push({ entry, tried: false });
    this.kick();
  }

  private kick(): void {
    if (this.closed || this.inFlight || this.retryTimer || this.holdTimer || this.queue.length === 0) return;
    const batch = [...this.queue];
    for (const queued of batch) queued.tried = true;
    this.inFlight = this.write(batch.map((queued) => queued.entry))
      .then(
        () => {
          this.queue.splice(0, batch.length);
          this.failures = 0;
        },
        (err: unknown) => {
          if (this.failures++ === 0) this.warn('step progress write failed; retrying in order (nothing is dropped)', err);
          if (this.closed) return;
          const delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** (this.failures - 1));
          this.retryTimer = setTimeout(() => {
            this.retryTimer = undefined;
            this.kick();
          }, delay);
        },
      )
      .finally(() => {
        this.inFlight = undefined;
        if (this.closed) return;
        this.onUnwritten(this.unwritten());
        this.kick();
      });
  }
}

/** The progress an earlier attempt of this activity left unwritten (from its heartbeat details). */
export function carriedProgress(heartbeatDetails: unknown): ProgressEntry[] {
  const progress = (heartbeatDetails as Partial<ProgressHeartbeat> | undefined)?.progress;
  return Array.isArray(progress) ? progress : [];
}

/** The failure with the attempt's unwritten progress in its details, for the workflow to write. */
export function withProgress(failure: ApplicationFailure, progress: ProgressEntry[]): ApplicationFailure {
  if (progress.length === 0) return failure;
  const first = (failure.details?.[0] ?? {}) as Record<string, unknown>;
  return ApplicationFailure.create({
    type: failure.type ?? 'Error',
    message: failure.message,
    nonRetryable: failure.nonRetryable ?? false,
    details: [{ ...first, progress }, ...(failure.details?.slice(1) ?? [])],
    ...(failure.nextRetryDelay != null ? { nextRetryDelay: failure.nextRetryDelay } : {}),
    ...(failure.cause ? { cause: failure.cause } : {}),
  });
}
