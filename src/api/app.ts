// The Koa application: middleware order and route mounting, nothing else.
import { randomUUID } from 'node:crypto';
import Koa from 'koa';
import { adminRoutes } from './admin/routes';
import type { ApiDeps } from './context';
import { executionRoutes } from './executions/routes';
import { jsonBody } from './middleware/bodyParser';
import { errorHandler } from './middleware/errorHandler';
import { workflowRoutes } from './workflows/routes';

/** Builds the API application. */
export function createApp(deps: ApiDeps): Koa {
  const app = new Koa();
  app.proxy = false;
  app.use(async (ctx, next) => {
    // Stamped first: a sync run's durationMs is measured from the moment the request arrived.
    ctx.state.receivedAtMs = Date.now();
    ctx.state.requestId = ctx.get('x-request-id').slice(0, 100) || randomUUID();
    ctx.set('x-request-id', ctx.state.requestId);
    await next();
  });
  app.use(errorHandler((err, context) => deps.log.error({ err, ...context }, 'unhandled error')));
  app.use(jsonBody());
  app.use(async (ctx, next) => {
    if (ctx.path === '/healthz') {
      ctx.body = { ok: true };
      return;
    }
    await next();
  });
  for (const router of [workflowRoutes(deps), executionRoutes(deps), adminRoutes(deps)]) {
    app.use(router.routes());
    app.use(router.allowedMethods({ throw: false }));
  }
  return app;
}
