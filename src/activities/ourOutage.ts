// Our own outages are ours: when our Postgres or our media store cannot be reached, a step waits for
// it inside its activity (backing off, heartbeating, saying so in its heartbeat details) instead of
// failing the attempt, which would spend the step's retry policy on a fault that is not the
// provider's and, worse, call the provider again for a result already in hand.
import { setTimeout as sleep } from 'node:timers/promises';
import { isDatabaseUnavailable } from '../db/availability';
import { ProviderError } from '../providers/errors';

/** Names of errors that are the vendor's or the request's, never our infrastructure's. */
const NOT_OURS = new Set(['MediaDownloadFailed', 'MediaTooLarge', 'MediaNotFound', 'MediaRangeNotSatisfiable', 'MediaStoreConfigError', 'AbortError']);

/** Error codes of a media store (file system or S3 client) that is momentarily unable to serve. */
const STORE_CODES = /^(EIO|ENOSPC|EAGAIN|EBUSY|EMFILE|ENFILE|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|ServiceUnavailable|SlowDown|InternalError|RequestTimeout|TimeoutError|NetworkingError)$/;

/** Which of our resources an error says is down, or undefined when the error is not an outage of ours. */
export function ourOutageOf(err: unknown): 'database' | 'media store' | undefined {
  if (!err || typeof err !== 'object') return undefined;
  if (err instanceof ProviderError) return undefined;
  const { name, code, $metadata } = err as { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: unknown } };
  if (typeof name === 'string' && NOT_OURS.has(name)) return undefined;
  if (isDatabaseUnavailable(err)) return 'database';
  if (typeof code === 'string' && STORE_CODES.test(code)) return 'media store';
  if (typeof name === 'string' && STORE_CODES.test(name)) return 'media store';
  if (typeof $metadata?.httpStatusCode === 'number' && $metadata.httpStatusCode >= 500) return 'media store';
  return undefined;
}

/** What a step waiting out our outage reports (heartbeat details, logs). */
export interface OutageWait {
  resource: 'database' | 'media store';
  /** What the step was doing when it found the resource down. */
  during: string;
  since: string;
  retries: number;
  lastError: string;
}

/** Backoff of the wait: doubling from 200 ms to 5 s, with jitter so waiting steps do not return in lockstep. */
const FIRST_DELAY_MS = 200;
const MAX_DELAY_MS = 5_000;

/** Where a waiting step says it is waiting (the activity's heartbeat details) and logs it. */
export interface OutageObserver {
  waiting(wait: OutageWait): void;
  recovered(wait: OutageWait): void;
}

/**
 * Runs `operation`, and while it fails because our database or media store is down, waits (with
 * backoff) and runs it again, until it succeeds, fails otherwise, or `signal` aborts (the step's
 * timeout, the run's timeout or a cancellation: those still end the wait). `operation` must be
 * safe to repeat: a write that is idempotent, never a provider call.
 */
export async function rideOutOurOutage<T>(during: string, operation: () => Promise<T>, signal: AbortSignal, observer?: OutageObserver): Promise<T> {
  let wait: OutageWait | undefined;
  for (;;) {
    try {
      const result = await operation();
      if (wait) observer?.recovered(wait);
      return result;
    } catch (err) {
      const resource = ourOutageOf(err);
      if (!resource || signal.aborted) throw err;
      wait = wait
        ? { ...wait, resource, retries: wait.retries + 1, lastError: messageOf(err) }
        : { resource, during, since: new Date().toISOString(), retries: 1, lastError: messageOf(err) };
      observer?.waiting(wait);
      const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(wait.retries - 1, 10));
      await sleep(delay * (0.75 + Math.random() * 0.5), undefined, { signal }).catch(() => {
        throw err;
      });
    }
  }
}

function messageOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, 300);
}

type Body = AsyncIterable<Uint8Array> | Uint8Array;

/**
 * A media body that can be offered again after a failed save: the chunks already read are kept (up
 * to `maxHeldBytes`) and the rest is read from the same source, so the provider's bytes are never
 * fetched twice. Beyond the limit the body cannot be replayed and the save's error stands.
 */
export class ReplayableBody {
  private readonly held: Uint8Array[] = [];
  private heldBytes = 0;
  private overflowed = false;
  private source?: AsyncIterator<Uint8Array>;

  constructor(
    private readonly body: Body,
    private readonly maxHeldBytes: number,
  ) {}

  /** True while every chunk read so far is held. */
  get replayable(): boolean {
    return !this.overflowed;
  }

  /** The body from its first byte: held chunks, then the rest of the source. */
  stream(): Body {
    if (this.body instanceof Uint8Array) return this.body;
    const iterable = this.body;
    const self = this;
    return {
      async *[Symbol.asyncIterator]() {
        for (const chunk of [...self.held]) yield chunk;
        self.source ??= iterable[Symbol.asyncIterator]();
        for (;;) {
          const next = await self.source.next();
          if (next.done) return;
          const chunk = next.value;
          if (!self.overflowed) {
            self.heldBytes += chunk.byteLength;
            if (self.heldBytes > self.maxHeldBytes) {
              self.overflowed = true;
              self.held.length = 0;
            } else self.held.push(chunk);
          }
          yield chunk;
        }
      },
    };
  }
}
