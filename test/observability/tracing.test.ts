// One OpenTelemetry trace per run: the API request, admission, the workflow start and run, each
// activity and the provider call, read back from an in-memory exporter.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { createApp } from '../../src/api/app';
import { createProviderRegistry } from '../../src/providers/registry';
import { SandboxProvider } from '../../src/providers/sandbox';
import { startTracing, type Tracing } from '../../src/observability/tracing';
import { bundleWorkflows, createRunWorker } from '../../src/runtime/worker';
import { Admissions } from '../../src/services/admission';
import { startTestEngine, type TestEngine } from '../support/engine';
import { buildAccount, buildApiKey, buildWorkflow, chain } from '../support/fixtures';

describe('tracing', function () {
  let engine: TestEngine;
  let tracing: Tracing;
  let worker: Worker;
  let running: Promise<void>;
  let server: Server;
  let url: string;
  const exporter = new InMemorySpanExporter();

  before(async () => {
    engine = await startTestEngine();
    tracing = startTracing({ serviceName: 'builder-test', spanProcessor: new SimpleSpanProcessor(exporter) })!;
    const client = new Client({ connection: engine.env.connection, namespace: engine.env.namespace ?? 'default', interceptors: tracing.clientInterceptors });
    const providers = createProviderRegistry({ sandbox: new SandboxProvider({ tokenDelayMs: 0 }), http: { allowPrivateNetworks: true } });
    worker = await createRunWorker({
      connection: engine.env.nativeConnection,
      namespace: engine.env.namespace ?? 'default',
      taskQueue: engine.taskQueue,
      bundle: await bundleWorkflows({ tracing: true }),
      deps: { db: engine.db, providers, media: engine.media, warn: () => undefined },
      tracing,
    });
    running = worker.run();
    const admissions = new Admissions({ db: engine.db, temporal: client, taskQueue: engine.taskQueue, markup: 1, runTimeoutMs: 60_000 });
    const app = createApp({
      db: engine.db,
      temporal: client,
      admissions,
      config: { ADMIN_TOKEN: undefined, TEMPORAL_TASK_QUEUE: engine.taskQueue },
      log: { error: (obj) => console.error('API error', obj), info: () => undefined },
    });
    server = createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    worker?.shutdown();
    await running?.catch(() => undefined);
    await tracing?.shutdown();
    await engine?.close();
  });

  it('is off unless an OTLP endpoint or a span processor is given', () => {
    assert.equal(startTracing({ serviceName: 'off' }), undefined);
  });

  it('records one trace per run from the API request through admission, the workflow and each activity to the provider call', async () => {
    const account = await buildAccount(engine.db);
    const key = (await buildApiKey(engine.db, account.id)).secret;
    const graph = chain(
      [
        { id: 'draft', type: 'text-generation', config: { model: 'sandbox-text', prompt: 'Draft {{topic}}' } },
        { id: 'polish', type: 'text-generation', config: { model: 'sandbox-text', prompt: 'Polish {{draft}}' }, from: ['draft'] },
      ],
      'polish',
    );
    const { slug } = await buildWorkflow(engine.db, account.id, graph);
    exporter.reset();

    const response = await fetch(`${url}/api/workflows/${slug}/run`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: { topic: 'tides' } }),
    });
    const body = (await response.json()) as { success: boolean; executionId: string };
    assert.equal(response.status, 200);
    assert.equal(body.success, true);
    // The workflow's spans leave the sandbox through a sink, after its last activation.
    for (let tries = 0; tries < 100 && !exporter.getFinishedSpans().some((span) => span.name === 'RunWorkflow:runExecution'); tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const spans = exporter.getFinishedSpans();
    const request = spans.find((span) => span.name === 'POST /api/workflows/:slug/run');
    assert.ok(request, `a request span among ${spans.map((s) => s.name).join(', ')}`);
    const traceId = request.spanContext().traceId;
    const inTrace = spans.filter((span) => span.spanContext().traceId === traceId);
    const byId = new Map(inTrace.map((span) => [span.spanContext().spanId, span]));
    const parentOf = (span: ReadableSpan) => (span.parentSpanId ? byId.get(span.parentSpanId) : undefined);
    const ancestors = (span: ReadableSpan) => {
      const names: string[] = [];
      for (let at = parentOf(span); at; at = parentOf(at)) names.push(at.name);
      return names;
    };
    const named = (name: string) => inTrace.filter((span) => span.name === name);

    assert.equal(request.parentSpanId, undefined, 'the request span is the root');
    const [admission] = named('admission');
    assert.ok(admission);
    assert.equal(admission.attributes['builder.execution_id'], body.executionId);
    assert.equal(parentOf(admission), request);
    assert.deepEqual(ancestors(named('StartWorkflow:runExecution')[0]!), ['admission', request.name]);
    assert.deepEqual(ancestors(named('RunWorkflow:runExecution')[0]!), ['StartWorkflow:runExecution', 'admission', request.name]);

    const providerCalls = named('provider text.generateText');
    assert.equal(providerCalls.length, 2, 'one provider span per step');
    for (const call of providerCalls) {
      assert.equal(call.attributes['builder.model'], 'sandbox-text');
      const chainOfCall = ancestors(call);
      assert.deepEqual(chainOfCall.slice(0, 2), ['RunActivity:generateText', 'StartActivity:generateText']);
      assert.ok(chainOfCall.includes('RunWorkflow:runExecution') && chainOfCall.at(-1) === request.name, chainOfCall.join(' < '));
    }
  });
});
