// `npm run bench`: starts what it needs (a dev server, a fresh database, API and worker in this
// process) and prints figures from one run. No assertions: compare the ratios, not absolutes.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import pg from 'pg';
import { createStepActivities } from '../src/activities/steps';
import { ProgressOutbox } from '../src/activities/progressOutbox';
import type { StepProgress } from '../src/activities/stepProgress';
import { createApp } from '../src/api/app';
import { loadConfig } from '../src/config';
import { createPrisma } from '../src/db/client';
import { createFsBlobStore } from '../src/media/fsStore';
import { createMediaLibrary } from '../src/media/library';
import { applyMigrations } from '../src/db/migrate';
import { seedDemo } from '../src/demo/seed';
import { planRun } from '../src/domain/planner';
import { PARALLEL_MEDIA } from '../src/demo/workflows';
import { createProviderRegistry } from '../src/providers/registry';
import { SandboxProvider } from '../src/providers/sandbox';
import { bundleWorkflows, createRunWorker, installTemporalRuntime } from '../src/runtime/worker';
import { Admissions } from '../src/services/admission';
import { locateTemporalCli } from '../temporal/cli';
import { startDevServer } from '../temporal/devServer';

const ADMISSIONS = Number(process.env.BENCH_ADMISSIONS ?? 200);
const SYNC_RUNS = Number(process.env.BENCH_SYNC_RUNS ?? 30);
const CONCURRENT = 16;
const CONCURRENT_RUNS = Number(process.env.BENCH_CONCURRENT_RUNS ?? 160);

installTemporalRuntime('ERROR');
const config = loadConfig();
const log = (message: string) => console.log(`[bench] ${message}`);

// A fresh database on the configured server (default: the local one).
const serverUrl = config.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const dbName = `bench_${Date.now()}`;
const admin = new pg.Client({ connectionString: serverUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const url = new URL(serverUrl);
url.pathname = `/${dbName}`;
const databaseUrl = url.toString();
await applyMigrations(databaseUrl);
const db = createPrisma(databaseUrl);

const executable = await locateTemporalCli(log);
if (!executable) throw new Error('No Temporal CLI: set TEMPORAL_CLI_PATH or install Go.');
const temporalServer = await startDevServer({ executable, headless: true, log });
const connection = await Connection.connect({ address: temporalServer.address });
const client = new Client({ connection });
const native = await NativeConnection.connect({ address: temporalServer.address });

const sandbox = new SandboxProvider({ tokenDelayMs: 0 });
const media = createMediaLibrary({ db, store: createFsBlobStore(`/tmp/${dbName}-media`), maxBytes: 500 * 1024 * 1024 });
const providers = createProviderRegistry({ sandbox, http: { allowPrivateNetworks: true } });
const taskQueue = `bench-${randomUUID()}`;
const worker = await createRunWorker({ connection: native, namespace: 'default', taskQueue, bundle: await bundleWorkflows(), deps: { db, providers, media, warn: () => undefined } });

// Baseline: same activities, no progress writes, no mirror, no API.
const noProgress = {
  open: (_executionId: string, stepId: string, attempt: number) => new ProgressOutbox(stepId, attempt, async () => undefined, () => undefined, () => undefined),
  attemptStarted: async () => undefined,
} as unknown as StepProgress;
const bareQueue = `${taskQueue}-bare`;
const bareWorker = await Worker.create({
  connection: native,
  taskQueue: bareQueue,
  workflowBundle: await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL('./bareWorkflow.ts', import.meta.url)), logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error } }),
  activities: createStepActivities({ providers, progress: noProgress, media }),
});

const admissions = new Admissions({ db, temporal: client, taskQueue, markup: 1, runTimeoutMs: 60_000 });
const app = createApp({ db, temporal: client, admissions, config: { ADMIN_TOKEN: undefined, TEMPORAL_TASK_QUEUE: taskQueue }, log: { error: console.error, info: () => undefined } });
const server = createServer(app.callback());
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const demo = await seedDemo(db, `/tmp/${dbName}`);

const runUrl = `${apiUrl}/api/workflows/demo-parallel-media/run`;
const post = (query = '') =>
  fetch(runUrl + query, {
    method: 'POST',
    headers: { 'x-api-key': demo.apiKey, 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: { product: `kettle ${randomUUID()}` } }),
  }).then(async (response) => {
    const body = await response.json();
    if (response.status >= 300) throw new Error(`${response.status} ${JSON.stringify(body)}`);
    return body as { executionId: string };
  });

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const timed = async <T>(fn: () => Promise<T>): Promise<[number, T]> => {
  const start = performance.now();
  const value = await fn();
  return [performance.now() - start, value];
};
const ms = (value: number) => `${value.toFixed(1)} ms`;

await Promise.all([
  worker.runUntil(async () => {
    await bareWorker.runUntil(async () => {
      // Warm up both paths (workflow cache, connections, JIT).
      for (let i = 0; i < 5; i++) {
        await post();
        await client.workflow.execute('bareRun', { taskQueue: bareQueue, workflowId: `bare-warm-${i}-${randomUUID()}`, args: [`w${i}`, planRun(PARALLEL_MEDIA), { product: 'warm', tone: 'playful' }] });
      }

      log(`async admission: ${ADMISSIONS} sequential POST ?async=true`);
      const admissionTimes: number[] = [];
      const admitted: string[] = [];
      for (let i = 0; i < ADMISSIONS; i++) {
        const [elapsed, body] = await timed(() => post('?async=true'));
        admissionTimes.push(elapsed);
        admitted.push(body.executionId);
      }
      await Promise.all(admitted.map((id) => client.workflow.getHandle(id).result()));

      log(`sync runs: ${SYNC_RUNS} sequential, API vs bare workflow`);
      const syncTimes: number[] = [];
      const bareTimes: number[] = [];
      const plan = planRun(PARALLEL_MEDIA);
      for (let i = 0; i < SYNC_RUNS; i++) {
        syncTimes.push((await timed(() => post()))[0]);
        bareTimes.push(
          (await timed(() => client.workflow.execute('bareRun', { taskQueue: bareQueue, workflowId: `bare-${randomUUID()}`, args: [`b${i}`, plan, { product: `kettle ${i}`, tone: 'playful' }] })))[0],
        );
      }

      log(`throughput: ${CONCURRENT_RUNS} sync runs, ${CONCURRENT} at a time`);
      let next = 0;
      const [elapsed] = await timed(() =>
        Promise.all(
          Array.from({ length: CONCURRENT }, async () => {
            while (next < CONCURRENT_RUNS) {
              next += 1;
              await post();
            }
          }),
        ),
      );

      const syncP50 = percentile(syncTimes, 50);
      const bareP50 = percentile(bareTimes, 50);
      console.log(`
Benchmark (demo-parallel-media: 3 parallel provider steps + 3 inline steps, sandbox with no token delay)
  async admission           p50 ${ms(percentile(admissionTimes, 50))}   p99 ${ms(percentile(admissionTimes, 99))}   (n=${ADMISSIONS})
  sync run via API          p50 ${ms(syncP50)}   p99 ${ms(percentile(syncTimes, 99))}   (n=${SYNC_RUNS})
  bare Temporal workflow    p50 ${ms(bareP50)}   p99 ${ms(percentile(bareTimes, 99))}   (n=${SYNC_RUNS}, same activities, no mirror, no API)
  ratio sync / bare         ${(syncP50 / bareP50).toFixed(2)}×
  throughput                ${(CONCURRENT_RUNS / (elapsed / 1000)).toFixed(1)} runs/s at ${CONCURRENT} concurrent (${CONCURRENT_RUNS} runs in ${ms(elapsed)})
`);
    });
  }),
]);

server.close();
await db.$disconnect();
await connection.close();
await native.close();
await temporalServer.stop();
await admin.query(`DROP DATABASE ${dbName} WITH (FORCE)`);
await admin.end();
