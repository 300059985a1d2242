// Every MCP tool through the SDK's own client, over Streamable HTTP (/mcp) and stdio (`builder-studio mcp`).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createApp } from '../../src/api/app';
import { TEXT_CHAIN } from '../../src/demo/workflows';
import { startTestApi, type TestApi } from '../support/api';
import { buildAccount, buildApiKey, buildWorkflow, chain } from '../support/fixtures';

const AGENT_TOKEN = 'studio-agent-token-for-tests';

describe('MCP server', function () {
  let api: TestApi;
  /** A second API process on the same engine that knows the studio agent token. */
  let agentServer: Server;
  let agentUrl: string;
  let key: string;
  let slug: string;
  let slowSlug: string;

  before(async () => {
    api = await startTestApi();
    const account = await buildAccount(api.engine.db);
    key = (await buildApiKey(api.engine.db, account.id)).secret;
    slug = (await buildWorkflow(api.engine.db, account.id, TEXT_CHAIN)).slug;
    slowSlug = (
      await buildWorkflow(
        api.engine.db,
        account.id,
        chain([{ id: 'slow', type: 'text-generation', config: { model: 'sandbox-text', prompt: 'Think about {{topic}}', sandbox: { delayMs: 20_000 } } }], 'slow'),
      )
    ).slug;
    const app = createApp({
      db: api.engine.db,
      temporal: api.engine.env.client,
      admissions: api.engine.admissions,
      config: { ADMIN_TOKEN: api.adminToken, TEMPORAL_TASK_QUEUE: api.engine.taskQueue },
      log: { error: (obj) => console.error('API error', obj), info: () => undefined },
      studioAgentToken: AGENT_TOKEN,
    });
    agentServer = createServer(app.callback());
    await new Promise<void>((resolve) => agentServer.listen(0, '127.0.0.1', () => resolve()));
    agentUrl = `http://127.0.0.1:${(agentServer.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => (agentServer ? agentServer.close(() => resolve()) : resolve()));
    await api?.close();
  });

  async function connect(transport: StreamableHTTPClientTransport | StdioClientTransport): Promise<Client> {
    const client = new Client({ name: 'builder-test', version: '1.0.0' });
    await client.connect(transport);
    return client;
  }

  const http = (url: string, headers: Record<string, string>) => connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers } }));
  const stdio = () =>
    connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [path.resolve('bin/builder.js'), 'mcp'],
        env: { ...(process.env as Record<string, string>), BUILDER_API_URL: api.url, BUILDER_API_KEY: key },
        stderr: 'inherit',
      }),
    );

  /** Calls a tool and returns its structured result, failing on tool errors unless `allowError`. */
  async function call(client: Client, name: string, args: Record<string, unknown>, options: { allowError?: boolean; onprogress?: (p: { progress: number; total?: number; message?: string }) => void } = {}) {
    const result = (await client.callTool({ name, arguments: args }, undefined, {
      ...(options.onprogress ? { onprogress: options.onprogress } : {}),
      timeout: 60_000,
    })) as { isError?: boolean; structuredContent?: any; content: Array<{ type: string; text?: string }> };
    if (!options.allowError) assert.ok(!result.isError, `${name} failed: ${result.content[0]?.text}`);
    assert.equal(result.content[0]?.type, 'text');
    return result.structuredContent;
  }

  /** The whole tool set, as an agent would use it; runs must carry `trigger`. */
  async function exerciseEveryTool(client: Client, trigger: 'mcp' | 'user-mcp') {
    const tools = (await client.listTools()).tools.map((tool) => tool.name).sort();
    assert.deepEqual(tools, ['cancel_execution', 'estimate_workflow', 'get_execution', 'get_workflow_schema', 'list_workflows', 'replay_execution', 'run_workflow']);

    const listed = await call(client, 'list_workflows', {});
    const workflow = listed.workflows.find((candidate: any) => candidate.slug === slug);
    assert.deepEqual(workflow.inputs.map((field: any) => field.name), ['topic']);

    const schema = await call(client, 'get_workflow_schema', { slug });
    assert.deepEqual(schema.inputSchema.required, ['topic']);

    const estimate = await call(client, 'estimate_workflow', { slug, inputs: { topic: 'tides' } });
    assert.equal(estimate.admissible, true);
    assert.ok(estimate.creditsTotal > 0);
    assert.deepEqual(estimate.refusals, []);
    const refused = await call(client, 'estimate_workflow', { slug, inputs: {} });
    assert.deepEqual(refused.refusals.map((refusal: any) => refusal.code), ['INVALID_INPUTS']);

    const progress: Array<{ progress: number; total?: number; message?: string }> = [];
    const run = await call(client, 'run_workflow', { slug, inputs: { topic: 'tides' } }, { onprogress: (p) => progress.push(p) });
    assert.equal(run.success, true);
    assert.match(String(run.output), /sandbox/);
    assert.ok(progress.length >= 2, `progress notifications: ${JSON.stringify(progress)}`);
    assert.equal(progress.at(-1)!.progress, progress.at(-1)!.total);
    assert.ok(progress.every((p, i) => i === 0 || p.progress > progress[i - 1]!.progress), 'progress increases');

    const got = await call(client, 'get_execution', { executionId: run.executionId });
    assert.equal(got.execution.status, 'completed');
    assert.equal(got.execution.triggerType, trigger);
    assert.deepEqual(got.execution.steps.map((step: any) => step.status), ['completed', 'completed', 'completed', 'completed']);

    const replay = await call(client, 'replay_execution', { executionId: run.executionId, fromStepId: 'draft', wait: true });
    assert.equal(replay.parentExecutionId, run.executionId);
    assert.equal(replay.status, 'completed');
    assert.notEqual(replay.executionId, run.executionId);

    const started = await call(client, 'run_workflow', { slug: slowSlug, inputs: { topic: 'patience' }, async: true });
    assert.match(started.executionId, /^ex_/);
    await call(client, 'cancel_execution', { executionId: started.executionId });
    let status = '';
    for (let i = 0; i < 100 && status !== 'cancelled'; i++) {
      status = (await call(client, 'get_execution', { executionId: started.executionId })).execution.status;
      if (status !== 'cancelled') await sleep(100);
    }
    assert.equal(status, 'cancelled');

    const missing = await call(client, 'get_execution', { executionId: 'ex_nope' }, { allowError: true });
    assert.equal(missing.error.code, 'NOT_FOUND');
    const invalid = await call(client, 'run_workflow', { slug, inputs: { topic: 7 } }, { allowError: true });
    assert.equal(invalid.error.code, 'INVALID_INPUTS');
  }

  it('serves every tool over Streamable HTTP with the API key; a user client\'s runs are user-mcp', async () => {
    const client = await http(api.url, { 'x-api-key': key });
    try {
      await exerciseEveryTool(client, 'user-mcp');
    } finally {
      await client.close();
    }
  });

  it('marks runs of the studio agent (Bearer key plus agent token) as mcp', async () => {
    const client = await http(agentUrl, { authorization: `Bearer ${key}`, 'x-builder-agent-token': AGENT_TOKEN });
    try {
      const run = await call(client, 'run_workflow', { slug, inputs: { topic: 'reefs' } });
      const got = await call(client, 'get_execution', { executionId: run.executionId });
      assert.equal(got.execution.triggerType, 'mcp');
    } finally {
      await client.close();
    }
  });

  it('refuses /mcp without a valid API key or with a wrong agent token', async () => {
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } };
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const anonymous = await fetch(`${api.url}/mcp`, { method: 'POST', headers, body: JSON.stringify(init) });
    assert.equal(anonymous.status, 401);
    const wrongAgent = await fetch(`${agentUrl}/mcp`, { method: 'POST', headers: { ...headers, 'x-api-key': key, 'x-builder-agent-token': 'guess' }, body: JSON.stringify(init) });
    assert.equal(wrongAgent.status, 401);
    assert.equal(((await wrongAgent.json()) as any).error.code, 'AGENT_TOKEN_INVALID');
  });

  it('serves every tool over stdio from `builder-studio mcp`, calling the HTTP API; runs are user-mcp', async () => {
    const client = await stdio();
    try {
      await exerciseEveryTool(client, 'user-mcp');
    } finally {
      await client.close();
    }
  });
});
