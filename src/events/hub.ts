// One LISTEN connection per API process, fanning NOTIFYs out to the watchers of each execution.
// Notifications only wake watchers up; they then read the event log, so a missed or coalesced
// notification loses nothing.
import pg from 'pg';
import { EVENTS_CHANNEL } from './store';

type Wake = () => void;

/** Wakes watchers of an execution when its event log grows. */
export class EventHub {
  private client?: pg.Client;
  private readonly watchers = new Map<string, Set<Wake>>();
  private closed = false;
  private connecting?: Promise<void>;

  constructor(
    private readonly databaseUrl: string,
    private readonly warn: (message: string) => void = () => undefined,
  ) {}

  /** Calls `wake` on every new event of `executionId` until the returned function is called. */
  async watch(executionId: string, wake: Wake): Promise<() => void> {
    await this.ensureConnected();
    const set = this.watchers.get(executionId) ?? new Set<Wake>();
    set.add(wake);
    this.watchers.set(executionId, set);
    return () => {
      set.delete(wake);
      if (set.size === 0) this.watchers.delete(executionId);
    };
  }

  /** Closes the LISTEN connection. */
  async close(): Promise<void> {
    this.closed = true;
    await this.client?.end().catch(() => undefined);
  }

  private ensureConnected(): Promise<void> {
    return (this.connecting ??= this.connect());
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl });
    client.on('notification', (message) => {
      for (const wake of this.watchers.get(message.payload ?? '') ?? []) wake();
    });
    client.on('error', (err) => {
      this.warn(`event listener lost its connection: ${err.message}`);
      this.reconnect();
    });
    await client.connect();
    await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    this.client = client;
  }

  private reconnect(): void {
    if (this.closed) return;
    this.connecting = undefined;
    void this.client?.end().catch(() => undefined);
    setTimeout(() => {
      if (this.closed) return;
      this.ensureConnected().then(
        // Anything may have happened while disconnected: wake everyone to re-read.
        () => this.watchers.forEach((set) => set.forEach((wake) => wake())),
        () => this.reconnect(),
      );
    }, 500).unref();
  }
}
