// Builds the run worker: the workflow bundle (built once), activities from their dependencies,
// and concurrency limits.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type LogLevel, type NativeConnection, type WorkerDeploymentOptions, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { createActivities, type ActivityDeps } from '../activities';
import { silentLogger, type Logger } from '../observability/logger';
import { traceProviders, WORKFLOW_TRACING_MODULE, type Tracing } from '../observability/tracing';
import { stepObservability } from '../observability/worker';
import { projectPath } from '../paths';
import { resolveBuildId } from './buildId';

const execFileAsync = promisify(execFile);
/**
 * The bundler's child: next to this module, as JavaScript when this runs compiled
 * (dist/server/bundleMain.js, see scripts/build.mjs), as TypeScript with tsx's loader when it runs
 * from the sources (the loader is in execArgv unless it was registered from code, as bin/run.js does).
 */
const FROM_SOURCES = import.meta.url.endsWith('.ts');
const BUNDLER_PATH = fileURLToPath(new URL(FROM_SOURCES ? './bundleMain.ts' : './bundleMain.js', import.meta.url));
const BUNDLER_LOADER = FROM_SOURCES && !process.execArgv.some((arg) => arg.includes('tsx')) ? ['--import', import.meta.resolve('tsx')] : [];

/** This process's node flags for the bundler's child, minus code given with -e/-p (which the child would run again) and its --input-type. */
function bundlerExecArgv(): string[] {
  const kept: string[] = [];
  for (let i = 0; i < process.execArgv.length; i++) {
    const arg = process.execArgv[i]!;
    if (['-e', '--eval', '-p', '--print', '--input-type'].includes(arg)) i++;
    else if (!/^--(eval|print|input-type)=/.test(arg)) kept.push(arg);
  }
  return kept;
}

/** Path of the workflow bundle's entry point: webpack bundles it from the TypeScript sources. */
export const WORKFLOWS_PATH = projectPath('src', 'workflows', 'index.ts');
/** Preloaded into the reusable V8 context unless the bundle keeps stack traces (see the module). */
const NO_STACK_TRACES_PATH = projectPath('src', 'workflows', 'noStackTraces.ts');

let runtimeInstalled = false;
/**
 * Sets the Temporal SDK's log level and, given a `host:port`, serves the SDK's own worker metrics
 * there in Prometheus format; call before the first connection (later calls are ignored).
 */
export function installTemporalRuntime(level: LogLevel = 'WARN', metricsBindAddress?: string): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({
      logger: new DefaultLogger(level),
      // Our entry points stop the worker on SIGINT/SIGTERM themselves (then the rest, in order); the
      // SDK's own handlers would shut it down a second time, concurrently, and its core warns about that.
      shutdownSignals: [],
      ...(metricsBindAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metricsBindAddress } } } } : {}),
    });
  } catch {
    // Already installed by someone else (tests install their own): keep theirs.
  }
}

/**
 * Bundles the workflow code; do it once per process and reuse the bundle for every worker. The
 * bundler runs in a short-lived child process: webpack's heap (about 150 MB) would otherwise stay
 * in the worker's RSS for good. Falls back to bundling here when no child can be started. With
 * `tracing`, the bundle includes the OpenTelemetry workflow interceptors (a worker with tracing needs it).
 */
export async function bundleWorkflows(options: BundleOptions = {}): Promise<WorkflowBundleWithSourceMap> {
  const dir = await mkdtemp(path.join(tmpdir(), 'builder-bundle-'));
  const out = path.join(dir, 'bundle.json');
  try {
    await execFileAsync(process.execPath, [...bundlerExecArgv(), ...BUNDLER_LOADER, BUNDLER_PATH, out, ...(options.tracing ? ['--tracing'] : []), ...(options.stackTraces ? ['--stack-traces'] : [])], { maxBuffer: 16 * 1024 * 1024 });
    return JSON.parse(await readFile(out, 'utf8')) as WorkflowBundleWithSourceMap;
  } catch {
    return bundleWorkflowsHere(options);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** What a workflow bundle holds besides the workflows. */
export interface BundleOptions {
  /** The OpenTelemetry workflow interceptors. */
  tracing?: boolean;
  /** Stack traces in workflow code (WORKFLOW_STACK_TRACES): off, the bundle preloads src/workflows/noStackTraces.ts. */
  stackTraces?: boolean;
}

/** Bundles the workflow code in this process. */
export async function bundleWorkflowsHere(options: BundleOptions = {}): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    logger: quietBundlerLogger,
    // Runs once per reusable V8 context, before its globals are frozen.
    ...(options.stackTraces ? {} : { preloadModules: [NO_STACK_TRACES_PATH] }),
    ...(options.tracing ? { workflowInterceptorModules: [WORKFLOW_TRACING_MODULE] } : {}),
  });
}

/** Options of a run worker. */
export interface RunWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  bundle: WorkflowBundleWithSourceMap;
  deps: ActivityDeps;
  maxConcurrentActivities?: number;
  maxConcurrentWorkflowTasks?: number;
  /** Must match the client's: the claim-check payload codec (see src/media/payloadCodec.ts). */
  dataConverter?: DataConverter;
  /** Step attempt logs (with execution and step ids); silent when unset. Step metrics are always recorded. */
  logger?: Logger;
  /** Spans for activities and provider calls; the bundle must be built with `tracing: true`. */
  tracing?: Tracing;
  /** The build id reported to Temporal (default: package version + git commit, see buildId.ts). */
  buildId?: string;
  /** Worker Versioning: the deployment's name and how runs are routed (default `off`: reported, not routed). */
  versioning?: { deploymentName: string; mode: 'off' | 'pinned' | 'auto-upgrade' };
}

/** The deployment options a worker reports: always its version; routing by version only when asked. */
export function workerDeploymentOptions(buildId: string, versioning: RunWorkerOptions['versioning'] = { deploymentName: 'builder-studio', mode: 'off' }): WorkerDeploymentOptions {
  const version = { deploymentName: versioning.deploymentName, buildId };
  if (versioning.mode === 'off') return { version, useWorkerVersioning: false };
  return { version, useWorkerVersioning: true, defaultVersioningBehavior: versioning.mode === 'pinned' ? 'PINNED' : 'AUTO_UPGRADE' };
}

/** Creates a worker that executes runs. */
export async function createRunWorker(options: RunWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workerDeploymentOptions: workerDeploymentOptions(options.buildId ?? resolveBuildId(), options.versioning),
    workflowBundle: options.bundle,
    activities: createActivities(options.tracing ? { ...options.deps, providers: traceProviders(options.deps.providers) } : options.deps),
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities ?? 200,
    maxConcurrentLocalActivityExecutions: options.maxConcurrentActivities ?? 200,
    maxConcurrentWorkflowTaskExecutions: options.maxConcurrentWorkflowTasks ?? 100,
    maxCachedWorkflows: 1000,
    interceptors: {
      // The tracing interceptor first, so the step logs and metrics run inside the activity's span.
      activity: [...(options.tracing ? [options.tracing.activityInterceptor] : []), stepObservability(options.logger ?? silentLogger)],
    },
    ...(options.tracing ? { sinks: options.tracing.sinks } : {}),
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
  });
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string, meta?: unknown) => console.warn(message, meta ?? ''),
  error: (message: string, meta?: unknown) => console.error(message, meta ?? ''),
};
