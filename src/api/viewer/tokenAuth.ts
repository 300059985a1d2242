// Accepts run viewer tokens (src/services/viewTokens.ts) on the few execution routes a browser
// needs, in place of x-api-key: reading runs and their events and graph, and (with an action
// token) cancel and replay. Mounted before the routers; it authenticates and checks the token's
// scope, then leaves the route to the ordinary router, whose requireApiKey sees the caller set.
import type { Next } from 'koa';
import type { Db } from '../../db/client';
import { canRunWorkflow } from '../../services/apiKeys';
import { parseViewToken, signViewToken, viewTokenExpired, viewTokenMatches, type ViewTokenClaims } from '../../services/viewTokens';
import { accountNotApproved, capabilityDenied, HttpError, keyRevoked } from '../errors';
import type { AppContext, AppMiddleware, AuthState } from '../context';

/** What a token may be used for on a route: the list, reading one run, or acting on one. */
type Use = 'list' | 'read' | 'act';

const ROUTES: Array<{ method: string; pattern: RegExp; use: Use }> = [
  { method: 'GET', pattern: /^\/api\/executions\/?$/, use: 'list' },
  { method: 'GET', pattern: /^\/api\/executions\/([^/]+)(?:\/(?:events|graph))?\/?$/, use: 'read' },
  { method: 'POST', pattern: /^\/api\/executions\/([^/]+)\/(?:cancel|replay)\/?$/, use: 'act' },
];

/** 401 VIEW_TOKEN_INVALID: not a token we signed (malformed, altered, or its key is gone). */
const invalidToken = () => new HttpError(401, 'VIEW_TOKEN_INVALID', 'This view token is not valid. Mint a new one with POST /api/executions/:id/view-token.');

/** The token of a request: `Authorization: Bearer vt1.…` (fetch) or `?token=` (EventSource cannot set headers). */
function tokenOf(ctx: AppContext): string | null {
  const bearer = /^Bearer\s+(vt1\.\S+)$/i.exec(ctx.get('authorization'));
  if (bearer) return bearer[1]!;
  const query = ctx.query.token;
  return typeof query === 'string' && query.startsWith('vt1.') ? query : null;
}

/** Checks a view token on the routes it may serve; an API key, when present, takes precedence. */
export function viewTokenAuth(db: Db): AppMiddleware {
  return async (ctx: AppContext, next: Next) => {
    if (ctx.get('x-api-key')) return next();
    const route = ROUTES.find((r) => r.method === ctx.method && r.pattern.test(ctx.path));
    const token = route ? tokenOf(ctx) : null;
    if (!route || !token) return next();

    const parsed = parseViewToken(token);
    if (!parsed) throw invalidToken();
    const { claims } = parsed;
    const key = await db.apiKey.findUnique({ where: { id: claims.k }, include: { account: true } });
    if (!key || key.accountId !== claims.a || !viewTokenMatches(key.account.webhookSecret, parsed)) throw invalidToken();
    if (viewTokenExpired(claims)) {
      throw new HttpError(401, 'VIEW_TOKEN_EXPIRED', 'This view token has expired. Mint a new one with POST /api/executions/:id/view-token.', {
        expiredAt: new Date(claims.exp * 1000).toISOString(),
      });
    }
    if (!key.active) throw keyRevoked();
    if (!key.account.approved) throw accountNotApproved();

    const executionId = safeDecode(route.pattern.exec(ctx.path)?.[1]);
    checkScope(claims, route.use, executionId);
    if (route.use === 'act' && executionId) {
      const execution = await db.execution.findFirst({ where: { id: executionId, accountId: key.accountId }, select: { workflow: { select: { slug: true } } } });
      // A run that does not exist is the route's own 404.
      if (execution && !canRunWorkflow(key.capabilities, execution.workflow.slug)) throw capabilityDenied(execution.workflow.slug);
    }

    const auth: AuthState = {
      keyId: key.id,
      capabilities: key.capabilities,
      account: { id: key.account.id, tier: key.account.tier, approved: key.account.approved, creditBalance: key.account.creditBalance },
    };
    ctx.state.auth = auth;
    ctx.state.viewToken = claims;
    await next();

    // A replay opens the new run's page: give it a token for that run, expiring when this one does.
    const body = ctx.body as { executionId?: unknown } | undefined;
    if (route.use === 'act' && ctx.status === 202 && ctx.path.replace(/\/$/, '').endsWith('/replay') && typeof body?.executionId === 'string') {
      const scoped = { ...claims, x: claims.x === null ? null : body.executionId };
      ctx.body = { ...body, viewToken: signViewToken(key.account.webhookSecret, scoped) };
    }
  };
}

/** Refuses a token used beyond its scope: another run, the list with a one-run token, or an action with a read-only token. */
function checkScope(claims: ViewTokenClaims, use: Use, executionId: string | null): void {
  if (use === 'list' && claims.x !== null) {
    throw new HttpError(403, 'VIEW_TOKEN_SCOPE', `This view token is for execution ${claims.x} only; listing runs needs an account view token (POST /api/executions/view-token).`);
  }
  if (use !== 'list' && claims.x !== null && claims.x !== executionId) {
    throw new HttpError(403, 'VIEW_TOKEN_SCOPE', `This view token is for execution ${claims.x} only.`, { executionId: claims.x });
  }
  if (use === 'act' && !claims.act) {
    throw new HttpError(403, 'VIEW_TOKEN_READ_ONLY', 'This view token is read-only; cancel and replay need a token minted with "actions": true by a key that may run the workflow.');
  }
}

function safeDecode(value: string | undefined): string | null {
  if (value === undefined) return null;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
