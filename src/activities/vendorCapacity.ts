// The submit activity's gate to a vendor: waits (as the step's `waiting` status says, `waitingOn:
// { type: "vendor-capacity", vendor }`) until the vendor account has a free slot under
// VENDOR_CONCURRENCY and is not paused after a 429, then holds the slot until the job's result
// arrives or its run ends (see src/db/vendorCapacity.ts for the shared ledger of slots).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../db/client';
import { extendLease, pauseVendor, releaseLease, tryAcquireLease, vendorPausedUntil } from '../db/vendorCapacity';
import { RunStore } from '../db/runStore';
import { abortError, ProviderError } from '../providers/errors';

/** VENDOR_CONCURRENCY parsed: jobs in flight allowed per vendor account, across all workers. */
export type VendorLimits = Readonly<Record<string, number>>;

/** What the gate needs. */
export interface VendorCapacityDeps {
  db: Db;
  limits: VendorLimits;
  /** How often a waiting step asks again (default 250 ms, jittered). */
  pollMs?: number;
  /** Hears each wait that ended with a slot: vendor and how long it took (`builder_vendor_capacity_waits_total`). */
  onWaited?: (vendor: string, waitedMs: number) => void;
}

/** A waiter's row lapses this long after its last try; a slot taken for a submit, this long after the grant. */
const WAIT_TTL_MS = 15_000;
const SUBMIT_HOLD_TTL_MS = 120_000;
/** The longest pause a Retry-After can impose (a vendor's header is untrusted). */
const MAX_PAUSE_MS = 10 * 60_000;

/** The gate of one worker process. */
export class VendorCapacity {
  private readonly pollMs: number;

  private readonly runs: RunStore;

  constructor(private readonly deps: VendorCapacityDeps) {
    this.runs = new RunStore(deps.db);
    this.pollMs = deps.pollMs ?? 250;
  }

  /**
   * Waits until the step may submit to `vendor`. Uncapped vendors only wait out a pause. The
   * step shows `waiting` on vendor capacity meanwhile (and `beat` keeps the activity alive); a
   * cancelled step leaves the line.
   */
  async acquire(step: { executionId: string; stepId: string; leaseKey: string; vendor: string }, signal: AbortSignal, beat: () => void): Promise<void> {
    const { db } = this.deps;
    const limit = this.deps.limits[step.vendor];
    let accountId: string | undefined;
    let waitingSince: number | undefined;
    try {
      for (;;) {
        if (signal.aborted) throw abortError(signal);
        let retryAt: number | undefined;
        if (limit === undefined) {
          const paused = await vendorPausedUntil(db, step.vendor);
          if (!paused) break;
          retryAt = paused.getTime();
        } else {
          accountId ??= await accountOf(db, step.executionId);
          const answer = await tryAcquireLease(db, { ...step, accountId, limit, waitTtlMs: WAIT_TTL_MS, holdTtlMs: SUBMIT_HOLD_TTL_MS });
          if (answer.granted) break;
          if (answer.reason === 'paused') retryAt = answer.pausedUntil.getTime();
        }
        if (waitingSince === undefined) {
          waitingSince = Date.now();
          await this.runs.markWaitingForCapacity(step.executionId, step.stepId, step.vendor);
        }
        beat();
        const jitter = Math.random() * this.pollMs;
        const delay = retryAt !== undefined ? Math.max(0, Math.min(retryAt - Date.now(), WAIT_TTL_MS / 3)) + jitter : this.pollMs + jitter;
        await sleep(delay, undefined, { signal }).catch(() => undefined);
      }
    } catch (err) {
      if (limit !== undefined) await releaseLease(db, step.leaseKey).catch(() => undefined);
      throw err;
    }
    if (waitingSince !== undefined) {
      await this.runs.capacityGranted(step.executionId, step.stepId);
      this.deps.onWaited?.(step.vendor, Date.now() - waitingSince);
    }
  }

  /** The vendor accepted the step's job: its slot is kept for as long as the step may wait for it. */
  async submitted(leaseKey: string, vendor: string, stepTimeoutMs: number): Promise<void> {
    if (this.deps.limits[vendor] === undefined) return;
    await extendLease(this.deps.db, leaseKey, stepTimeoutMs + 60_000);
  }

  /**
   * The submit failed: the slot goes back (a job the vendor may have accepted anyway is found by
   * the retry, which takes a slot again). A 429 pauses the vendor for every worker until its
   * Retry-After (clamped: a vendor's number is not trusted).
   */
  async submitFailed(leaseKey: string, vendor: string, err: unknown): Promise<void> {
    await releaseLease(this.deps.db, leaseKey).catch(() => undefined);
    if (err instanceof ProviderError && err.type === 'ProviderRateLimited') {
      const asked = err.details.retryAfterMs;
      const ms = typeof asked === 'number' && Number.isFinite(asked) ? Math.min(Math.max(asked, 0), MAX_PAUSE_MS) : 1_000;
      await pauseVendor(this.deps.db, vendor, new Date(Date.now() + ms)).catch(() => undefined);
    }
  }

  /** The job's result arrived (or the job was cancelled): its slot is free. */
  async release(leaseKey: string): Promise<void> {
    await releaseLease(this.deps.db, leaseKey);
  }
}

async function accountOf(db: Db, executionId: string): Promise<string> {
  const row = await db.execution.findUnique({ where: { id: executionId }, select: { accountId: true } });
  return row?.accountId ?? 'unknown';
}
