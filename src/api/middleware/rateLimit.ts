// Rate limits per account and tier on every API-key route (mount after requireApiKey).
import type { Middleware } from 'koa';
import type { Db } from '../../db/client';
import { consumeRateLimit } from '../../services/rateLimits';
import { rateLimitExceeded } from '../errors';
import type { AuthState } from './apiKey';

/**
 * Counts the request against the caller's account and sets `X-RateLimit-Limit`,
 * `X-RateLimit-Remaining` and `X-RateLimit-Reset` (set before the route runs, so error answers
 * carry them too). Over the limit: 429 RATE_LIMIT_EXCEEDED with `Retry-After`. Enterprise
 * accounts are unlimited: nothing is counted and no limit headers are sent.
 */
export function rateLimit(db: Db): Middleware {
  return async (ctx, next) => {
    const auth = ctx.state.auth as AuthState | undefined;
    if (!auth) return next();
    const decision = await consumeRateLimit(db, auth.account.id, auth.account.tier);
    if (decision) {
      ctx.set('X-RateLimit-Limit', String(decision.limit));
      ctx.set('X-RateLimit-Remaining', String(decision.remaining));
      ctx.set('X-RateLimit-Reset', String(decision.resetAt));
      if (!decision.allowed) throw rateLimitExceeded(decision.limit, decision.retryAfter);
    }
    return next();
  };
}
