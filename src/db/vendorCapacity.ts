// Vendor capacity shared by every worker process: a vendor account runs at most VENDOR_CONCURRENCY
// jobs at once, counted by leases in Postgres (`vendor_leases`), and a vendor that answered 429 is
// paused for every worker until its Retry-After (`vendor_pauses`). Decisions for one vendor are
// serialised by a transaction-scoped advisory lock, so two workers never hand out the same slot.
import type { Db } from './client';
import type { RawTx } from './ledger';

/** What asking for a slot answered. */
export type LeaseAnswer = { granted: true } | { granted: false; reason: 'capacity' } | { granted: false; reason: 'paused'; pausedUntil: Date };

/** Who asks for a slot, and for how long a lease lives unless refreshed. */
export interface LeaseRequest {
  vendor: string;
  /** The step's job key: one lease per step, whatever its retries. */
  leaseKey: string;
  executionId: string;
  accountId: string;
  /** Jobs in flight allowed for the vendor account. */
  limit: number;
  /** A waiter's row lapses this long after its last try (its worker died). */
  waitTtlMs: number;
  /** A granted lease lapses this long after the grant unless extended (the submit's worker died for good). */
  holdTtlMs: number;
}

/**
 * Asks for a slot. A held lease is granted again (a retried submit keeps its slot). Otherwise the
 * request waits in line: free slots go to waiters round-robin by account (an account's n-th waiter
 * ranks after every account's (n-1)-th, counting the slots it already holds), oldest first within
 * an account, so one account's backlog cannot starve another account's runs.
 */
export async function tryAcquireLease(db: Db, request: LeaseRequest): Promise<LeaseAnswer> {
  const { vendor, leaseKey, executionId, accountId, limit, waitTtlMs, holdTtlMs } = request;
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`vendor-capacity:${vendor}`}))`;
    await tx.$executeRaw`DELETE FROM vendor_leases WHERE vendor = ${vendor} AND expires_at < now()`;
    const [own] = await tx.$queryRaw<Array<{ state: string }>>`
      INSERT INTO vendor_leases (lease_key, vendor, execution_id, account_id, state, expires_at)
      VALUES (${leaseKey}, ${vendor}, ${executionId}, ${accountId}, 'waiting', now() + ${waitTtlMs} * interval '1 millisecond')
      ON CONFLICT (lease_key) DO UPDATE SET expires_at = GREATEST(vendor_leases.expires_at, EXCLUDED.expires_at)
      RETURNING state`;
    if (own?.state === 'held') return { granted: true };
    const [pause] = await tx.$queryRaw<Array<{ paused_until: Date }>>`
      SELECT paused_until FROM vendor_pauses WHERE vendor = ${vendor} AND paused_until > now()`;
    if (pause) return { granted: false, reason: 'paused', pausedUntil: pause.paused_until };
    const [held] = await tx.$queryRaw<Array<{ n: number }>>`
      SELECT count(*)::int AS n FROM vendor_leases WHERE vendor = ${vendor} AND state = 'held'`;
    const free = limit - (held?.n ?? 0);
    if (free <= 0) return { granted: false, reason: 'capacity' };
    const [rank] = await tx.$queryRaw<Array<{ rn: number }>>`
      WITH held AS (
        SELECT account_id, count(*)::int AS n FROM vendor_leases WHERE vendor = ${vendor} AND state = 'held' GROUP BY account_id
      ), waiting AS (
        SELECT w.lease_key, w.requested_at,
               COALESCE(h.n, 0) + row_number() OVER (PARTITION BY w.account_id ORDER BY w.requested_at, w.lease_key) AS turn
        FROM vendor_leases w LEFT JOIN held h ON h.account_id = w.account_id
        WHERE w.vendor = ${vendor} AND w.state = 'waiting'
      ), ranked AS (
        SELECT lease_key, row_number() OVER (ORDER BY turn, requested_at, lease_key)::int AS rn FROM waiting
      )
      SELECT rn FROM ranked WHERE lease_key = ${leaseKey}`;
    if (!rank || rank.rn > free) return { granted: false, reason: 'capacity' };
    await tx.$executeRaw`
      UPDATE vendor_leases SET state = 'held', acquired_at = now(), expires_at = now() + ${holdTtlMs} * interval '1 millisecond'
      WHERE lease_key = ${leaseKey}`;
    return { granted: true };
  });
}

/** Keeps a held lease for `ttlMs` from now (the vendor accepted the job: it runs until its step's timeout at most). */
export async function extendLease(db: Db, leaseKey: string, ttlMs: number): Promise<void> {
  await db.$executeRaw`
    UPDATE vendor_leases SET expires_at = GREATEST(expires_at, now() + ${ttlMs} * interval '1 millisecond')
    WHERE lease_key = ${leaseKey} AND state = 'held'`;
}

/** Gives a step's slot (or its place in line) back; true when it held or waited for one. */
export async function releaseLease(db: RawTx, leaseKey: string): Promise<boolean> {
  return (await db.$executeRaw`DELETE FROM vendor_leases WHERE lease_key = ${leaseKey}`) > 0;
}

/** Gives back every slot of a run that ended (whatever its steps' jobs did). */
export async function releaseRunLeases(tx: RawTx, executionId: string): Promise<void> {
  await tx.$executeRaw`DELETE FROM vendor_leases WHERE execution_id = ${executionId}`;
}

/** Pauses a vendor for every worker until `until` (a later pause already recorded wins). */
export async function pauseVendor(db: Db, vendor: string, until: Date): Promise<void> {
  await db.$executeRaw`
    INSERT INTO vendor_pauses (vendor, paused_until, updated_at) VALUES (${vendor}, ${until}, now())
    ON CONFLICT (vendor) DO UPDATE SET paused_until = GREATEST(vendor_pauses.paused_until, EXCLUDED.paused_until), updated_at = now()`;
}

/** When a paused vendor may be called again; undefined when it is not paused. */
export async function vendorPausedUntil(db: Db, vendor: string): Promise<Date | undefined> {
  const [pause] = await db.$queryRaw<Array<{ paused_until: Date }>>`
    SELECT paused_until FROM vendor_pauses WHERE vendor = ${vendor} AND paused_until > now()`;
  return pause?.paused_until;
}

/** Jobs in flight per vendor right now (held leases), for tests and ops. */
export async function leasesHeld(db: Db, vendor: string): Promise<number> {
  const [row] = await db.$queryRaw<Array<{ n: number }>>`
    SELECT count(*)::int AS n FROM vendor_leases WHERE vendor = ${vendor} AND state = 'held' AND expires_at >= now()`;
  return row?.n ?? 0;
}
