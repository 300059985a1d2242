// Every workflow shape the engine produces, as runs through the real API, worker, Postgres and a
// local Temporal dev server. `npm run histories:record` runs each one and saves its Temporal
// history (test/histories/record.ts); the replay test replays every saved history against the
// current workflow bundle (test/histories/replay.test.ts).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CanvasGraph } from '../../src/domain/types';
import type { TestApi } from '../support/api';
import { ended, executionReader } from '../support/executions';
import type { FakeReplicate } from '../support/fakeReplicate';
import { buildWorkflow } from '../support/fixtures';
import type { Receiver } from '../support/receiver';

/** What a shape needs: the API (with its worker), a key of its account, and the local helpers. */
export interface ShapeContext {
  api: TestApi;
  accountId: string;
  key: string;
  replicate: FakeReplicate;
  receiver: Receiver;
  /** A local origin for HTTP Request nodes: `/json` answers a small JSON document. */
  originUrl: string;
}

/** One recorded shape: the executions whose histories it keeps (the last one is the shape's own). */
export interface Shape {
  name: string;
  description: string;
  /** Runs the shape and returns the execution ids to record, with the status each must have ended in. */
  run(ctx: ShapeContext): Promise<Array<{ executionId: string; status: 'completed' | 'error' | 'cancelled' }>>;
}

const inputNode = { id: 'input', type: 'request-input', config: { fields: [{ name: 'topic', type: 'string', required: true }] } };
const topicTo = (target: string, targetPort = 'topic') => ({ source: 'input', sourcePort: 'topic', target, targetPort });

async function start(ctx: ShapeContext, graph: CanvasGraph, inputs: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<string> {
  const workflow = await buildWorkflow(ctx.api.engine.db, ctx.accountId, graph);
  const response = await ctx.api.request('POST', `/api/workflows/${workflow.slug}/run?async=true`, {
    body: { inputs, ...extra },
    headers: { 'x-api-key': ctx.key },
  });
  assert.equal(response.status, 202, JSON.stringify(response.body));
  return response.body.executionId as string;
}

function reader(ctx: ShapeContext) {
  return executionReader(() => ctx.api, () => ({ 'x-api-key': ctx.key }));
}

async function settled(ctx: ShapeContext, executionId: string, status: 'completed' | 'error' | 'cancelled') {
  const execution = await reader(ctx).waitFor(executionId, ended, 90_000);
  assert.equal(execution.status, status, `${executionId}: ${JSON.stringify(execution.error)}`);
  return { executionId, status };
}

async function waiting(ctx: ShapeContext, executionId: string, stepId: string) {
  return reader(ctx).waitFor(executionId, (execution) => execution.steps.find((step: { id: string }) => step.id === stepId)?.status === 'waiting');
}

const textChain: CanvasGraph = {
  nodes: [
    inputNode,
    { id: 'draft', type: 'text-generation', config: { prompt: 'Draft about {{topic}}' } },
    { id: 'card', type: 'template', config: { template: 'Card: {{ draft }}' } },
    { id: 'output', type: 'response-output', config: {} },
  ],
  edges: [
    topicTo('draft'),
    { source: 'draft', sourcePort: 'text', target: 'card', targetPort: 'draft' },
    { source: 'card', sourcePort: 'text', target: 'output', targetPort: 'card' },
  ],
};

/** The shapes, in recording order. */
export const SHAPES: Shape[] = [
  {
    name: 'sync-text-chain',
    description: 'A synchronous run: Request Input → streamed Text Generation → Template → Response Output.',
    async run(ctx) {
      const workflow = await buildWorkflow(ctx.api.engine.db, ctx.accountId, textChain);
      const response = await ctx.api.request('POST', `/api/workflows/${workflow.slug}/run`, { body: { inputs: { topic: 'tides' } }, headers: { 'x-api-key': ctx.key } });
      assert.equal(response.status, 200, JSON.stringify(response.body));
      return [{ executionId: response.body.executionId, status: 'completed' }];
    },
  },
  {
    name: 'parallel-image',
    description: 'Parallel branches, a text and a sandbox image (sync media activity), joined by a Template.',
    async run(ctx) {
      const id = await start(
        ctx,
        {
          nodes: [
            inputNode,
            { id: 'copy', type: 'text-generation', config: { prompt: 'Copy for {{topic}}' } },
            { id: 'art', type: 'image-generation', config: { model: 'sandbox-image', prompt: 'Art of {{topic}}', width: 32, height: 32 } },
            { id: 'card', type: 'template', config: { template: '{{ copy }}' } },
            { id: 'output', type: 'response-output', config: {} },
          ],
          edges: [
            topicTo('copy'),
            topicTo('art'),
            { source: 'copy', sourcePort: 'text', target: 'card', targetPort: 'copy' },
            { source: 'card', sourcePort: 'text', target: 'output', targetPort: 'card' },
            { source: 'art', sourcePort: 'image', target: 'output', targetPort: 'image' },
          ],
        },
        { topic: 'kettles' },
      );
      return [await settled(ctx, id, 'completed')];
    },
  },
  {
    name: 'async-job-callback',
    description: 'A sandbox video job that waits and completes by its callback.',
    async run(ctx) {
      const id = await start(ctx, videoCanvas({ delayMs: 1_500 }, { pollAfterMs: 600_000 }), { topic: 'waves' });
      return [await settled(ctx, id, 'completed')];
    },
  },
  {
    name: 'async-job-polling',
    description: 'A sandbox video job that never calls back and completes by polling.',
    async run(ctx) {
      const id = await start(ctx, videoCanvas({ delayMs: 1_500, callback: false }, { pollAfterMs: 1_000, pollIntervalMs: 1_000 }), { topic: 'dunes' });
      return [await settled(ctx, id, 'completed')];
    },
  },
  {
    name: 'replicate-job',
    description: 'A Replicate prediction (fake Replicate, official client) that waits and completes by its signed webhook.',
    async run(ctx) {
      const id = await start(
        ctx,
        {
          nodes: [
            inputNode,
            { id: 'art', type: 'image-generation', config: { model: 'replicate:acme/painter', prompt: 'Poster of {{topic}}', pollAfterMs: 600_000 } },
            { id: 'output', type: 'response-output', config: {} },
          ],
          edges: [topicTo('art'), { source: 'art', sourcePort: 'image', target: 'output', targetPort: 'image' }],
        },
        { topic: 'lighthouses' },
      );
      return [await settled(ctx, id, 'completed')];
    },
  },
  {
    name: 'cancelled-while-waiting',
    description: 'A run cancelled through the API while its video job waits; the job is cancelled at the provider.',
    async run(ctx) {
      const id = await start(ctx, videoCanvas({ delayMs: 120_000 }, { pollAfterMs: 600_000 }), { topic: 'storms' });
      await waiting(ctx, id, 'clip');
      const cancel = await ctx.api.request('POST', `/api/executions/${id}/cancel`, { headers: { 'x-api-key': ctx.key } });
      assert.ok([200, 202].includes(cancel.status), JSON.stringify(cancel.body));
      return [await settled(ctx, id, 'cancelled')];
    },
  },
  {
    name: 'retries-exhausted',
    description: 'A text step whose every attempt fails (two attempts, backoff between them): the run ends in error.',
    async run(ctx) {
      const id = await start(
        ctx,
        chainOf({ id: 'draft', type: 'text-generation', config: { prompt: 'About {{topic}}', sandbox: { failFirstAttempts: 10 }, retry: { maximumAttempts: 2, initialIntervalMs: 1_000 } } }, 'text'),
        { topic: 'reefs' },
      );
      return [await settled(ctx, id, 'error')];
    },
  },
  {
    name: 'skipped-sibling',
    description: 'A parallel group where one step is rejected while its slow sibling runs: the sibling is cancelled and skipped.',
    async run(ctx) {
      const id = await start(
        ctx,
        {
          nodes: [
            inputNode,
            { id: 'slow', type: 'text-generation', config: { prompt: 'Slow {{topic}}', sandbox: { delayMs: 5_000 } } },
            { id: 'bad', type: 'image-generation', config: { model: 'sandbox-image', prompt: 'Bad {{topic}}', sandbox: { delayMs: 300, reject: true } } },
            { id: 'output', type: 'response-output', config: {} },
          ],
          edges: [
            topicTo('slow'),
            topicTo('bad'),
            { source: 'slow', sourcePort: 'text', target: 'output', targetPort: 'text' },
            { source: 'bad', sourcePort: 'image', target: 'output', targetPort: 'image' },
          ],
        },
        { topic: 'glaciers' },
      );
      return [await settled(ctx, id, 'error')];
    },
  },
  {
    name: 'replay-from-step',
    description: 'A text chain, then its replay from the Template step (the text step reused).',
    async run(ctx) {
      const original = await start(ctx, textChain, { topic: 'harbors' });
      await settled(ctx, original, 'completed');
      const replay = await ctx.api.request('POST', `/api/executions/${original}/replay`, { body: { fromStepId: 'card' }, headers: { 'x-api-key': ctx.key } });
      assert.equal(replay.status, 202, JSON.stringify(replay.body));
      return [await settled(ctx, replay.body.executionId, 'completed')];
    },
  },
  {
    name: 'several-outputs',
    description: 'Two text branches, each into its own Response Output node.',
    async run(ctx) {
      const id = await start(
        ctx,
        {
          nodes: [
            inputNode,
            { id: 'story', type: 'text-generation', config: { prompt: 'A story about {{topic}}' } },
            { id: 'summary', type: 'text-generation', config: { prompt: 'A summary of {{topic}}' } },
            { id: 'story_out', type: 'response-output', name: 'Story', config: {} },
            { id: 'brief', type: 'response-output', config: {} },
          ],
          edges: [
            topicTo('story'),
            topicTo('summary'),
            { source: 'story', sourcePort: 'text', target: 'story_out', targetPort: 'text' },
            { source: 'summary', sourcePort: 'text', target: 'brief', targetPort: 'text' },
          ],
        },
        { topic: 'orchards' },
      );
      return [await settled(ctx, id, 'completed')];
    },
  },
  {
    name: 'webhook-trigger',
    description: 'A Webhook Trigger node started by an inbound HTTP event; a Template reads its body and headers.',
    async run(ctx) {
      const workflow = await buildWorkflow(ctx.api.engine.db, ctx.accountId, {
        nodes: [
          { id: 'hook', type: 'webhook-trigger', config: {} },
          { id: 'greet', type: 'template', config: { template: 'Order {{ body.order.id }} from {{ headers.x-shop }}' } },
          { id: 'output', type: 'response-output', config: {} },
        ],
        edges: [
          { source: 'hook', sourcePort: 'body', target: 'greet', targetPort: 'body' },
          { source: 'hook', sourcePort: 'headers', target: 'greet', targetPort: 'headers' },
          { source: 'greet', sourcePort: 'text', target: 'output', targetPort: 'text' },
        ],
      });
      const hooks = await ctx.api.request('GET', `/api/workflows/${workflow.slug}/webhooks`, { headers: { 'x-api-key': ctx.key } });
      const delivery = await fetch(ctx.api.url + hooks.body.webhooks[0].path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-shop': 'corner-store' },
        body: JSON.stringify({ order: { id: 42 } }),
      });
      const answer = (await delivery.json()) as { executionId: string };
      assert.equal(delivery.status, 202, JSON.stringify(answer));
      return [await settled(ctx, answer.executionId, 'completed')];
    },
  },
  {
    name: 'claim-check-payload',
    description: 'A 270 KB input passed to the output: the workflow input, mirror writes and result are offloaded by the claim-check codec.',
    async run(ctx) {
      const id = await start(
        ctx,
        { nodes: [inputNode, { id: 'output', type: 'response-output', config: {} }], edges: [topicTo('output')] },
        // Repetitive, so the recorded payloads pack small in git.
        { topic: 'tides and harbors '.repeat(16_000) },
      );
      return [await settled(ctx, id, 'completed')];
    },
  },
  {
    name: 'http-and-result-callback',
    description: 'An HTTP Request node with an authorization header, and a signed result callback delivered after the run settles.',
    async run(ctx) {
      const id = await start(
        ctx,
        chainOf({ id: 'call', type: 'http-request', config: { url: `${ctx.originUrl}/json`, headers: { authorization: 'Bearer recorded-history-secret' } } }, 'body'),
        { topic: 'ferries' },
        { callbackUrl: ctx.receiver.url },
      );
      const result = await settled(ctx, id, 'completed');
      for (let i = 0; i < 200 && ctx.receiver.deliveries.length === 0; i++) await sleep(50);
      assert.ok(ctx.receiver.deliveries.length > 0, 'the result callback was delivered');
      // The callback activity completes after the run's row settles; give it time to land in history.
      await sleep(500);
      return [result];
    },
  },
  {
    name: 'step-timeout-while-waiting',
    description: 'A video job that outlives its 3 s step timeout: the wait ends, the job is cancelled, the run ends in error.',
    async run(ctx) {
      const id = await start(ctx, videoCanvas({ delayMs: 120_000 }, { pollAfterMs: 600_000, timeoutMs: 3_000 }), { topic: 'eclipses' });
      return [await settled(ctx, id, 'error')];
    },
  },
  {
    name: 'run-timeout',
    description: 'A run whose job outlasts the whole-run timeout (the recorder runs with RUN_TIMEOUT 12 s).',
    async run(ctx) {
      const id = await start(ctx, videoCanvas({ delayMs: 120_000 }, { pollAfterMs: 600_000 }), { topic: 'comets' });
      return [await settled(ctx, id, 'error')];
    },
  },
];

function videoCanvas(sandbox: Record<string, unknown>, extra: Record<string, unknown>): CanvasGraph {
  return {
    nodes: [
      inputNode,
      { id: 'clip', type: 'video-generation', config: { model: 'sandbox-video', prompt: 'Clip of {{topic}}', sandbox, ...extra } },
      { id: 'output', type: 'response-output', config: {} },
    ],
    edges: [topicTo('clip'), { source: 'clip', sourcePort: 'video', target: 'output', targetPort: 'video' }],
  };
}

function chainOf(node: { id: string; type: string; config: Record<string, unknown> }, port: string): CanvasGraph {
  return {
    nodes: [inputNode, node, { id: 'output', type: 'response-output', config: {} }],
    edges: [topicTo(node.id), { source: node.id, sourcePort: port, target: 'output', targetPort: port }],
  };
}

/** A local origin for HTTP Request nodes. */
export async function startOrigin(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ path: req.url, ok: true }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
