// Per-account request limits by tier, counted in Postgres so every API process shares them.
import type { Db } from '../db/client';
import type { Tier } from '../domain/models';

/** Requests per minute by tier; `null` means unlimited (nothing is counted). */
export const RATE_LIMITS: Readonly<Record<Tier, number | null>> = { pro: 100, business: 1000, enterprise: null };

/** Length of a rate-limit window: fixed one-minute windows aligned to the clock. */
export const WINDOW_MS = 60_000;

/** The outcome of counting one request. */
export interface RateLimitDecision {
  limit: number;
  remaining: number;
  /** Unix epoch second when the window resets. */
  resetAt: number;
  /** Seconds to wait before retrying (0 when allowed). */
  retryAfter: number;
  allowed: boolean;
  /** Start of the window the request was counted in (epoch ms), to give the slot back. */
  windowStartMs: number;
}

/**
 * Counts one request of `accountId` in the current window and decides whether it may go on.
 * One atomic upsert per request: concurrent requests in any number of processes each see a
 * distinct count, so the limit holds exactly. Returns null for unlimited tiers.
 */
export async function consumeRateLimit(db: Db, accountId: string, tier: Tier, nowMs = Date.now()): Promise<RateLimitDecision | null> {
  const limit = RATE_LIMITS[tier];
  if (limit === null) return null;
  const windowStartMs = Math.floor(nowMs / WINDOW_MS) * WINDOW_MS;
  const windowStart = new Date(windowStartMs);
  const rows = await db.$queryRaw<Array<{ count: number }>>`
    INSERT INTO rate_limit_windows (account_id, window_start, count)
    VALUES (${accountId}, ${windowStart}, 1)
    ON CONFLICT (account_id, window_start) DO UPDATE SET count = rate_limit_windows.count + 1
    RETURNING count`;
  const count = Number(rows[0]?.count ?? 1);
  if (count === 1) {
    // First request of a window: forget this account's old windows (cheap, keeps the table small).
    await db.$executeRaw`DELETE FROM rate_limit_windows WHERE account_id = ${accountId} AND window_start < ${windowStart}`;
  }
  const resetMs = windowStartMs + WINDOW_MS;
  const allowed = count <= limit;
  return {
    limit,
    remaining: Math.max(0, limit - count),
    resetAt: Math.ceil(resetMs / 1000),
    retryAfter: allowed ? 0 : Math.max(1, Math.ceil((resetMs - nowMs) / 1000)),
    allowed,
    windowStartMs,
  };
}

/** Gives back a slot counted by {@link consumeRateLimit} for a request the server could not serve. */
export async function refundRateLimit(db: Db, accountId: string, windowStartMs: number): Promise<void> {
  await db.$executeRaw`
    UPDATE rate_limit_windows SET count = count - 1
    WHERE account_id = ${accountId} AND window_start = ${new Date(windowStartMs)} AND count > 0`;
}
