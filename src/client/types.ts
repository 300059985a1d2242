// The client's answer types, read from the generated `paths` (./schema.d.ts, `npm run contract:client`):
// every answer is typed by the document, so a field the document does not have fails to compile.
import type { paths } from './schema';

type Method = 'get' | 'post' | 'patch';

/** The JSON body of the answer `status` of `method path`, as the document states it. */
export type Answer<P extends keyof paths, M extends Method, S extends number> =
  NonNullable<paths[P][M]> extends { responses: infer Responses }
    ? S extends keyof Responses
      ? Responses[S] extends { content: { 'application/json': infer Body } }
        ? Body
        : never
      : never
    : never;

/** The JSON request body of `method path`. */
export type RequestBody<P extends keyof paths, M extends Method> =
  NonNullable<paths[P][M]> extends { requestBody?: { content: { 'application/json': infer Body } } } ? Body : never;

/** `GET /api/executions/{id}`. */
export type ExecutionAnswer = Answer<'/api/executions/{id}', 'get', 200>;
/** A run and its steps. */
export type ExecutionView = ExecutionAnswer['execution'];
/** A step of a run. */
export type StepView = ExecutionView['steps'][number];
/** `GET /api/executions`. */
export type ExecutionListAnswer = Answer<'/api/executions', 'get', 200>;
/** A run as the list shows it. */
export type ExecutionSummary = ExecutionListAnswer['executions'][number];
/** The filters of `GET /api/executions`. */
export type ExecutionFilters = NonNullable<paths['/api/executions']['get']['parameters']['query']>;
/** `GET /api/workflows`. */
export type WorkflowListAnswer = Answer<'/api/workflows', 'get', 200>;
/** A workflow this key may run, with its input fields. */
export type WorkflowSummary = WorkflowListAnswer['workflows'][number];
/** A workflow's input fields and JSON Schema. */
export type WorkflowSchema = Answer<'/api/workflows/{slug}/schema', 'get', 200>;
/** A completed sync run. */
export type RunResult = Answer<'/api/workflows/{slug}/run', 'post', 200>;
/** An admitted async run. */
export type RunStarted = Answer<'/api/workflows/{slug}/run', 'post', 202>;
/** What a run would cost and whether it would be admitted. */
export type RunEstimate = Answer<'/api/workflows/{slug}/estimate', 'post', 200>;
/** A requested cancellation. */
export type CancelAnswer = Answer<'/api/executions/{id}/cancel', 'post', 202>;
/** An admitted replay. */
export type ReplayStarted = Answer<'/api/executions/{id}/replay', 'post', 202>;
/** A run of an MCP agent: completed (200) or admitted (202). */
export type McpRunAnswer = Answer<'/api/mcp/workflows/{slug}/run', 'post', 200 | 202>;
/** `POST /admin/accounts`. */
export type AccountAnswer = Answer<'/admin/accounts', 'post', 201>;
/** `POST /admin/accounts/{id}/api-keys`: the key and its secret, shown once. */
export type ApiKeyAnswer = Answer<'/admin/accounts/{id}/api-keys', 'post', 201>;
/** `POST /admin/accounts/{id}/grants`. */
export type GrantAnswer = Answer<'/admin/accounts/{id}/grants', 'post', 201>;
/** `POST /admin/accounts/{id}/workflows` and `PATCH /admin/workflows/{canvasId}`. */
export type WorkflowAnswer = Answer<'/admin/accounts/{id}/workflows', 'post', 201>;
