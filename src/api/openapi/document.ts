// Builds the OpenAPI 3.1 document with zod-openapi from the routes' descriptions (./registry.ts),
// whose schemas are the public contract's (src/contract).
import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject, type ZodOpenApiResponsesObject } from 'zod-openapi';
import { sseEventSchema } from '../../contract/events';
import { MAX_JSON_DEPTH } from '../../domain/jsonDepth';
import { JSON_BODY_ERRORS } from './common';
import { describedRoutes, type HttpMethod, type ResponseSpec, type RouteSpec } from './registry';

type Json = Record<string, unknown>;

/** `/api/workflows/:slug/run` → `/api/workflows/{slug}/run`. */
export function openApiPath(koaPath: string): string {
  return koaPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** A unique operationId: the method, then the path in camel case (`postApiWorkflowsSlugRun`). Stable: generated clients name methods after it. */
export function operationId(method: string, path: string): string {
  return `${method}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`;
}

/** Path parameters: the route's own schema, plus a string for any `:name` it does not describe. */
function pathParams(route: RouteSpec): z.ZodObject | undefined {
  const names = (route.path.match(/:([A-Za-z0-9_]+)/g) ?? []).map((name) => name.slice(1));
  if (names.length === 0) return undefined;
  const described = route.params?.shape ?? {};
  const missing = Object.fromEntries(names.filter((name) => !(name in described)).map((name) => [name, z.string()]));
  return route.params ? route.params.extend(missing) : z.object(missing);
}

/** Response headers: all optional (Enterprise accounts get no rate-limit headers). */
function headersOf(headers: Record<string, string>): z.ZodObject {
  return z.object(Object.fromEntries(Object.entries(headers).map(([name, description]) => [name, z.string().optional().meta({ description })])));
}

function response(spec: ResponseSpec) {
  const contentType = spec.contentType ?? (spec.body ? 'application/json' : undefined);
  return {
    description: spec.description,
    ...(spec.headers ? { headers: headersOf(spec.headers) } : {}),
    ...(contentType ? { content: { [contentType]: { schema: spec.body ?? z.string() } } } : {}),
  };
}

const DEPTH_NOTE = `A body nesting arrays or objects deeper than ${MAX_JSON_DEPTH} levels is INVALID_INPUTS, naming the limit.`;

function operation(route: RouteSpec, method: HttpMethod): ZodOpenApiOperationObject {
  const security: Array<Record<string, string[]>> =
    route.auth === 'apiKey' ? [{ apiKey: [] }] : route.auth === 'apiKeyOrViewToken' ? [{ apiKey: [] }, { viewToken: [] }] : route.auth === 'admin' ? [{ adminToken: [] }] : [];
  const authNote = typeof route.auth === 'object' ? `\n\nAuthentication: ${route.auth.description}` : '';
  const path = pathParams(route);
  const responses: ZodOpenApiResponsesObject = {};
  // A route's own description of a status wins over the body parser's generic one.
  const parsesJson = !route.ownBody && ['post', 'put', 'patch'].includes(method);
  const specs = { ...(parsesJson ? JSON_BODY_ERRORS : {}), ...route.responses };
  // The depth limit holds on every JSON body, also where the route describes its own 400.
  const own400 = route.responses[400];
  if (parsesJson && own400 && !own400.description.includes('levels')) specs[400] = { ...own400, description: `${own400.description} ${DEPTH_NOTE}` };
  for (const [status, spec] of Object.entries(specs)) responses[status as `2${string}`] = response(spec);
  return {
    operationId: operationId(method, route.path),
    summary: route.summary,
    ...(route.description || authNote ? { description: `${route.description ?? ''}${authNote}`.trim() } : {}),
    tags: route.tags,
    security,
    ...(route.deprecated ? { deprecated: true } : {}),
    requestParams: {
      ...(path ? { path } : {}),
      ...(route.query ? { query: route.query } : {}),
      ...(route.headers ? { header: route.headers } : {}),
    },
    ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: route.body } } } } : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of every described route. */
export function buildOpenApiDocument(): Json {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of describedRoutes()) {
    if (route.notAnOperation) continue;
    const item = (paths[openApiPath(route.path)] ??= {});
    const methods = route.method === 'all' ? (route.methods ?? ['get', 'post']) : [route.method];
    for (const method of methods) item[method] = operation(route, method);
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Builder Studio run engine API',
      version: '1.0.0',
      description:
        'Run Builder Studio workflows: plan, admit and execute canvas subgraphs. Errors have the shape ' +
        '`{ "success": false, "error": { "code", "message", …details } }`. API-key routes are rate limited per account and tier ' +
        '(Pro 100/min, Business 1,000/min, Enterprise unlimited). The live event stream sends the events of the `SseEvent` schema.',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'Your API key (shown once when created).' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN of the deployment.' },
        viewToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'A run viewer token (`vt1.…`, from POST /api/executions/{id}/view-token), also accepted as `?token=`: reads runs, and with `actions` cancels and replays them.',
        },
      },
      // Not a JSON body of any route, so listed here: clients generate the event types from it.
      schemas: { SseEvent: sseEventSchema },
    },
    paths,
    // Named schemas are answers or enums, the same read as written: one component each, no `…Output` twin.
  }, { outputIdSuffix: '' }) as unknown as Json;
}
