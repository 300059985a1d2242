// The client's answer types, read from the generated `paths` (./schema.d.ts, `npm run contract:client`).
// Where the document only says `{ success: true, … }` about an answer, `Documented` adds the fields
// this client reads (the `Assumed*` shapes below); once the document types an answer, its types win
// and a field the document does not have fails to compile.
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

/**
 * An answer as the document states it. While the document only says `{ success: true, … }` (an
 * open object), `Assumed` adds the fields this client reads; a typed answer is taken as it is.
 */
export type Documented<T, Assumed> = string extends keyof T ? T & Assumed : T;

/** A step of an execution (assumed while `GET /api/executions/{id}` is untyped in the document). */
export interface AssumedStep {
  id: string;
  /** The node's name on the canvas. */
  name?: string;
  nodeType: string;
  status: string;
  attempts?: number;
  output?: unknown;
  error?: unknown;
  /** Replays: the step's output was reused from the replayed run, not computed again. */
  reused?: boolean;
  startedAt?: string | null;
  finishedAt?: string | null;
}

/** A run as `GET /api/executions` lists it (assumed while the document leaves it untyped). */
export interface AssumedExecutionSummary {
  id: string;
  workflowSlug?: string;
  status: string;
  triggerType: string;
  /** Net of any refund. */
  creditsUsed?: number;
  /** Credits given back when the run ended `error` or `cancelled`. */
  creditsRefunded?: number;
  durationMs?: number | null;
  parentExecutionId?: string | null;
  createdAt?: string;
  finishedAt?: string | null;
}

/** A run and its steps (assumed while `GET /api/executions/{id}` is untyped in the document). */
export interface AssumedExecution extends AssumedExecutionSummary {
  output?: unknown;
  error?: unknown;
  fromStepId?: string | null;
  steps: AssumedStep[];
}

/** A workflow of `GET /api/mcp/workflows` (assumed while the document leaves it untyped). */
export interface AssumedWorkflowSummary {
  slug: string;
  name: string;
  canvasId?: string;
}

/** The answer of `POST /api/executions/{id}/replay` (assumed while the document leaves it untyped). */
export interface AssumedReplay {
  executionId: string;
  parentExecutionId?: string;
  fromStepId?: string;
}

/** The answer of `POST /api/executions/{id}/cancel` (assumed while the document leaves it untyped). */
export interface AssumedCancel {
  executionId: string;
  status: string;
}

/** A run of an MCP agent, sync (200) or admitted (202) (assumed while the document leaves it untyped). */
export interface AssumedMcpRun {
  executionId: string;
}

/** The answers of the admin API (assumed while the document leaves them untyped). */
export interface AssumedAccount {
  id: string;
  tier: string;
  creditBalance: number;
  approved: boolean;
}
export interface AssumedApiKey {
  id: string;
  capabilities: string[];
}
export interface AssumedGrant {
  model: string;
  creditsRemaining: number;
}
export interface AssumedWorkflow {
  slug: string;
  canvasId: string;
}

/** `GET /api/executions/{id}`. */
export type ExecutionAnswer = Documented<Answer<'/api/executions/{id}', 'get', 200>, { execution: AssumedExecution }>;
/** A run and its steps. */
export type ExecutionView = ExecutionAnswer['execution'];
/** A step of a run. */
export type StepView = ExecutionView['steps'][number];
/** `GET /api/executions`. */
export type ExecutionListAnswer = Documented<Answer<'/api/executions', 'get', 200>, { executions: AssumedExecutionSummary[] }>;
/** A run as the list shows it. */
export type ExecutionSummary = ExecutionListAnswer['executions'][number];
/** The filters of `GET /api/executions`. */
export type ExecutionFilters = NonNullable<paths['/api/executions']['get']['parameters']['query']>;
/** `GET /api/mcp/workflows`. */
export type WorkflowListAnswer = Documented<Answer<'/api/mcp/workflows', 'get', 200>, { workflows: AssumedWorkflowSummary[] }>;
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
export type CancelAnswer = Documented<Answer<'/api/executions/{id}/cancel', 'post', 202>, AssumedCancel>;
/** An admitted replay. */
export type ReplayStarted = Documented<Answer<'/api/executions/{id}/replay', 'post', 202>, AssumedReplay>;
/** A run of an MCP agent: completed (200) or admitted (202). */
export type McpRunAnswer = Documented<Answer<'/api/mcp/workflows/{slug}/run', 'post', 200 | 202>, AssumedMcpRun>;
/** `POST /admin/accounts`. */
export type AccountAnswer = Documented<Answer<'/admin/accounts', 'post', 201>, { account: AssumedAccount }>;
/** `POST /admin/accounts/{id}/api-keys`: the key and its secret, shown once. */
export type ApiKeyAnswer = Documented<Answer<'/admin/accounts/{id}/api-keys', 'post', 201>, { apiKey: AssumedApiKey; secret: string }>;
/** `POST /admin/accounts/{id}/grants`. */
export type GrantAnswer = Documented<Answer<'/admin/accounts/{id}/grants', 'post', 201>, { grant: AssumedGrant }>;
/** `POST /admin/accounts/{id}/workflows` and `PATCH /admin/workflows/{canvasId}`. */
export type WorkflowAnswer = Documented<Answer<'/admin/accounts/{id}/workflows', 'post', 201>, { workflow: AssumedWorkflow }>;
