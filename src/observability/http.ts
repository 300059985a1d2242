// Koa middleware: one JSON log line and the request metrics per request, and the /metrics route.
import type { Middleware } from 'koa';
import type { Logger } from './logger';
import { METRICS_CONTENT_TYPE, metrics, renderMetrics } from './metrics';

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
      const route = typeof matched === 'string' ? matched : ctx.path === '/mcp' || ctx.path === '/metrics' || ctx.path === '/healthz' ? ctx.path : 'unmatched';
      const labels = { method: ctx.method, route, status: String(ctx.status) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, seconds);
      const body = ctx.body as { executionId?: unknown; execution?: { id?: unknown } } | undefined;
      const executionId =
        ctx.state.executionId ??
        (typeof ctx.params?.id === 'string' && ctx.path.startsWith('/api/executions/') ? ctx.params.id : undefined) ??
        (body && typeof body === 'object' && !Buffer.isBuffer(body) ? (body.executionId ?? body.execution?.id) : undefined);
      if (route !== '/metrics' && route !== '/healthz') {
        const line = {
          requestId: ctx.state.requestId,
          method: ctx.method,
          route,
          path: ctx.path,
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

/** Serves GET /metrics: our registry, plus the Temporal SDK's worker metrics when they run in this process. */
export function metricsEndpoint(temporalMetricsUrl?: string): Middleware {
  return async (ctx, next) => {
    if (ctx.path !== '/metrics' || ctx.method !== 'GET') return next();
    ctx.set('content-type', METRICS_CONTENT_TYPE);
    ctx.body = await renderMetrics(temporalMetricsUrl);
  };
}
