// Mounts a route declared once in the contract (defineRoute, src/contract/routes.ts): the same object
// is the operation in /openapi.json, gives the router its method and path, and validates the request,
// so the handler reads typed values from `ctx.state.input` and never parses by hand.
import type { Router, RouterMiddleware } from '@koa/router';
import type { z } from 'zod';
import type { RouteSpec } from '../../contract/routes';
import { parseRequest } from '../middleware/validate';

type Part = 'params' | 'query' | 'headers' | 'body';

/** The parsed request parts of a route, typed by its schemas: `ctx.state.input` in its handler. */
export type RouteInput<S extends RouteSpec> = { [K in Part as S[K] extends z.ZodType ? K : never]: S[K] extends z.ZodType ? z.output<S[K]> : never };

/** A route-specific refusal for a part that does not match (default: 400 INVALID_REQUEST naming the fields). */
export type Refusal = (raw: Record<string, unknown>, issues: readonly z.core.$ZodIssue[]) => Error | undefined;

/** How a route is mounted besides its declaration. */
export interface MountOptions<StateT> {
  /** Middleware that runs before validation (authentication, so a bad key is a 401 whatever the body). */
  before?: Array<RouterMiddleware<StateT>>;
  /** Refusals of their own for a part, e.g. a wrong `X-Trigger-Type` header is 400 INVALID_TRIGGER_TYPE. */
  refuse?: Partial<Record<Part, Refusal>>;
}

/**
 * Registers `handler` on `router` at the spec's method and path (less the router's prefix) behind
 * `before` and the validation of the spec's headers, path parameters, query and body, in that order.
 * The OpenAPI document lists the spec already: defineRoute declared it.
 */
export function mountRoute<S extends RouteSpec, StateT>(
  router: Router<StateT>,
  spec: S,
  options: MountOptions<StateT>,
  handler: RouterMiddleware<StateT & { input: RouteInput<S> }>,
): void {
  const prefix = router.opts.prefix ?? '';
  if (!spec.path.startsWith(prefix)) throw new Error(`Route ${spec.path} is outside its router's prefix ${prefix}.`);
  const validation: RouterMiddleware<StateT> = async (ctx, next) => {
    const raw: Record<Part, unknown> = {
      headers: spec.headers ? Object.fromEntries(Object.keys(spec.headers.shape).map((name) => [name, ctx.get(name) || undefined])) : undefined,
      params: ctx.params,
      query: ctx.query,
      body: ctx.request.body,
    };
    const input: Partial<Record<Part, unknown>> = {};
    for (const part of ['headers', 'params', 'query', 'body'] as const) {
      const schema: z.ZodType | undefined = spec[part];
      if (!schema) continue;
      const result = schema.safeParse(raw[part] ?? {});
      if (result.success) {
        input[part] = result.data;
        continue;
      }
      const own = options.refuse?.[part]?.((raw[part] ?? {}) as Record<string, unknown>, result.error.issues);
      if (own) throw own;
      parseRequest(schema, raw[part]);
    }
    // Each part was parsed by its own schema just above.
    (ctx.state as StateT & { input: unknown }).input = input;
    await next();
  };
  const middleware = [...(options.before ?? []), validation, handler as unknown as RouterMiddleware<StateT>];
  const path = spec.path.slice(prefix.length) || '/';
  // router.all's overloads widen the state type; the middleware above is typed for this router's.
  if (spec.method === 'all') (router.all as (path: string, ...stack: Array<RouterMiddleware<StateT>>) => unknown).call(router, path, ...middleware);
  else router.register(path, [spec.method.toUpperCase()], middleware);
}
