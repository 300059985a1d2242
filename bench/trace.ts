// Where the time of a run goes: runs the DAG (text-generation steps, or template steps with
// TRACE_WORKFLOW=dag-inline; or the classic bench's run with TRACE_WORKFLOW=demo-parallel-media)
// solo with tracing into an in-memory exporter and prints the span tree of the median run, each
// span with its start offset from the request and its duration.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Client } from '@temporalio/client';
import { EventHub } from '../src/events/hub';
import { createApp } from '../src/api/app';
import { startTracing } from '../src/observability/tracing';
import { createProviderRegistry } from '../src/providers/registry';
import { SandboxProvider } from '../src/providers/sandbox';
import { bundleWorkflows, createRunWorker } from '../src/runtime/worker';
import { Admissions } from '../src/services/admission';
import { generateApiKey } from '../src/services/apiKeys';
import { PARALLEL_MEDIA } from '../src/demo/workflows';
import { DAG_INLINE, DAG_TEXT } from './dag';
import { benchDatabase, benchMedia, benchTemporal, envInt, log, solo } from './support';

/** What TRACE_WORKFLOW can name: the DAG with text or template steps, or the classic bench's demo run. */
const TRACED: Record<string, { graph: unknown; inputs: () => Record<string, unknown> }> = {
  'dag-text': { graph: DAG_TEXT, inputs: () => ({ topic: randomUUID() }) },
  'dag-inline': { graph: DAG_INLINE, inputs: () => ({ topic: randomUUID() }) },
  'demo-parallel-media': { graph: PARALLEL_MEDIA, inputs: () => ({ product: `kettle ${randomUUID()}` }) },
};

const toMs = (time: [number, number]) => time[0] * 1000 + time[1] / 1e6;

/** Runs TRACE_RUNS solo DAG runs with tracing and prints the median run's span tree. */
export async function traceBench(): Promise<void> {
  const runs = envInt('TRACE_RUNS', 15);
  // An unknown name traces the text DAG, as before.
  const named = process.env.TRACE_WORKFLOW;
  const slug = named && Object.hasOwn(TRACED, named) ? named : 'dag-text';
  const { graph, inputs } = TRACED[slug]!;
  const exporter = new InMemorySpanExporter();
  const tracing = startTracing({ serviceName: 'bench', spanProcessor: new SimpleSpanProcessor(exporter) })!;
  const temporal = await benchTemporal();
  const database = await benchDatabase();
  const { db } = database;
  const taskQueue = `trace-${randomUUID()}`;
  const client = new Client({ connection: temporal.client.connection, namespace: temporal.namespace, interceptors: tracing.clientInterceptors });
  const worker = await createRunWorker({
    connection: temporal.native,
    namespace: temporal.namespace,
    taskQueue,
    bundle: await bundleWorkflows({ tracing: true }),
    deps: { db, providers: createProviderRegistry({ sandbox: new SandboxProvider({ tokenDelayMs: 0 }) }), media: benchMedia(db), warn: () => undefined },
    tracing,
  });
  const admissions = new Admissions({ db, temporal: client, taskQueue, markup: 1, runTimeoutMs: 60_000 });
  // The live-event listener, as `npm start` and `npm run server` have it: a sync run is answered when its end commits.
  const events = new EventHub(database.url);
  const app = createApp({ db, temporal: client, admissions, events, config: { ADMIN_TOKEN: undefined, TEMPORAL_TASK_QUEUE: taskQueue }, log: { error: console.error, info: () => undefined } });
  const server: Server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const accountId = `acct_${randomUUID()}`;
  await db.account.create({ data: { id: accountId, name: 'Trace', tier: 'enterprise', approved: true, creditBalance: 1_000_000, webhookSecret: `whsec_${randomBytes(8).toString('hex')}` } });
  const key = generateApiKey();
  await db.apiKey.create({ data: { id: `key_${randomUUID()}`, accountId, prefix: key.prefix, hash: key.hash, capabilities: ['workflow:run'] } });
  await db.workflow.create({ data: { id: `wf_${randomUUID()}`, accountId, slug, name: slug, canvasId: `cnv_${randomUUID()}`, graph: graph as object } });

  const durations: number[] = [];
  try {
    await worker.runUntil(async () => {
      const post = () =>
        fetch(`${url}/api/workflows/${slug}/run`, {
          method: 'POST',
          headers: { 'x-api-key': key.secret, 'content-type': 'application/json' },
          body: JSON.stringify({ inputs: inputs() }),
        }).then((response) => response.json());
      await solo(3, post);
      log(`trace: ${runs} solo runs of ${slug}`);
      exporter.reset();
      durations.push(...(await solo(runs, post)));
      // Workflow spans leave the sandbox through a sink after the last activation.
      await new Promise((resolve) => setTimeout(resolve, 1000));
    });
  } finally {
    server.close();
    await events.close();
    await database.drop();
    await temporal.close();
  }

  const spans = exporter.getFinishedSpans();
  await tracing.shutdown();
  const roots = spans.filter((span) => span.name === 'POST /api/workflows/:slug/run').sort((a, b) => toMs(a.duration) - toMs(b.duration));
  const median = roots[Math.floor(roots.length / 2)];
  if (!median) throw new Error('no request spans recorded');
  const inTrace = spans.filter((span) => span.spanContext().traceId === median.spanContext().traceId);
  const children = new Map<string | undefined, ReadableSpan[]>();
  for (const span of inTrace) children.set(span.parentSpanId, [...(children.get(span.parentSpanId) ?? []), span]);
  const origin = toMs(median.startTime);
  const lines: string[] = [];
  const walk = (span: ReadableSpan, depth: number) => {
    lines.push(`${'  '.repeat(depth)}${span.name.padEnd(44 - 2 * depth)} +${(toMs(span.startTime) - origin).toFixed(1).padStart(7)} ms  ${toMs(span.duration).toFixed(1).padStart(7)} ms`);
    for (const child of (children.get(span.spanContext().spanId) ?? []).sort((a, b) => toMs(a.startTime) - toMs(b.startTime))) walk(child, depth + 1);
  };
  walk(median, 0);
  console.log(`\nThe median traced run (${toMs(median.duration).toFixed(0)} ms of ${roots.length}; span, start offset, duration):\n`);
  console.log(lines.join('\n'));
  console.log('');
}
