// The OpenAPI registry: every route describes itself here, next to its code, from the same zod
// schemas it validates with; /openapi.json and /docs are generated from it.
//
// Adding a route? Declare it once with defineRoute() in its src/contract module and mount it with
// mountRoute() (./route.ts), which describes it here, validates its input and registers its handler.
// Routes not converted yet call describeRoute() at the top level of their routes module, beside the
// router function, with the Koa path exactly as they mount it (`/api/executions/:id/cancel`):
//
//   describeRoute({
//     method: 'post', path: '/api/executions/:id/cancel', summary: 'Cancel a run',
//     tags: ['Executions'], auth: 'apiKey',
//     params: z.object({ id: z.string() }),
//     responses: { 200: { description: 'Cancelled', body: cancelResponseSchema }, 404: errorResponse('No such execution') },
//   });
//
// test/api/openapi.test.ts walks every router of the app and fails for a route not described.

export type { HttpMethod, ResponseSpec, RouteAuth, RouteSpec } from '../../contract/routes';
import { declaredRoutes, type RouteSpec } from '../../contract/routes';

const routes = new Map<string, RouteSpec>();

/** Registers (or replaces) the description of a route; key: method + path. */
export function describeRoute(spec: RouteSpec): void {
  routes.set(`${spec.method.toUpperCase()} ${spec.path}`, spec);
}

/** The described routes: those described here and every route declared in the contract. */
function allRoutes(): Map<string, RouteSpec> {
  for (const spec of declaredRoutes()) describeRoute(spec);
  return routes;
}

/** Every described route, sorted by path then method. */
export function describedRoutes(): RouteSpec[] {
  return [...allRoutes().values()].sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

/** The description of `method path` (Koa-style path), or of `all` on that path. */
export function routeSpecOf(method: string, path: string): RouteSpec | undefined {
  return allRoutes().get(`${method.toUpperCase()} ${path}`) ?? allRoutes().get(`ALL ${path}`);
}

/** True when `method path` (Koa-style path) is described; `all` covers every method. */
export function isDescribed(method: string, path: string): boolean {
  return allRoutes().has(`${method.toUpperCase()} ${path}`) || allRoutes().has(`ALL ${path}`);
}
