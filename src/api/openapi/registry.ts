// The OpenAPI registry: every route describes itself here, next to its code, from the same zod
// schemas it validates with; /openapi.json and /docs are generated from it.
//
// Adding a route? Call describeRoute() at the top level of your routes module, beside the
// router function, with the Koa path exactly as you mount it (`/api/executions/:id/cancel`):
//
//   describeRoute({
//     method: 'post', path: '/api/executions/:id/cancel', summary: 'Cancel a run',
//     tags: ['Executions'], auth: 'apiKey',
//     params: z.object({ id: z.string() }),
//     responses: { 200: { description: 'Cancelled', body: cancelResponseSchema }, 404: errorResponse('No such execution') },
//   });
//
// test/api/openapi.test.ts walks every router of the app and fails for a route not described.
import type { z } from 'zod';

/** HTTP methods a route can be described with. */
export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'head' | 'options';

/**
 * How a route authenticates: `apiKey` (x-api-key), `apiKeyOrViewToken` (x-api-key, or a run viewer
 * token as `Authorization: Bearer vt1.…` or `?token=`), `admin` (Bearer ADMIN_TOKEN), `none`, or custom text.
 */
export type RouteAuth = 'apiKey' | 'apiKeyOrViewToken' | 'admin' | 'none' | { description: string };

/** One documented response. */
export interface ResponseSpec {
  description: string;
  /** JSON body schema (zod); omitted for bodiless or non-JSON answers. */
  body?: z.ZodType;
  /** Content type of a non-JSON answer (e.g. `text/event-stream`, `text/html`). */
  contentType?: string;
  /** Response headers by name, with their description. */
  headers?: Record<string, string>;
}

/** One route's description. */
export interface RouteSpec {
  method: HttpMethod | 'all';
  /** Koa-style path (`/api/workflows/:slug/run`); converted to `{slug}` in the document. */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  auth: RouteAuth;
  /** Path parameters, query and request headers, as zod objects of strings. */
  params?: z.ZodObject;
  query?: z.ZodObject;
  headers?: z.ZodObject;
  /** JSON request body. */
  body?: z.ZodType;
  responses: Record<number, ResponseSpec>;
  /** Hidden from the docs page (still in the document); e.g. internal routes. */
  deprecated?: boolean;
  /**
   * Known to the registry (so the route-coverage test passes) but not an operation of the document,
   * with the reason: a retired route that only answers 410 is no operation a client may call.
   */
  notAnOperation?: string;
  /** The route reads its own body (mounted before the JSON body parser), so the parser's errors do not apply. */
  ownBody?: boolean;
  /** For `all` routes: the methods the route really serves, each documented as its own operation (default get and post). */
  methods?: HttpMethod[];
}

const routes = new Map<string, RouteSpec>();

/** Registers (or replaces) the description of a route; key: method + path. */
export function describeRoute(spec: RouteSpec): void {
  routes.set(`${spec.method.toUpperCase()} ${spec.path}`, spec);
}

/** Every described route, sorted by path then method. */
export function describedRoutes(): RouteSpec[] {
  return [...routes.values()].sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

/** The description of `method path` (Koa-style path), or of `all` on that path. */
export function routeSpecOf(method: string, path: string): RouteSpec | undefined {
  return routes.get(`${method.toUpperCase()} ${path}`) ?? routes.get(`ALL ${path}`);
}

/** True when `method path` (Koa-style path) is described; `all` covers every method. */
export function isDescribed(method: string, path: string): boolean {
  return routes.has(`${method.toUpperCase()} ${path}`) || routes.has(`ALL ${path}`);
}
