// Rate limits per account and tier on every API-key route (mount after requireApiKey).
import type { Db } from '../../db/client';
import { isDatabaseUnavailable } from '../../db/availability';
import { consumeRateLimit, refundRateLimit } from '../../services/rateLimits';
import { rateLimitExceeded, toHttpError } from '../errors';
import type { AppMiddleware } from '../context';

/**
 * Counts the request against the caller's account and sets `X-RateLimit-Limit`,
 * `X-RateLimit-Remaining` and `X-RateLimit-Reset` (set before the route runs, so error answers
 * carry them too). Over the limit: 429 RATE_LIMIT_EXCEEDED with `Retry-After`. Enterprise
 * accounts are unlimited: nothing is counted and no limit headers are sent. A request answered 503
 * (the server could not serve it) gives its slot back.
 */
export function rateLimit(db: Db): AppMiddleware {
  return async (ctx, next) => {
    const auth = ctx.state.auth;
    if (!auth) return next();
    const decision = await consumeRateLimit(db, auth.account.id, auth.account.tier);
    if (decision) {
      ctx.set('X-RateLimit-Limit', String(decision.limit));
      ctx.set('X-RateLimit-Remaining', String(decision.remaining));
      ctx.set('X-RateLimit-Reset', String(decision.resetAt));
      if (!decision.allowed) throw rateLimitExceeded(decision.limit, decision.retryAfter);
    }
    if (!decision) return next();
    try {
      await next();
    } catch (err) {
      // The server could not serve it (database saturated or unreachable, engine down): counting it
      // would make a client that waits out Retry-After pay for our outage with its limit.
      // Given back in the background, retried: when the pool is saturated the refund waits its turn too.
      if (toHttpError(err)?.status === 503 || isDatabaseUnavailable(err)) {
        ctx.set('X-RateLimit-Remaining', String(Math.min(decision.limit, decision.remaining + 1)));
        void refundWithRetries(() => refundRateLimit(db, auth.account.id, decision.windowStartMs));
      }
      throw err;
    }
  };
}

/** Delays between attempts to give a slot back (the last one runs about 15 s after the request). */
const REFUND_DELAYS_MS = [0, 500, 1_500, 4_000, 9_000];

async function refundWithRetries(refund: () => Promise<void>): Promise<void> {
  for (const delay of REFUND_DELAYS_MS) {
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay).unref());
    try {
      return await refund();
    } catch {
      // Still saturated or unreachable: try again later; a slot lost after all attempts only errs on the safe side.
    }
  }
}
