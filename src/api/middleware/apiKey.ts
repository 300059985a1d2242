// Authenticates `x-api-key`: a known, active key of an approved account.
import type { Db } from '../../db/client';
import { findKeyByHash } from '../../db/hotReads';
import { hashApiKey } from '../../services/apiKeys';
import type { AppMiddleware, AuthState } from '../context';
import { accountNotApproved, keyRevoked, unauthorized } from '../errors';
import { rateLimit } from './rateLimit';

/**
 * Requires a valid API key, puts the caller on `ctx.state.auth`, then applies the account's rate
 * limit (every API-key route is a limited route; pass `{ rateLimit: false }` to opt out).
 */
export function requireApiKey(db: Db, options: { rateLimit?: boolean } = {}): AppMiddleware {
  const limit = options.rateLimit === false ? null : rateLimit(db);
  return async (ctx, next) => {
    // A run viewer token (src/api/viewer/tokenAuth.ts) already authenticated this request, for a route it may use.
    if (ctx.state.auth) return limit ? limit(ctx, next) : next();
    const secret = ctx.get('x-api-key');
    if (!secret) throw unauthorized('Pass your API key in the x-api-key header.');
    const key = secret.length > 200 ? null : await findKeyByHash(db, hashApiKey(secret));
    if (!key) throw unauthorized('This API key is not valid.');
    if (!key.active) throw keyRevoked();
    if (!key.account.approved) throw accountNotApproved();
    const auth: AuthState = {
      keyId: key.id,
      capabilities: key.capabilities,
      account: { id: key.account.id, tier: key.account.tier, approved: key.account.approved, creditBalance: key.account.creditBalance },
    };
    ctx.state.auth = auth;
    return limit ? limit(ctx, next) : next();
  };
}
