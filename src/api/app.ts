// The Koa application: middleware order and route mounting, nothing else.
import { randomUUID } from 'node:crypto';
import Koa from 'koa';
import { adminRoutes } from './admin/routes';
import { codecCors, codecRoutes } from './codec/routes';
import type { AppDeps, AppState } from './context';
import { executionRoutes } from './executions/routes';
import { mediaRoutes } from './media/routes';
import { providerRoutes } from './providers/routes';
import { jsonBody } from './middleware/bodyParser';
import { errorHandler } from './middleware/errorHandler';
import { refuseUnstorablePathAndQuery } from './middleware/storableText';
import { workflowRoutes } from './workflows/routes';
import { executeRoutes, retiredExecuteRoutes } from './execute/routes';
import { openApiRoutes } from './openapi/routes';
import './webhooks/openapi';
import './mcp/openapi';
import { webhookRoutes } from './webhooks/routes';
import { viewerPageRoutes } from './viewer/pages';
import { viewerApiRoutes } from './viewer/routes';
import { viewTokenAuth } from './viewer/tokenAuth';
import { mcpApiRoutes } from './mcp/apiRoutes';
import { mcpRoutes } from './mcp/http';
import { instrumentAdmissions } from './instrumentedAdmissions';
import { requestObservability } from '../observability/http';
import { silentLogger } from '../observability/logger';
import { requestTracing } from '../observability/tracing';

/** Builds the API application. */
export function createApp(appDeps: AppDeps): Koa<AppState> {
  // One instrumented admission service for every router, so admissions are counted by trigger type.
  const deps: AppDeps = { ...appDeps, admissions: instrumentAdmissions(appDeps.admissions) };
  const app = new Koa<AppState>();
  app.proxy = false;
  app.on('error', (err: NodeJS.ErrnoException) => {
    // A client that goes away mid-response (an SSE watcher disconnecting) is not a server error.
    if (err.code === 'ERR_STREAM_PREMATURE_CLOSE' || err.code === 'ECONNRESET' || err.code === 'EPIPE') return;
    deps.log.error({ err }, 'response error');
  });
  app.use(async (ctx, next) => {
    // Stamped first: a sync run's durationMs is measured from the moment the request arrived.
    ctx.state.receivedAtMs = Date.now();
    ctx.state.requestId = ctx.get('x-request-id').slice(0, 100) || randomUUID();
    ctx.set('x-request-id', ctx.state.requestId);
    await next();
  });
  app.use(requestTracing());
  app.use(requestObservability(deps.logger ?? silentLogger));
  app.use(errorHandler((err, context) => deps.log.error({ err, ...context }, 'unhandled error')));
  app.use(refuseUnstorablePathAndQuery());
  // Before the JSON parser: webhooks take any content type and MCP's transport reads its own body.
  const codec = codecRoutes({
    ...(deps.payloadCodecs ? { payloadCodecs: deps.payloadCodecs } : {}),
    tokens: [deps.config.ADMIN_TOKEN, deps.config.CODEC_AUTH_TOKEN].filter((token): token is string => Boolean(token)),
  });
  app.use(codecCors(deps.viewer?.temporalUiUrl));
  for (const router of [webhookRoutes(deps), mcpRoutes(deps), codec]) app.use(router.routes());
  // Retired /api/execute answers 410 whatever the body or its content type.
  app.use(retiredExecuteRoutes().routes());
  app.use(jsonBody());
  app.use(async (ctx, next) => {
    if (ctx.path === '/healthz') {
      ctx.body = { ok: true };
      return;
    }
    await next();
  });
  app.use(viewTokenAuth(deps.db));
  for (const router of [viewerApiRoutes(deps, deps.viewer), viewerPageRoutes(), workflowRoutes(deps), executionRoutes(deps), providerRoutes(deps), adminRoutes(deps), mcpApiRoutes(deps), executeRoutes(deps), mediaRoutes(deps), openApiRoutes()]) {
    app.use(router.routes());
    app.use(router.allowedMethods({ throw: false }));
  }
  return app;
}
