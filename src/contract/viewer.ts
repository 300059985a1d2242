// Request and response bodies of the run viewer's API routes: view tokens and the run's graph.
import { z } from 'zod';
import { isoTimeSchema } from './common';
import { executionIdParamsSchema } from './executions';
import { API_KEY_ERRORS, defineRoute, errorResponse, RATE_LIMIT_HEADERS, VIEW_TOKEN_ERRORS } from './routes';
import { executionStatusSchema } from './statuses';

/** Default and longest lifetime of a view token, in seconds. */
export const VIEW_TOKEN_TTL = { defaultSeconds: 15 * 60, maxSeconds: 12 * 60 * 60 };

/** Body of `POST /api/executions/:id/view-token` and `POST /api/executions/view-token`. */
export const viewTokenBodySchema = z.object({
  ttlSeconds: z.coerce
    .number()
    .int()
    .min(10)
    .max(VIEW_TOKEN_TTL.maxSeconds)
    .default(VIEW_TOKEN_TTL.defaultSeconds)
    .describe(`Lifetime in seconds (default ${VIEW_TOKEN_TTL.defaultSeconds}, at most ${VIEW_TOKEN_TTL.maxSeconds}).`),
  actions: z
    .boolean()
    .default(false)
    .describe('Also allow cancel and replay. The minting key must hold `workflow:run` (or `workflow:<slug>:run` for a one-run token).'),
});

/** Answer of the view-token routes. */
export const viewTokenResponseSchema = z.object({
  success: z.literal(true),
  token: z.string().describe('`vt1.…`: send as `Authorization: Bearer <token>` or `?token=<token>`.'),
  executionId: z.string().nullable().describe('The run it reads; null for every run of the account.'),
  actions: z.boolean(),
  expiresAt: z.string().describe('ISO time after which the token is refused (401 VIEW_TOKEN_EXPIRED).'),
  viewUrl: z.string().describe('Path of the run viewer page with the token in its fragment (never sent to servers).'),
});

/** Answer of `GET /api/executions/:id/graph`. */
export const graphResponseSchema = z.object({
  success: z.literal(true),
  graph: z.object({
    workflowName: z.string(),
    workflowSlug: z.string(),
    targetNodeId: z.string(),
    nodes: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        nodeType: z.string(),
        output: z.boolean().describe("True for a node whose value is (part of) the run's output: a Response Output node."),
        groupIndex: z.number(),
        model: z.string().nullable(),
        dependsOn: z.array(z.string()),
      }),
    ),
    edges: z.array(z.object({ id: z.string(), source: z.string(), sourcePort: z.string(), target: z.string(), targetPort: z.string() })),
  }),
  replays: z.array(z.object({ id: z.string(), status: executionStatusSchema, fromStepId: z.string().nullable(), createdAt: isoTimeSchema })).describe('Runs that replay this one, newest first.'),
  temporalUrl: z.string().nullable().describe('The run in the Temporal Web UI, when its address is configured (TEMPORAL_UI_URL, or the local dev server under npm start).'),
});

/** Body of the view-token routes, parsed (defaults applied). */
export type ViewTokenBody = z.output<typeof viewTokenBodySchema>;
export type ViewTokenResponse = z.infer<typeof viewTokenResponseSchema>;
export type GraphResponse = z.infer<typeof graphResponseSchema>;

// The run viewer's API routes, declared once.
/** The answers of both view-token routes. */
const mintErrors = {
  200: { description: 'A view token.', body: viewTokenResponseSchema, headers: RATE_LIMIT_HEADERS },
  400: errorResponse('INVALID_REQUEST (ttlSeconds out of range).'),
  403: errorResponse('CAPABILITY_DENIED: `actions: true` needs a key that may run the workflow (`required` names the capability).'),
  ...API_KEY_ERRORS,
};
/** `POST /api/executions/:id/view-token`, declared once (mounted by src/api/viewer/routes.ts). */
export const executionViewTokenRoute = defineRoute({
  method: 'post', path: '/api/executions/:id/view-token', summary: 'Mint a view token for one run', tags: ['Run viewer'], auth: 'apiKey',
  params: executionIdParamsSchema, body: viewTokenBodySchema,
  description: 'A short-lived bearer token that reads this run only (the run, its graph and its live events), for the run viewer page and EventSource; with `actions: true` it may also cancel and replay it. The page never holds the API key.',
  responses: { ...mintErrors, 404: errorResponse('No such execution in your account.') },
});

/** `POST /api/executions/view-token`, declared once (mounted by src/api/viewer/routes.ts). */
export const accountViewTokenRoute = defineRoute({
  method: 'post', path: '/api/executions/view-token', summary: 'Mint a view token for all of your runs', tags: ['Run viewer'], auth: 'apiKey',
  body: viewTokenBodySchema,
  description: 'A short-lived bearer token that lists and reads every run of the account (the /runs page); with `actions: true` (key with `workflow:run`) it may also cancel and replay them.',
  responses: mintErrors,
});

/** `GET /api/executions/:id/graph`, declared once (mounted by src/api/viewer/routes.ts). */
export const executionGraphRoute = defineRoute({
  method: 'get', path: '/api/executions/:id/graph', summary: 'The run’s plan as a graph, its replays and its Temporal UI link', tags: ['Run viewer'],
  auth: 'apiKeyOrViewToken', params: executionIdParamsSchema,
  responses: { 200: { description: 'The graph.', body: graphResponseSchema, headers: RATE_LIMIT_HEADERS }, 404: errorResponse('No such execution.'), ...VIEW_TOKEN_ERRORS },
});
