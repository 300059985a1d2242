// One LISTEN connection per API process, fanning NOTIFYs out to the watchers of each execution.
// Notifications only wake watchers up; they then read the event log, so a missed or coalesced
// notification loses nothing. Runs' ends are always listened to (every sync request waits for
// one); every event of every run (a few per step) only while someone watches events, so a process
// that serves no live viewer is not woken for each step of each run. The connection keeps itself
// up: a failed first connection or a lost one is logged and retried with backoff, and every
// watcher is woken once it is back.
import pg from 'pg';
import { EVENTS_CHANNEL, RUN_ENDS_CHANNEL } from './store';

type Wake = () => void;

/** Backoff of the listener's reconnection attempts: doubling from the first delay up to the last. */
export interface ListenerBackoff {
  firstMs: number;
  maxMs: number;
}

const DEFAULT_BACKOFF: ListenerBackoff = { firstMs: 250, maxMs: 10_000 };

/** What a watcher hears: every new event of the execution, or only its end. */
export type WatchScope = 'events' | 'end';

const channelOf: Record<WatchScope, string> = { events: EVENTS_CHANNEL, end: RUN_ENDS_CHANNEL };

/** Wakes watchers of an execution when its event log grows (or, for `end`, when the run ends). */
export class EventHub {
  private client?: pg.Client;
  private readonly watchers = new Map<string, Set<Wake>>();
  private closed = false;
  private connecting?: Promise<void>;
  private retryTimer?: NodeJS.Timeout;
  private failures = 0;
  /** Watchers of the `events` scope: the connection LISTENs to EVENTS_CHANNEL while there are any. */
  private eventWatchers = 0;
  /** The last LISTEN/UNLISTEN of EVENTS_CHANNEL sent on the current connection, in order. */
  private eventsListen: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly databaseUrl: string,
    private readonly warn: (message: string) => void = () => undefined,
    private readonly backoff: ListenerBackoff = DEFAULT_BACKOFF,
  ) {}

  /** True while the LISTEN connection is up. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  /**
   * Calls `wake` on every new event of `executionId` until the returned function is called. Never
   * fails: a watcher registered while the listener is down is woken when it comes back, and a
   * caller that reads the event log after this resolves has missed nothing.
   */
  async watch(executionId: string, wake: Wake, scope: WatchScope = 'events'): Promise<() => void> {
    const key = `${channelOf[scope]}:${executionId}`;
    const set = this.watchers.get(key) ?? new Set<Wake>();
    set.add(wake);
    this.watchers.set(key, set);
    if (scope === 'events' && ++this.eventWatchers === 1) this.listenToEvents(true);
    // Waits for a connection attempt in progress (so a running listener has LISTENed before the
    // caller reads), but not for the retries after a failure.
    await this.ensureConnected().catch(() => undefined);
    if (scope === 'events') await this.eventsListen;
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      set.delete(wake);
      if (set.size === 0) this.watchers.delete(key);
      if (scope === 'events' && --this.eventWatchers === 0) this.listenToEvents(false);
    };
  }

  /** LISTENs to (or stops listening to) every run's events on the current connection, in call order. */
  private listenToEvents(on: boolean): void {
    const client = this.client;
    if (!client) return; // connect() LISTENs as eventWatchers says
    // A failed command means a lost connection: its handlers reconnect, and connect() LISTENs again.
    this.eventsListen = this.eventsListen.then(() => client.query(`${on ? 'LISTEN' : 'UNLISTEN'} ${EVENTS_CHANNEL}`)).catch(() => undefined);
  }

  /** Closes the LISTEN connection and stops reconnecting. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.client?.end().catch(() => undefined);
  }

  private ensureConnected(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return (this.connecting ??= this.connect().then(
      () => {
        if (this.failures > 0) this.warn(`event listener connected again after ${this.failures} failed attempt(s)`);
        this.failures = 0;
        // Anything may have happened while disconnected: wake everyone to re-read.
        this.watchers.forEach((set) => set.forEach((wake) => wake()));
      },
      (err: unknown) => {
        this.lost(`event listener could not connect: ${err instanceof Error ? err.message : String(err)}`);
        throw err;
      },
    ));
  }

  private async connect(): Promise<void> {
    // A bounded connect: an address that swallows packets must not hold watchers forever.
    const client = new pg.Client({ connectionString: this.databaseUrl, connectionTimeoutMillis: 5000 });
    let dropped = false;
    let listened = false;
    const drop = (message: string) => {
      if (dropped) return;
      dropped = true;
      if (this.client === client) this.lost(message);
    };
    client.on('notification', (message) => {
      for (const wake of this.watchers.get(`${message.channel}:${message.payload ?? ''}`) ?? []) wake();
    });
    client.on('error', (err) => drop(`event listener lost its connection: ${err.message}`));
    client.on('end', () => drop('event listener lost its connection (closed by the server)'));
    try {
      await client.connect();
      listened = this.eventWatchers > 0;
      await client.query(listened ? `LISTEN ${EVENTS_CHANNEL}; LISTEN ${RUN_ENDS_CHANNEL}` : `LISTEN ${RUN_ENDS_CHANNEL}`);
    } catch (err) {
      dropped = true;
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.eventsListen = Promise.resolve();
    // Event watchers that came or went while this connection was being set up.
    if ((this.eventWatchers > 0) !== listened) this.listenToEvents(this.eventWatchers > 0);
  }

  /** Logs the failure, forgets the connection and schedules the next attempt with backoff. */
  private lost(message: string): void {
    const old = this.client;
    this.client = undefined;
    this.connecting = undefined;
    if (old) void old.end().catch(() => undefined);
    if (this.closed) return;
    this.failures += 1;
    const delay = Math.min(this.backoff.maxMs, this.backoff.firstMs * 2 ** Math.min(this.failures - 1, 20));
    this.warn(`${message}; retrying in ${delay} ms (attempt ${this.failures})`);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.ensureConnected().catch(() => undefined);
    }, delay);
    this.retryTimer.unref();
  }
}
