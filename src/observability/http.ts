// Koa middleware: one JSON log line and the request metrics per request. /metrics is not served
// here but on its own address (metricsServer.ts), so the public API port does not expose it.
import type { Middleware } from 'koa';
import type { Logger } from './logger';
import { metrics } from './metrics';

/** Logs each request (with its request id and, when there is one, execution id) and records metrics. */
export function requestObservability(logger: Logger): Middleware {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // The route pattern, never the raw path: ids in paths would explode label cardinality.
      const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
      const route = typeof matched === 'string' ? matched : ctx.path === '/mcp' || ctx.path === '/healthz' ? ctx.path : 'unmatched';
      const labels = { method: ctx.method, route, status: String(ctx.status) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, seconds);
      const body = ctx.body as { executionId?: unknown; execution?: { id?: unknown }; error?: { code?: unknown } } | undefined;
      // Counted from the answer the client got, whichever middleware refused it.
      if (ctx.status === 429 && body?.error?.code === 'RATE_LIMIT_EXCEEDED') {
        metrics.rateLimitRefusals.inc({ tier: ctx.state.auth?.account?.tier ?? 'unknown' });
      }
      const executionId =
        ctx.state.executionId ??
        (typeof ctx.params?.id === 'string' && ctx.path.startsWith('/api/executions/') ? ctx.params.id : undefined) ??
        (body && typeof body === 'object' && !Buffer.isBuffer(body) ? (body.executionId ?? body.execution?.id) : undefined);
      if (route !== '/healthz') {
        const line = {
          requestId: ctx.state.requestId,
          method: ctx.method,
          route,
          // The codec endpoint's path carries its token (for the Web UI): never logged.
          path: ctx.path.startsWith('/api/temporal-codec/') ? ctx.path.replace(/^\/api\/temporal-codec\/[^/]+\/(decode|encode)$/, '/api/temporal-codec/***/$1') : ctx.path,
          status: ctx.status,
          durationMs: Math.round(seconds * 1000),
          ...(typeof executionId === 'string' ? { executionId } : {}),
          ...(ctx.state.auth?.account?.id ? { accountId: ctx.state.auth.account.id } : {}),
        };
        if (ctx.status >= 500) logger.error(line, 'request failed');
        else logger.info(line, 'request');
      }
    }
  };
}
