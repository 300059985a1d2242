// Hostile JSON at every route that takes a body: 5,000 nested arrays (10 KB) is a 400 naming the depth
// limit, never a stack overflow answered 500; and no log line carries a client's 100 KB path whole.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { MAX_JSON_DEPTH, nestsDeeperThan } from '../../src/domain/jsonDepth';
import { findUnstorableText } from '../../src/domain/storableText';
import { findMedia } from '../../src/mcp/mediaContent';
import { collectMediaIds } from '../../src/media/refs';
import { presentMedia, type MediaUrlSigner } from '../../src/media/urls';
import { createLogger } from '../../src/observability/logger';
import type { CanvasGraph } from '../../src/domain/types';
import { startTestApi, type TestApi } from '../support/api';
import { buildAccount, buildApiKey, buildWorkflow, chain } from '../support/fixtures';

const NESTED = 5000;
const deepArrays = () => `${'['.repeat(NESTED)}${']'.repeat(NESTED)}`;

const hookCanvas: CanvasGraph = {
  nodes: [
    { id: 'hook', type: 'webhook-trigger', config: {} },
    { id: 'greet', type: 'template', config: { template: 'got {{ body }}' } },
    { id: 'output', type: 'response-output', config: {} },
  ],
  edges: [
    { source: 'hook', sourcePort: 'body', target: 'greet', targetPort: 'body' },
    { source: 'greet', sourcePort: 'text', target: 'output', targetPort: 'text' },
  ],
};

describe('deeply nested JSON bodies', function () {
  let api: TestApi;
  let key: string;
  let slug: string;
  let canvasId: string;
  let accountId: string;
  let hookPath: string;

  before(async () => {
    api = await startTestApi();
    const account = await buildAccount(api.engine.db, { tier: 'enterprise' });
    accountId = account.id;
    key = (await buildApiKey(api.engine.db, account.id)).secret;
    const workflow = await buildWorkflow(api.engine.db, account.id, chain([{ id: 'gen', type: 'text-generation', config: { model: 'sandbox-text', prompt: '{{topic}}' } }], 'gen'));
    slug = workflow.slug;
    canvasId = workflow.canvasId;
    const hookSlug = (await buildWorkflow(api.engine.db, account.id, hookCanvas)).slug;
    hookPath = (await api.request('GET', `/api/workflows/${hookSlug}/webhooks`, { headers: { 'x-api-key': key } })).body.webhooks[0].path;
  });
  after(async () => api?.close());

  it(`answers 400 INVALID_INPUTS naming the limit of ${MAX_JSON_DEPTH} levels on every JSON route, never 5xx`, async () => {
    const user = { 'x-api-key': key };
    const admin = { authorization: `Bearer ${api.adminToken}` };
    const inInputs = `{"inputs":{"topic":${deepArrays()}}}`;
    const routes: Array<[string, string, Record<string, string>, string]> = [
      ['POST', `/api/workflows/${slug}/run`, user, inInputs],
      ['POST', `/api/workflows/${slug}/run?async=true`, user, inInputs],
      ['POST', `/api/workflows/${slug}/estimate`, user, inInputs],
      ['POST', '/api/executions/ex_missing/replay', user, `{"fromStepId":"gen","inputs":${deepArrays()}}`],
      ['POST', '/api/executions/ex_missing/cancel', user, deepArrays()],
      ['POST', '/api/execute/start', { ...user, 'x-trigger-type': 'manual' }, `{"canvasId":"${canvasId}","inputs":{"topic":${deepArrays()}}}`],
      ['POST', `/api/mcp/workflows/${slug}/run?async=true`, user, inInputs],
      ['POST', hookPath, {}, `{"order":${deepArrays()}}`],
      ['POST', '/admin/accounts', admin, `{"tier":"pro","extra":${deepArrays()}}`],
      ['POST', `/admin/accounts/${accountId}/workflows`, admin, `{"slug":"deep","graph":{"nodes":${deepArrays()},"edges":[]}}`],
      ['PATCH', `/admin/workflows/${canvasId}`, admin, `{"graph":{"nodes":${deepArrays()},"edges":[]}}`],
      ['POST', `/admin/accounts/${accountId}/api-keys`, admin, `{"capabilities":${deepArrays()}}`],
      ['POST', '/api/providers/callbacks/ex_missing/gen?token=x', {}, `{"status":${deepArrays()}}`],
    ];
    for (const [method, path, headers, raw] of routes) {
      const response = await api.request(method, path, { headers, raw });
      assert.equal(response.status, 400, `${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
      assert.equal(response.body.error.code, 'INVALID_INPUTS', `${method} ${path}`);
      assert.match(response.body.error.message, new RegExp(`deeper than ${MAX_JSON_DEPTH} levels`), `${method} ${path}`);
    }
  });

  it('answers the MCP endpoint a JSON-RPC 400 naming the depth limit (data.code INVALID_INPUTS)', async () => {
    const raw = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"run_workflow","arguments":{"inputs":${deepArrays()}}}}`;
    const response = await api.request('POST', '/mcp', { headers: { 'x-api-key': key, accept: 'application/json, text/event-stream' }, raw });
    assert.equal(response.status, 400, JSON.stringify(response.body));
    assert.equal(response.body.error.data.code, 'INVALID_INPUTS');
    assert.match(response.body.error.message, new RegExp(`deeper than ${MAX_JSON_DEPTH} levels`));
  });

  it('still accepts a body nested exactly to the limit', async () => {
    // {"inputs":{"topic": <62 arrays>}} is 64 levels.
    const depth = MAX_JSON_DEPTH - 2;
    const raw = `{"inputs":{"topic":${'['.repeat(depth)}"x"${']'.repeat(depth)}}}`;
    const response = await api.request('POST', `/api/workflows/${slug}/estimate`, { headers: { 'x-api-key': key }, raw });
    assert.notEqual(response.body?.error?.message?.includes('levels'), true, JSON.stringify(response.body));
    assert.ok(response.status < 500, JSON.stringify(response.body));
  });

  it('walks values of any depth without recursion (no stack overflow on 100,000 levels)', () => {
    let value: unknown = 'a\u0000b';
    for (let i = 0; i < 100_000; i++) value = [value];
    assert.equal(nestsDeeperThan(value, MAX_JSON_DEPTH), true);
    const found = findUnstorableText(value);
    assert.equal(found?.path.length, 100_000);
    assert.match(found!.reason, /NUL/);
    // Outputs can nest deeply too (an HTTP node's JSON answer): presenting and scanning them is iterative.
    let output: unknown = { mediaId: 'med_abc', sha256: 'abc', mimeType: 'image/png', sizeBytes: 1 };
    for (let i = 0; i < 100_000; i++) output = i % 2 ? [output] : { nested: output };
    assert.deepEqual(collectMediaIds(output), ['med_abc']);
    const presented = presentMedia(output, { sign: (id: string) => `https://signed/${id}` } as unknown as MediaUrlSigner);
    assert.deepEqual(findMedia(presented).map((media) => media.url), ['https://signed/med_abc']);
  });

  it('logs at most a few KB of a long request path, error message or body', async () => {
    const lines: string[] = [];
    const destination = new PassThrough();
    destination.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
    const logger = createLogger({ destination });
    const server = createServer(api.appWith({ logger }).callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/api/executions/${'x'.repeat(12_000)}`, { headers: { 'x-api-key': key } });
      assert.ok(response.status < 500, String(response.status));
      logger.error({ err: new Error(`boom ${'y'.repeat(100_000)}`), body: 'z'.repeat(100_000) }, 'failure');
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.ok(lines.length >= 2, lines.join('\n').slice(0, 500));
      for (const line of lines) assert.ok(line.length < 10 * 1024, `a log line of ${line.length} characters`);
      assert.ok(lines.some((line) => line.includes('xxxxxxxx') && line.includes('more characters')));
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
