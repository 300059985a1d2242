// Runs `temporal server start-dev` as a child process for `npm start` and local work, and
// registers our search attributes on any cluster (dev server, self-hosted or Cloud).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../src/workflows/searchAttributes';

// Registration on any cluster is production code (workers do it at start); re-exported for the bench.
export { registerSearchAttributes, SearchAttributeRegistrationError } from '../src/runtime/searchAttributes';

/** Options for {@link startDevServer}. */
export interface DevServerOptions {
  /** Path of the `temporal` CLI (see locateTemporalCli). */
  executable: string;
  /** SQLite file that keeps state across restarts; in-memory when unset. */
  dbFile?: string;
  /** Frontend gRPC port; a free one when unset. */
  port?: number;
  /** Web UI port; a free one when unset (ignored when headless). */
  uiPort?: number;
  /** The server's HTTP API port; a free one (checked on loopback) when unset, rather than the CLI's pick on any interface. */
  httpPort?: number;
  /** The server's own `/metrics` port; a free one when unset. */
  metricsPort?: number;
  headless?: boolean;
  /** Namespace to create and wait for (default `default`). */
  namespace?: string;
  log?: (m: string) => void;
  /** How long to wait for the frontend to answer (default 60 s). */
  readyTimeoutMs?: number;
  /** Extra server flags replacing {@link DEV_SERVER_TUNING} (the hop probe compares settings). */
  tuning?: readonly string[];
  /** The Web UI's remote codec endpoint (`--ui-codec-endpoint`): our /api/temporal-codec, so the UI shows decrypted payloads. */
  uiCodecEndpoint?: string;
}

/** A running dev server. */
export interface DevServer {
  /** `host:port` of the frontend. */
  address: string;
  namespace: string;
  uiUrl?: string;
  /** The server's Prometheus metrics (`/metrics`): requests and persistence calls by operation; unset when unknown. */
  metricsUrl?: string;
  /** Stops the server and everything it spawned; safe to call twice. */
  stop(): Promise<void>;
}

/** Thrown when the dev server exits or does not answer in time. */
export class DevServerStartError extends Error {
  override readonly name = 'DevServerStartError';
}

const HOST = '127.0.0.1';

/**
 * Dynamic config of the dev server (see {@link DEV_SERVER_TUNING}; figures in the README's
 * "Performance" section, from `npm run bench -- hop`).
 */
export const DEV_SERVER_DYNAMIC_CONFIG: Readonly<Record<string, unknown>> = {
  // The worker that schedules an activity takes it in its workflow task completion: no trip
  // through matching and no activity poll for the common case (one queue, one worker kind).
  'system.enableActivityEagerExecution': true,
  // One queue partition: a local server has a handful of pollers, and with four partitions a task
  // can land on a partition nobody is polling and wait to be forwarded.
  'matching.numTaskqueueReadPartitions': 1,
  'matching.numTaskqueueWritePartitions': 1,
  // The dev server has one history shard, whose transfer queue (which hands new workflow and
  // activity tasks to matching) reads at most 20 times a second by default: under load every
  // dispatch waits for the next read.
  'history.transferProcessorMaxPollRPS': 200,
  // Fair dispatch between accounts: each run carries its account as fairness key
  // (src/services/runPriority.ts). Without these, one account's backlog of 200 runs held another
  // account's single run back 54 s; with them, 4 s (`npm run bench -- fairness`, README "Fairness").
  'matching.useNewMatcher': true,
  'matching.enableFairness': true,
  // The CLI turns this on so that a search attribute added at run time is seen at once; the server's
  // own default (and production's) is off: "should not be turned on in production". On, every
  // start, upsert and visibility write that reads the search attributes re-reads the cluster's
  // metadata from the database (8 reads per bare DAG run, 17 per run carrying search attributes,
  // `npm run bench -- dag`). Ours are all declared when the server starts (--search-attribute), and
  // one added later through the operator API refreshes the frontend's cache; elsewhere within 60 s.
  'system.forceSearchAttributesCacheRefreshOnRead': false,
};

/** Flags that take the per-task delays out of the dev server; measured by `npm run bench -- hop`. */
export const DEV_SERVER_TUNING: readonly string[] = Object.entries(DEV_SERVER_DYNAMIC_CONFIG).flatMap(([key, value]) => [
  '--dynamic-config-value',
  `${key}=${JSON.stringify(value)}`,
]);

/** Starts `temporal server start-dev` on loopback and resolves once its frontend serves the namespace. */
export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const log = opts.log ?? (() => undefined);
  const namespace = opts.namespace ?? 'default';
  const port = opts.port ?? (await freePort());
  const uiPort = opts.headless ? undefined : (opts.uiPort ?? (await freePort()));

  // Every port is chosen here: left to the CLI, the HTTP and metrics ports land anywhere, e.g. in a range another program uses.
  const httpPort = opts.httpPort ?? (await freePort());
  const metricsPort = opts.metricsPort ?? (await freePort());
  const args = ['server', 'start-dev', '--ip', HOST, '--port', String(port), '--http-port', String(httpPort), '--metrics-port', String(metricsPort), '--log-level', 'warn'];
  if (opts.dbFile) {
    const dbFile = path.resolve(opts.dbFile);
    await mkdir(path.dirname(dbFile), { recursive: true });
    // The default rollback journal caps the dev server near 50 workflows/s; WAL lifts that.
    args.push('--db-filename', dbFile, '--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=NORMAL');
  }
  // "default" always exists; naming it again is harmless but noisy.
  if (namespace !== 'default') args.push('--namespace', namespace);
  for (const { name, type } of SEARCH_ATTRIBUTE_DEFINITIONS) args.push('--search-attribute', `${name}=${type}`);
  args.push(...(opts.tuning ?? DEV_SERVER_TUNING));
  if (uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(uiPort), ...(opts.uiCodecEndpoint ? ['--ui-codec-endpoint', opts.uiCodecEndpoint] : []));

  log(`Starting the Temporal dev server on ${HOST}:${port}${opts.dbFile ? ` (state in ${opts.dbFile})` : ''}…`);
  // Its own process group, so stop() also reaches anything it spawns.
  const child = spawn(opts.executable, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = tail(child);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
    // A spawn failure (missing or non-executable file) emits 'error' and never 'exit'.
    child.once('error', () => {
      if (child.pid === undefined) {
        exited ??= { code: null, signal: null };
        resolve();
      }
    });
  });
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  // If this process dies without calling stop(), do not leave an orphaned server behind.
  const killOnExit = () => killGroup(child, 'SIGKILL');
  process.once('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      process.removeListener('exit', killOnExit);
      if (!exited) {
        killGroup(child, 'SIGTERM');
        const forced = setTimeout(() => killGroup(child, 'SIGKILL'), 10_000);
        await exitPromise;
        clearTimeout(forced);
      }
    })();
    return stopping;
  };

  const address = `${HOST}:${port}`;
  try {
    await waitUntilServing(address, namespace, opts.readyTimeoutMs ?? 60_000, () => exited, spawnError);
  } catch (err) {
    await stop();
    const why = err instanceof Error ? err.message : String(err);
    throw new DevServerStartError(
      `The Temporal dev server did not come up: ${why}\ncommand: ${opts.executable} ${args.join(' ')}\n` +
        `--- server output (last lines) ---\n${output() || '(none)'}`,
      { cause: err },
    );
  }
  log(`Temporal dev server ready at ${address}${uiPort ? `, UI at http://${HOST}:${uiPort}` : ''}.`);
  return { address, namespace, ...(uiPort ? { uiUrl: `http://${HOST}:${uiPort}` } : {}), metricsUrl: `http://${HOST}:${metricsPort}/metrics`, stop };
}

/** Polls the frontend until it serves the namespace, failing fast if the process exits. */
async function waitUntilServing(
  address: string,
  namespace: string,
  timeoutMs: number,
  exited: () => { code: number | null; signal: NodeJS.Signals | null } | undefined,
  spawnError: Promise<Error>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let failed: Error | undefined;
  void spawnError.then((err) => (failed = err));
  while (Date.now() < deadline) {
    await new Promise((resolve) => setImmediate(resolve));
    if (failed) throw failed;
    const exit = exited();
    if (exit) throw new Error(`it exited with ${exit.code ?? exit.signal}`);
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 2_000 });
      await connection.workflowService.getSystemInfo({});
      await connection.workflowService.describeNamespace({ namespace });
      return;
    } catch (err) {
      lastError = err;
    } finally {
      await connection?.close().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const last = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
  throw new Error(`no answer from ${address} within ${timeoutMs} ms${last}`);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** Keeps the last lines of the child's output for error messages (and drains the pipes). */
function tail(child: ChildProcess): () => string {
  let text = '';
  const keep = (chunk: Buffer) => {
    text = (text + chunk.toString()).slice(-6000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => text.trim().split('\n').slice(-30).join('\n');
}

/** Asks the OS for a free port on loopback. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}
