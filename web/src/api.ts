// The API as the viewer sees it: every call carries the view token (never an API key).

/** Step statuses, in the seed's vocabulary. */
export type StepStatus = 'pending' | 'running' | 'streaming' | 'waiting' | 'completed' | 'error' | 'skipped';
/** Run statuses, in the seed's vocabulary. */
export type RunStatus = 'planning' | 'running' | 'waiting' | 'completed' | 'error' | 'cancelled';

/** One step of GET /api/executions/:id. */
export interface StepView {
  id: string;
  nodeType: string;
  groupIndex: number;
  status: StepStatus;
  attempts: number;
  output: Record<string, unknown> | null;
  error: { type?: string; message?: string } | null;
  /** What a waiting step waits on (an async provider's job). */
  waitingOn?: { provider?: string; jobId?: string; type?: 'vendor-capacity'; vendor?: string } | null;
  reused: boolean;
  /** Completed from the output cache: the run and step that paid for the output. */
  cache?: { hit: true; executionId: string; stepId: string } | null;
  startedAt: string | null;
  finishedAt: string | null;
}

/** GET /api/executions/:id (`creditsRefunded` appears once the server reports it). */
export interface ExecutionView {
  id: string;
  workflowSlug: string;
  status: RunStatus;
  triggerType: string;
  targetNodeId: string;
  creditsUsed: number;
  creditsRefunded?: number;
  durationMs: number | null;
  error: { type?: string; message?: string; stepId?: string } | null;
  parentExecutionId: string | null;
  fromStepId: string | null;
  temporalWorkflowId: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  steps: StepView[];
}

/** GET /api/executions/:id/graph. */
export interface GraphView {
  graph: {
    workflowName: string;
    workflowSlug: string;
    targetNodeId: string;
    nodes: Array<{ id: string; name: string; nodeType: string; output: boolean; groupIndex: number; model: string | null; dependsOn: string[] }>;
    edges: Array<{ id: string; source: string; sourcePort: string; target: string; targetPort: string }>;
  };
  replays: Array<{ id: string; status: RunStatus; fromStepId: string | null; createdAt: string }>;
  temporalUrl: string | null;
}

/** One row of GET /api/executions. */
export interface ExecutionRow {
  id: string;
  workflowSlug: string;
  status: RunStatus;
  triggerType: string;
  creditsUsed: number;
  durationMs: number | null;
  parentExecutionId: string | null;
  createdAt: string;
}

/** An error answer of the API, with its code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Calls the API with the view token; throws ApiError with the server's code and message. */
export async function api<T>(token: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const parsed = (await response.json().catch(() => null)) as { success?: boolean; error?: { code?: string; message?: string } } | null;
  if (!response.ok || !parsed || parsed.success === false) {
    throw new ApiError(response.status, parsed?.error?.code ?? 'HTTP_ERROR', parsed?.error?.message ?? `The server answered ${response.status}.`);
  }
  return parsed as T;
}

/** True once a run can change no more. */
export const isTerminal = (status: RunStatus) => status === 'completed' || status === 'error' || status === 'cancelled';
