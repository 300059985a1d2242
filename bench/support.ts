// What every benchmark needs: a Temporal server (our tuned dev server, or TEMPORAL_ADDRESS), a
// fresh database, our API and worker (as their own processes, or in this one), and a few statistics helpers.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkerOptions, type WorkflowBundle } from '@temporalio/worker';
import pg from 'pg';
import { createApp } from '../src/api/app';
import { loadConfig } from '../src/config';
import { createPrisma, type Db } from '../src/db/client';
import { applyMigrations } from '../src/db/migrate';
import { createFsBlobStore } from '../src/media/fsStore';
import { createMediaLibrary } from '../src/media/library';
import type { MediaLibrary } from '../src/media/types';
import { createProviderRegistry } from '../src/providers/registry';
import { SandboxProvider } from '../src/providers/sandbox';
import { bundleWorkflows, createRunWorker, installTemporalRuntime } from '../src/runtime/worker';
import { cpuMeter, type CpuGroup } from './cpu';
import { EventHub } from '../src/events/hub';
import { Admissions } from '../src/services/admission';
import { freeLoopbackPort } from '../src/net/ports';
import { addDifference, scrapeRequestCounts, type RequestCounts } from './temporalRequests';
import { startProcess, stopProcess } from '../test/support/processes';
import { locateTemporalCli } from '../temporal/cli';
import { DEV_SERVER_TUNING, registerSearchAttributes, startDevServer, type DevServer } from '../temporal/devServer';

/** Prints a bench line. */
export const log = (message: string) => console.log(`[bench] ${message}`);

/** The bare comparison workflows (bench/bareWorkflow.ts), bundled quietly. */
export function bundleBareWorkflows(): Promise<WorkflowBundle> {
  return bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('./bareWorkflow.ts', import.meta.url)),
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error },
  });
}

/**
 * A worker of the bare comparison workflows on `taskQueue`, with the given activities (no mirror,
 * no API): what our figures are compared with. `bundle` defaults to a fresh bundle of them.
 */
export async function createBareWorker(
  temporal: BenchTemporal,
  taskQueue: string,
  activities: WorkerOptions['activities'],
  { bundle, ...options }: { bundle?: WorkflowBundle } & Partial<WorkerOptions> = {},
): Promise<Worker> {
  return Worker.create({
    connection: temporal.native,
    namespace: temporal.namespace,
    taskQueue,
    workflowBundle: bundle ?? (await bundleBareWorkflows()),
    activities,
    ...options,
  });
}

/** A Temporal server for a benchmark: the configured one, or a dev server started here. */
export interface BenchTemporal {
  address: string;
  namespace: string;
  /** What the figures were measured on, for the printed table. */
  label: string;
  /** The server's metrics page (requests by operation): the dev server's, or BENCH_TEMPORAL_METRICS_URL's for a configured one. */
  metricsUrl?: string;
  client: Client;
  native: NativeConnection;
  close(): Promise<void>;
}

/** Connects to TEMPORAL_ADDRESS, or starts a dev server (with our tuning, or `extraArgs` instead). */
export async function benchTemporal(options: { extraArgs?: string[]; dbFile?: string; label?: string } = {}): Promise<BenchTemporal> {
  installTemporalRuntime('ERROR');
  const config = loadConfig();
  let server: DevServer | undefined;
  let address = config.TEMPORAL_ADDRESS;
  const namespace = config.TEMPORAL_NAMESPACE;
  // BENCH_DEV_SERVER_CONFIG='key=json,…': dynamic config values after the tuning's (the last value of a key wins),
  // e.g. `system.forceSearchAttributesCacheRefreshOnRead=true` for the CLI's own default.
  const overrides = devServerConfigOverrides();
  // BENCH_DEV_SERVER_TUNING=off measures the dev server as the CLI starts it (the "before").
  const untuned = !options.extraArgs && process.env.BENCH_DEV_SERVER_TUNING === 'off';
  if (!address) {
    const executable = await locateTemporalCli(log);
    if (!executable) throw new Error('No Temporal CLI: set TEMPORAL_CLI_PATH or install Go.');
    const base = options.extraArgs ?? (untuned ? [] : [...DEV_SERVER_TUNING]);
    const tuning = [...base, ...overrides.flatMap((value) => ['--dynamic-config-value', value])];
    server = await startDevServer({
      executable,
      headless: true,
      ...(options.dbFile ? { dbFile: options.dbFile } : {}),
      tuning,
      log: () => undefined,
    });
    address = server.address;
  }
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace });
  if (!server) await registerSearchAttributes(connection, namespace);
  const native = await NativeConnection.connect({ address });
  // A configured server's metrics page: BENCH_TEMPORAL_METRICS_URL (`npm run temporal:cluster` prints it).
  const metricsUrl = server?.metricsUrl ?? process.env.BENCH_TEMPORAL_METRICS_URL;
  return {
    address,
    namespace,
    label:
      options.label ??
      (server
        ? `dev server (temporal server start-dev${untuned ? ', untuned' : ', DEV_SERVER_TUNING'}${overrides.map((value) => `, ${value}`).join('')})`
        : `Temporal at ${address}`),
    ...(metricsUrl ? { metricsUrl } : {}),
    client,
    native,
    async close() {
      await native.close();
      await connection.close();
      await server?.stop();
    },
  };
}

/** The dynamic config values BENCH_DEV_SERVER_CONFIG adds to the bench's dev server (`key=json`, comma-separated). */
function devServerConfigOverrides(): string[] {
  return (process.env.BENCH_DEV_SERVER_CONFIG ?? '')
    .split(',')
    .map((value) => value.trim())
    .filter((value) => value.length > 0);
}

/** A fresh database on the configured Postgres, migrated. */
export async function benchDatabase(): Promise<{ db: Db; url: string; drop(): Promise<void> }> {
  const serverUrl = loadConfig().DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  const name = `bench_${Date.now()}_${randomUUID().slice(0, 8)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await applyMigrations(url.toString());
  const db = createPrisma(url.toString(), { poolMax: loadConfig().DATABASE_POOL_MAX });
  return {
    db,
    url: url.toString(),
    async drop() {
      await db.$disconnect();
      await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** Our API and a run worker in this process, over one Temporal and one database. */
export interface BenchEngine {
  apiUrl: string;
  taskQueue: string;
  worker: Worker;
  close(): Promise<void>;
}

/** A media library on files in a temporary folder, for workers of a benchmark. */
export function benchMedia(db: Db): MediaLibrary {
  return createMediaLibrary({ db, store: createFsBlobStore(`/tmp/bench-media-${randomUUID()}`), maxBytes: 500 * 1024 * 1024 });
}

/**
 * Starts our API (HTTP on loopback) and a run worker with the sandbox provider (no delays). With
 * the database's URL, the API listens for live events as `npm start` does, so a sync run is
 * answered when its terminal status commits rather than when its workflow closes.
 */
export async function benchEngine(temporal: BenchTemporal, db: Db, databaseUrl?: string): Promise<BenchEngine> {
  const sandbox = new SandboxProvider({ tokenDelayMs: 0 });
  const providers = createProviderRegistry({ sandbox, http: { allowPrivateNetworks: true } });
  const taskQueue = `bench-${randomUUID()}`;
  const worker = await createRunWorker({
    connection: temporal.native,
    namespace: temporal.namespace,
    taskQueue,
    bundle: await bundleWorkflows(),
    deps: { db, providers, media: benchMedia(db), warn: () => undefined },
  });
  const admissions = new Admissions({ db, temporal: temporal.client, taskQueue, markup: 1, runTimeoutMs: 120_000 });
  const events = databaseUrl ? new EventHub(databaseUrl) : undefined;
  const app = createApp({
    db,
    temporal: temporal.client,
    admissions,
    ...(events ? { events } : {}),
    config: { ADMIN_TOKEN: undefined, TEMPORAL_TASK_QUEUE: taskQueue },
    log: { error: console.error, info: () => undefined },
  });
  const server: Server = createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const running = worker.run();
  return {
    apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    taskQueue,
    worker,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      worker.shutdown();
      await running;
      await events?.close();
    },
  };
}

/**
 * Our API and worker as users run them: `npm run server` and `npm run worker`, each its own
 * process, on the bench's Temporal server and database (the bench process only sends requests).
 */
export async function benchProcesses(
  temporal: BenchTemporal,
  databaseUrl: string,
  { oneProcess = false }: { oneProcess?: boolean } = {},
): Promise<Pick<BenchEngine, 'apiUrl' | 'taskQueue' | 'close'> & { apiPid: number; workerPid: number }> {
  const port = await freeLoopbackPort();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'bench-data-'));
  const taskQueue = `bench-${randomUUID()}`;
  const apiUrl = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: temporal.namespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: apiUrl,
    DATA_DIR: dataDir,
    MEDIA_STORE_URL: path.join(dataDir, 'media'),
    ADMIN_TOKEN: `bench-admin-${randomUUID()}`,
    ALLOW_PRIVATE_NETWORKS: 'true',
    // The bare side's sandbox has no delays (classic.ts): ours must not wait 2 ms per token either.
    SANDBOX_DELAY_MS: '0',
    SANDBOX_TOKEN_DELAY_MS: '0',
    LOG_LEVEL: 'warn',
    METRICS_ADDRESS: '127.0.0.1:0',
    TEMPORAL_METRICS_ADDRESS: '',
    NODE_ENV: 'production',
  };
  // BENCH_CPU_PROF=<folder>: both processes write V8 CPU profiles there when they stop (open them in Chrome's DevTools).
  const profile = process.env.BENCH_CPU_PROF ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_CPU_PROF)}`] } : {};
  // `npm start`: API and worker in one process, as the quick start runs them; otherwise each its own.
  const procs = oneProcess
    ? [startProcess('start', env, /Builder Studio run engine is up/, profile)]
    : [startProcess('server', env, /\[api\] listening on (http:\/\/\S+)/, profile), startProcess('worker', env, /\[worker\] polling/, profile)];
  try {
    await Promise.all(procs.map((proc) => proc.ready));
  } catch (err) {
    await Promise.all(procs.map((proc) => stopProcess(proc, 'SIGKILL')));
    throw err;
  }
  return {
    apiUrl,
    taskQueue,
    apiPid: procs[0]!.child.pid!,
    workerPid: procs.at(-1)!.child.pid!,
    async close() {
      await Promise.all(procs.map((proc) => stopProcess(proc)));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** What a system's rounds measured, summed over the rounds: the figures are computed over all of them. */
export interface Measured {
  soloTimes: number[];
  times: number[];
  elapsedMs: number;
  errors: number;
  firstError?: string;
  /** CPU per process group, ms. */
  cpu: Map<string, number>;
  /** The Temporal server's requests and persistence calls during the loaded runs, by operation (bench/temporalRequests.ts). */
  requests: RequestCounts;
}

export function emptyMeasured(): Measured {
  return { soloTimes: [], times: [], elapsedMs: 0, errors: 0, cpu: new Map(), requests: new Map() };
}

/**
 * One round of one system: a warm-up, `soloRuns` solo runs, then `runs` at `concurrency` with the
 * CPU of `cpuGroups` metered; adds it all to `sum` and returns the round's own load and CPU.
 */
export async function measureRound(
  run: () => Promise<unknown>,
  { runs, concurrency, soloRuns, cpuGroups, metricsUrl }: { runs: number; concurrency: number; soloRuns: number; cpuGroups: CpuGroup[]; metricsUrl?: string },
  sum: Measured,
): Promise<{ load: Awaited<ReturnType<typeof loaded>>; used: Map<string, number> }> {
  await loaded(Math.min(runs, 2 * concurrency), concurrency, run);
  sum.soloTimes.push(...(await solo(soloRuns, run)));
  const before = await scrapeRequestCounts(metricsUrl);
  const meter = cpuMeter(cpuGroups);
  const load = await loaded(runs, concurrency, run);
  const used = meter.stop();
  // The server reports its counters every second or so: the scrape waits for the load's last ones.
  if (metricsUrl) await new Promise((resolve) => setTimeout(resolve, 1_500));
  addDifference(sum.requests, before, await scrapeRequestCounts(metricsUrl));
  for (const [group, spent] of used) sum.cpu.set(group, (sum.cpu.get(group) ?? 0) + spent);
  sum.times.push(...load.times);
  sum.elapsedMs += load.elapsedMs;
  sum.errors += load.errors;
  sum.firstError ??= load.firstError;
  return { load, used };
}

/** The p-th percentile (nearest rank) of some values. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Milliseconds a call takes, with its value. */
export async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const start = performance.now();
  const value = await fn();
  return [performance.now() - start, value];
}

/** Latencies of `count` calls made one after the other. */
export async function solo(count: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) times.push((await timed(() => fn(i)))[0]);
  return times;
}

/** `count` calls, `concurrency` at a time: the latency of each call that succeeded, the failures and the elapsed time. */
export async function loaded(
  count: number,
  concurrency: number,
  fn: (i: number) => Promise<unknown>,
): Promise<{ times: number[]; errors: number; firstError?: string; elapsedMs: number }> {
  const times: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  const [elapsedMs] = await timed(() =>
    Promise.all(
      Array.from({ length: Math.min(concurrency, count) }, async () => {
        while (next < count) {
          const i = next++;
          try {
            times.push((await timed(() => fn(i)))[0]);
          } catch (err) {
            errors += 1;
            firstError ??= err instanceof Error ? err.message : String(err);
          }
        }
      }),
    ),
  );
  return { times, errors, ...(firstError ? { firstError } : {}), elapsedMs };
}

/** A number of milliseconds as the table prints it. */
export const ms = (value: number) => `${Math.round(value).toLocaleString('en-US')} ms`;

/** An integer from the environment, or a default. */
export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}".`);
  return value;
}
