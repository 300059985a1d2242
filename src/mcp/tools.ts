// The MCP tools, written once over the API client: the Streamable HTTP endpoint and the stdio
// server (CLI `mcp`) register the same tools and differ only in where the client points.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { isTerminalStepStatus, type StepStatus } from '../domain/statuses';
import { ApiError, type BuilderApiClient, type ExecutionView, type McpRunAnswer } from '../client/apiClient';
import { mediaContent } from './mediaContent';

/** What a tool callback receives from the SDK that we use. */
interface ToolExtra {
  signal: AbortSignal;
  _meta?: { progressToken?: string | number };
  sendNotification: (notification: { method: 'notifications/progress'; params: { progressToken: string | number; progress: number; total?: number; message?: string } }) => Promise<void>;
}

/** Builds an MCP server whose tools act through `api`. */
export function createMcpServer(api: BuilderApiClient, version = '0.1.0'): McpServer {
  const server = new McpServer({ name: 'builder-studio', version }, { capabilities: { tools: {} } });

  server.registerTool(
    'list_workflows',
    { title: 'List workflows', description: 'Lists the workflows this API key may run, with their slugs and input fields.', inputSchema: {} },
    async () => guard(async () => ({ workflows: (await api.listWorkflows()).workflows })),
  );

  server.registerTool(
    'get_workflow_schema',
    {
      title: 'Read a workflow input schema',
      description: 'The input fields of a workflow (names, types, required) and a JSON Schema of its inputs.',
      inputSchema: { slug: z.string().describe('The workflow slug, e.g. my-thumbnail-pipeline') },
    },
    async ({ slug }) => guard(() => api.getSchema(slug)),
  );

  server.registerTool(
    'run_workflow',
    {
      title: 'Run a workflow',
      description:
        'Runs a workflow with inputs matching its schema. By default waits for the result (with progress notifications when a progressToken is given); async=true returns the execution id at once.',
      inputSchema: {
        slug: z.string(),
        inputs: z.record(z.string(), z.unknown()).default({}).describe('Key/value pairs matching the Request Input fields'),
        async: z.boolean().default(false).describe('Return the execution id without waiting'),
        idempotencyKey: z
          .string()
          .min(1)
          .max(255)
          .optional()
          .describe('A stable key (your account, 24 h): calling again with the same key and inputs returns the same run instead of starting and paying for another'),
      },
    },
    async ({ slug, inputs, async, idempotencyKey }, extra) =>
      guard(async () => {
        const key = idempotencyKey ? { idempotencyKey } : {};
        let started: McpRunAnswer;
        try {
          started = await api.runAsAgent(slug, inputs, { async: true, ...key });
        } catch (err) {
          // Push-only providers cannot be polled: run those in sync mode (no progress, one answer).
          if (!async && err instanceof ApiError && err.code === 'ASYNC_NOT_SUPPORTED') return api.runAsAgent(slug, inputs, key);
          throw err;
        }
        if (async) return started;
        return settled(await follow(api, started.executionId, extra as unknown as ToolExtra));
      }, api),
  );

  server.registerTool(
    'estimate_workflow',
    {
      title: 'Estimate a workflow run',
      description:
        'What a run with these inputs would cost at your tier (credits per step and in total, trial grants applied) and the refusals it would get ' +
        '(INVALID_INPUTS, MODEL_TIER_REQUIRED, INSUFFICIENT_CREDITS, grant_exhausted). Runs and charges nothing.',
      inputSchema: {
        slug: z.string(),
        inputs: z.record(z.string(), z.unknown()).default({}).describe('Key/value pairs matching the Request Input fields'),
      },
    },
    async ({ slug, inputs }) => guard(() => api.estimate(slug, inputs)),
  );

  server.registerTool(
    'get_execution',
    {
      title: 'Get an execution',
      description: 'A run: status, trigger type, output, error, credits, duration and every step (status, attempts, output, error).',
      inputSchema: { executionId: z.string() },
    },
    async ({ executionId }) => guard(async () => ({ execution: await api.getExecution(executionId) }), api),
  );

  server.registerTool(
    'cancel_execution',
    { title: 'Cancel an execution', description: 'Cancels a running run; its remaining steps are skipped and its credits refunded.', inputSchema: { executionId: z.string() } },
    async ({ executionId }) => guard(() => api.cancel(executionId)),
  );

  server.registerTool(
    'replay_execution',
    {
      title: 'Replay an execution',
      description:
        'Replays a run in full, or from a step forward reusing the outputs of the steps before it. Returns the new execution id; wait=true also waits for it (with progress).',
      inputSchema: {
        executionId: z.string(),
        fromStepId: z.string().optional().describe('Re-run from this step forward; omit for a full replay'),
        wait: z.boolean().default(false),
      },
    },
    async ({ executionId, fromStepId, wait }, extra) =>
      guard(async () => {
        const replay = await api.replay(executionId, fromStepId);
        if (!wait) return replay;
        return { ...replay, ...settled(await follow(api, replay.executionId, extra as unknown as ToolExtra)) };
      }, api),
  );

  return server;
}

/** Polls a run to its end, sending `notifications/progress` (steps done of all steps) when asked to. */
async function follow(api: BuilderApiClient, executionId: string, extra: ToolExtra): Promise<ExecutionView> {
  const token = extra._meta?.progressToken;
  let lastProgress = -1;
  return api.waitForExecution(
    executionId,
    async (execution) => {
      if (token === undefined) return;
      const done = execution.steps.filter((step) => isTerminalStepStatus(step.status)).length;
      const total = execution.steps.length;
      const running = execution.steps.filter((step) => step.status === 'running' || step.status === 'streaming' || step.status === 'waiting');
      // MCP requires progress to increase: notify when another step has finished (and once at the start).
      if (done <= lastProgress) return;
      const progress = done;
      lastProgress = done;
      const message = `${executionId} ${execution.status}: ${done}/${total} steps done${running.length ? `; ${running.map((step) => `${step.id} ${step.status}`).join(', ')}` : ''}`;
      await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress, total, message } }).catch(() => undefined);
      // The SDK's client handles a response at once but a notification on a later microtask, so a
      // final notification read in the same chunk as the result would find its handler gone. A
      // short pause sends the last one in a read of its own.
      if (done === total) await new Promise((resolve) => setTimeout(resolve, FINAL_PROGRESS_GAP_MS));
    },
    extra.signal,
  );
}

/** Pause after the last progress notification, before the result (see follow). */
const FINAL_PROGRESS_GAP_MS = 50;

/** The answer of a waited run: like the sync API's, or the error of the failed one. */
function settled(execution: ExecutionView): Record<string, unknown> {
  if (execution.status === 'completed') {
    return { success: true, executionId: execution.id, status: execution.status, output: execution.output, creditsUsed: execution.creditsUsed, durationMs: execution.durationMs };
  }
  throw new ApiError(500, 'EXECUTION_FAILED', `The run ended ${execution.status}.`, { executionId: execution.id, status: execution.status, error: execution.error });
}

/** Runs a tool body; API errors become tool errors (isError) carrying the API's code and details. */
async function guard(body: () => Promise<unknown>, api?: BuilderApiClient): Promise<CallToolResult> {
  try {
    const result = await body();
    const media = api ? await mediaContent(result, api) : [];
    return { content: [{ type: 'text', text: JSON.stringify(result, null, 2) }, ...media], structuredContent: result as Record<string, unknown> };
  } catch (err) {
    if (err instanceof ApiError) {
      const error = { code: err.code, status: err.status, message: err.message, ...err.details };
      return { isError: true, content: [{ type: 'text', text: JSON.stringify({ success: false, error }, null, 2) }], structuredContent: { success: false, error } };
    }
    throw err;
  }
}
