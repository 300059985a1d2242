// Media from every kind of node travels by reference: HTTP bodies that are binary or large, audio
// (sync and async jobs), images shown through MCP; sizes the engine cannot honour are refused.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CanvasGraph } from '../../src/domain/types';
import { startTestApi, type TestApi } from '../support/api';
import { buildAccount, buildApiKey, buildWorkflow } from '../support/fixtures';
import { readSse } from '../support/sse';

const BIG_TEXT = 'x'.repeat(3 * 1024 * 1024);
const PNG_BYTES = Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), Buffer.alloc(10_000, 7)]);

describe('media from nodes, by reference', function () {
  this.timeout(120_000);
  let api: TestApi;
  let key: string;
  let accountId: string;
  let origin: Server;
  let originUrl: string;

  before(async () => {
    api = await startTestApi({ allowPrivateNetworks: true });
    const account = await buildAccount(api.engine.db, { tier: 'enterprise', creditBalance: 10_000 });
    accountId = account.id;
    key = (await buildApiKey(api.engine.db, account.id)).secret;
    origin = createServer((req, res) => {
      if (req.url === '/big') res.writeHead(200, { 'content-type': 'text/plain' }).end(BIG_TEXT);
      else if (req.url === '/image') res.writeHead(200, { 'content-type': 'image/png' }).end(PNG_BYTES);
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ small: true }));
    });
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', () => resolve()));
    originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => (origin ? origin.close(() => resolve()) : resolve()));
    await api?.close();
  });
  const auth = () => ({ 'x-api-key': key });
  const single = (node: CanvasGraph['nodes'][number], port: string): CanvasGraph => ({
    nodes: [node, { id: 'output', type: 'response-output', config: {} }],
    edges: [{ source: node.id, sourcePort: port, target: 'output', targetPort: 'value' }],
  });
  const run = async (graph: CanvasGraph, async = false) => {
    const workflow = await buildWorkflow(api.engine.db, accountId, graph);
    return api.request('POST', `/api/workflows/${workflow.slug}/run${async ? '?async=true' : ''}`, { body: { inputs: {} }, headers: auth() });
  };
  const bytesOf = async (url: string) => Buffer.from(await (await fetch(url)).arrayBuffer());
  const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

  it('stores a 3 MB HTTP response body as media and passes it on by reference; a small JSON body stays inline', async () => {
    const big = await run(single({ id: 'call', type: 'http-request', config: { url: `${originUrl}/big` } }, 'body'));
    assert.equal(big.status, 200, JSON.stringify(big.body).slice(0, 500));
    assert.equal(big.body.output.sizeBytes, BIG_TEXT.length);
    assert.equal(big.body.output.mimeType, 'text/plain');
    assert.equal(sha(await bytesOf(big.body.output.url)), sha(Buffer.from(BIG_TEXT)));
    const small = await run(single({ id: 'call', type: 'http-request', config: { url: `${originUrl}/json` } }, 'body'));
    assert.deepEqual(small.body.output, { small: true });
  });

  it('stores a binary HTTP response body as media whatever its size', async () => {
    const image = await run(single({ id: 'call', type: 'http-request', config: { url: `${originUrl}/image` } }, 'body'));
    assert.equal(image.status, 200);
    assert.deepEqual([image.body.output.mimeType, image.body.output.sizeBytes], ['image/png', PNG_BYTES.length]);
    assert.deepEqual(await bytesOf(image.body.output.url), PNG_BYTES);
  });

  it('speaks text as a real WAV with audio-generation, sync and as an async job', async () => {
    for (const model of ['sandbox-audio', 'sandbox-audio-async']) {
      const response = await run(single({ id: 'speak', type: 'audio-generation', config: { model, prompt: 'hello from the sandbox', pollAfterMs: 5_000 } }, 'audio'), model.endsWith('async'));
      const output = response.status === 202 ? await settled(response.body.executionId) : response.body.output;
      assert.equal(output.mimeType, 'audio/wav', model);
      assert.equal(output.durationMs, 1_200, 'four words of 300 ms');
      const wav = await bytesOf(output.url);
      assert.equal(wav.toString('ascii', 0, 4), 'RIFF');
      assert.equal(wav.toString('ascii', 8, 12), 'WAVE');
      assert.equal(sha(wav), output.sha256);
    }
  });

  async function settled(executionId: string): Promise<any> {
    for (;;) {
      const { body } = await api.request('GET', `/api/executions/${executionId}`, { headers: auth() });
      if (['completed', 'error', 'cancelled'].includes(body.execution.status)) {
        assert.equal(body.execution.status, 'completed', JSON.stringify(body.execution.error));
        return body.execution.output;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('refuses an image side over 8192 with 422 INVALID_WORKFLOW naming the node and the field, before anything runs', async () => {
    const response = await run(single({ id: 'poster', type: 'image-generation', config: { prompt: 'huge', width: 9000 } }, 'image'));
    assert.equal(response.status, 422);
    assert.equal(response.body.error.code, 'INVALID_WORKFLOW');
    assert.equal(response.body.error.nodeId, 'poster');
    assert.equal(response.body.error.field, 'width');
    assert.match(response.body.error.message, /Node "poster" \(Image Generation\) has an invalid config\.width: .*8192/);
  });

  it('shows media in SSE events and MCP results with signed URLs: a resource link, an inline image under 1 MB, never base64 text', async () => {
    const workflow = await buildWorkflow(api.engine.db, accountId, single({ id: 'pic', type: 'image-generation', config: { prompt: 'a lighthouse', width: 48, height: 32 } }, 'image'));
    const client = new Client({ name: 'builder-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${api.url}/mcp`), { requestInit: { headers: auth() } }));
    try {
      const result = (await client.callTool({ name: 'run_workflow', arguments: { slug: workflow.slug, inputs: {} } })) as { content: any[] };
      const [text, link, image] = result.content;
      const answer = JSON.parse(text.text);
      assert.equal(answer.output.mimeType, 'image/png');
      assert.equal(/base64/.test(text.text), false);
      assert.deepEqual([link.type, link.uri, link.mimeType], ['resource_link', answer.output.url, 'image/png']);
      assert.equal(image.type, 'image');
      assert.equal(sha(Buffer.from(image.data, 'base64')), answer.output.sha256);
      const events = await readSse(`${api.url}/api/executions/${answer.executionId}/events`, auth());
      const end = events.find((event) => event.event === 'run.end')!;
      assert.match(end.data.output.url, /\/api\/media\/med_/);
      assert.equal(JSON.stringify(events).includes('base64'), false);
    } finally {
      await client.close();
    }
  });
});
