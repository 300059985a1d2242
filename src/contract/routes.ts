// A route of the public API, declared once: method, path, request schemas (path parameters, query,
// headers, JSON body) and its OpenAPI description and answers. The API mounts it with mountRoute()
// (src/api/openapi/route.ts), which validates the request with these schemas, hands the handler the
// typed values and describes the operation in /openapi.json from the same object.
import type { z } from 'zod';
import { errorBodySchema } from './common';

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

const declared: RouteSpec[] = [];

/**
 * Declares a route: returns `spec` with its schemas' own types (for the handler's typed input) and
 * adds it to the routes the OpenAPI document lists, as soon as its contract module is loaded.
 */
export function defineRoute<S extends RouteSpec>(spec: S): S {
  declared.push(spec);
  return spec;
}

/** Every route declared with defineRoute, in declaration order. */
export function declaredRoutes(): readonly RouteSpec[] {
  return declared;
}

/** An error response with `description`. */
export const errorResponse = (description: string, headers?: Record<string, string>): ResponseSpec => ({
  description,
  body: errorBodySchema,
  ...(headers ? { headers } : {}),
});

/** Headers on every rate-limited answer (not sent for Enterprise accounts, which are unlimited). */
export const RATE_LIMIT_HEADERS: Record<string, string> = {
  'X-RateLimit-Limit': 'Maximum requests allowed in the current window (per account, by tier).',
  'X-RateLimit-Remaining': 'Requests remaining in the current window.',
  'X-RateLimit-Reset': 'Unix epoch second when the window resets.',
};

/** The errors every x-api-key route can answer. */
export const API_KEY_ERRORS: Record<number, ResponseSpec> = {
  401: errorResponse('UNAUTHORIZED (missing or unknown key) or API_KEY_REVOKED.'),
  429: errorResponse('RATE_LIMIT_EXCEEDED: the per-minute limit of your tier is used up.', {
    ...RATE_LIMIT_HEADERS,
    'Retry-After': 'Seconds to wait before retrying.',
  }),
};

/** The errors of routes that also take a run viewer token. */
export const VIEW_TOKEN_ERRORS: Record<number, ResponseSpec> = {
  ...API_KEY_ERRORS,
  401: errorResponse('UNAUTHORIZED or API_KEY_REVOKED; with a view token VIEW_TOKEN_INVALID or VIEW_TOKEN_EXPIRED.'),
  403: errorResponse('With a view token: VIEW_TOKEN_SCOPE (the token is for another run, or lists need an account token), VIEW_TOKEN_READ_ONLY, CAPABILITY_DENIED or ACCOUNT_NOT_APPROVED.'),
};
