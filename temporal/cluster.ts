// A production-style Temporal cluster on this machine: Temporal's own server (built by
// temporal/server.ts) with persistence and SQL visibility in Postgres, configured by
// temporal/cluster/cluster.yaml and temporal/cluster/dynamicconfig.yaml. Sets up the schema with
// temporal-sql-tool, starts the server, registers the namespace and our search attributes.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection, isGrpcServiceError } from '@temporalio/client';
import { msToTs } from '@temporalio/common';
import pg from 'pg';
import { registerSearchAttributes } from '../src/runtime/searchAttributes';
import { runCommand } from './goBuild';
import { locateTemporalServer, type TemporalServerBuild } from './server';

/** Folder of the cluster's config files (kept in the repository). */
export const CLUSTER_CONFIG_DIR = fileURLToPath(new URL('./cluster/', import.meta.url));

/** Where the cluster keeps its state and how it listens. */
export interface ClusterOptions {
  /** Any database URL of the Postgres server to use (its path is ignored). Default: local, user postgres. */
  postgresUrl?: string;
  /** Persistence database (default `temporal`). */
  database?: string;
  /** Visibility database (default `temporal_visibility`). */
  visibilityDatabase?: string;
  /** Frontend gRPC port; the other services listen on the next nine (default 7633). Below 32758: the SQL schema stores membership ports as smallint. */
  port?: number;
  namespace?: string;
  /** History shards, fixed when the databases are first set up (default 4). */
  historyShards?: number;
  log?: (message: string) => void;
}

/** A running cluster. */
export interface TemporalCluster {
  address: string;
  namespace: string;
  /** The server's own Prometheus metrics. */
  metricsUrl: string;
  stop(): Promise<void>;
}

/** Thrown when the cluster cannot be set up or does not come up. */
export class TemporalClusterError extends Error {
  override readonly name = 'TemporalClusterError';
}

const DEFAULT_PORT = 7633;
const DEFAULT_POSTGRES = 'postgresql://postgres@127.0.0.1:5432/postgres';

/** Creates the two databases when missing and brings their schemas to the server's version. */
export async function setupClusterSchema(build: TemporalServerBuild, options: ClusterOptions = {}): Promise<void> {
  const log = options.log ?? (() => undefined);
  const url = new URL(options.postgresUrl ?? DEFAULT_POSTGRES);
  const databases = [
    { name: options.database ?? 'temporal', schema: path.join(build.postgresSchemaDir, 'temporal', 'versioned') },
    { name: options.visibilityDatabase ?? 'temporal_visibility', schema: path.join(build.postgresSchemaDir, 'visibility', 'versioned') },
  ];
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    for (const { name } of databases) {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (exists.rowCount === 0) {
        log(`Creating database ${name}…`);
        await admin.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
      }
    }
  } finally {
    await admin.end();
  }
  const connectionArgs = [
    '--plugin', 'postgres12',
    '--endpoint', url.hostname,
    '--port', url.port || '5432',
    '--user', decodeURIComponent(url.username || 'postgres'),
    ...(url.password ? ['--password', decodeURIComponent(url.password)] : []),
  ];
  for (const { name, schema } of databases) {
    const dbUrl = new URL(url);
    dbUrl.pathname = `/${name}`;
    const client = new pg.Client({ connectionString: dbUrl.toString() });
    await client.connect();
    const versioned = await client.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'schema_version'`).finally(() => client.end());
    const args = [...connectionArgs, '--database', name];
    if (versioned.rowCount === 0) await runCommand(build.sqlTool, [...args, 'setup-schema', '-v', '0.0'], { env: process.env });
    // Idempotent: applies only the versioned steps the database has not seen.
    await runCommand(build.sqlTool, [...args, 'update-schema', '-d', schema], { env: process.env });
    log(`Schema of ${name} is current (${build.version}).`);
  }
}

/** Builds the server if needed, sets up the schema, starts the server and waits until it serves the namespace. */
export async function startTemporalCluster(options: ClusterOptions = {}): Promise<TemporalCluster> {
  const log = options.log ?? (() => undefined);
  const build = await locateTemporalServer(log);
  await setupClusterSchema(build, options);
  const url = new URL(options.postgresUrl ?? DEFAULT_POSTGRES);
  const port = options.port ?? DEFAULT_PORT;
  if (port + 9 > 32_767) throw new TemporalClusterError(`Port ${port} is too high: the cluster's services use ports up to ${port + 9}, and its SQL schema stores membership ports as smallint (≤ 32767).`);
  const namespace = options.namespace ?? 'default';
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_CLUSTER_PORT: String(port),
    TEMPORAL_CLUSTER_DB_HOST: url.hostname,
    TEMPORAL_CLUSTER_DB_PORT: url.port || '5432',
    TEMPORAL_CLUSTER_DB_USER: decodeURIComponent(url.username || 'postgres'),
    TEMPORAL_CLUSTER_DB_PASSWORD: decodeURIComponent(url.password),
    TEMPORAL_CLUSTER_DB: options.database ?? 'temporal',
    TEMPORAL_CLUSTER_VISIBILITY_DB: options.visibilityDatabase ?? 'temporal_visibility',
    TEMPORAL_CLUSTER_HISTORY_SHARDS: String(options.historyShards ?? 4),
    TEMPORAL_CLUSTER_DYNAMIC_CONFIG: path.join(CLUSTER_CONFIG_DIR, 'dynamicconfig.yaml'),
  };
  const args = ['--root', '/', '--config', CLUSTER_CONFIG_DIR, '--env', 'cluster', '--allow-no-auth', 'start'];
  log(`Starting the Temporal server ${build.version} on 127.0.0.1:${port} (Postgres ${url.host}, databases ${env.TEMPORAL_CLUSTER_DB} and ${env.TEMPORAL_CLUSTER_VISIBILITY_DB})…`);
  // Its own process group, so stop() reaches it whatever it spawns.
  const child = spawn(build.server, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = keepTail(child);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const killOnExit = () => signalGroup(child, 'SIGKILL');
  process.once('exit', killOnExit);
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      process.removeListener('exit', killOnExit);
      if (exited) return;
      signalGroup(child, 'SIGTERM');
      const forced = setTimeout(() => signalGroup(child, 'SIGKILL'), 15_000);
      await exit;
      clearTimeout(forced);
    })());

  const address = `127.0.0.1:${port}`;
  try {
    await waitForFrontend(address, namespace, () => exited);
  } catch (err) {
    await stop();
    throw new TemporalClusterError(`The Temporal server did not come up: ${err instanceof Error ? err.message : String(err)}\n--- server output ---\n${output()}`, { cause: err });
  }
  log(`Temporal server ready at ${address} (namespace ${namespace}).`);
  return { address, namespace, metricsUrl: `http://127.0.0.1:${port + 9}/metrics`, stop };
}

/** Waits for the frontend, registers the namespace when missing, waits until it is served, adds our search attributes. */
async function waitForFrontend(address: string, namespace: string, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + 120_000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (exited()) throw new Error('the server exited');
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 2_000 });
      await connection.workflowService.getSystemInfo({});
      try {
        await connection.workflowService.describeNamespace({ namespace });
      } catch (err) {
        if (!isGrpcServiceError(err) || err.code !== 5 /* NOT_FOUND */) throw err;
        await connection.workflowService
          .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('3 days') })
          .catch((registerErr: unknown) => {
            if (!isGrpcServiceError(registerErr) || registerErr.code !== 6 /* ALREADY_EXISTS */) throw registerErr;
          });
        throw new Error(`namespace ${namespace} registered; waiting for the namespace cache`);
      }
      await registerSearchAttributes(connection, namespace);
      return;
    } catch (err) {
      lastError = err;
    } finally {
      await connection?.close().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`no answer from ${address} within 120 s (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})`);
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** Keeps the last lines of the server's output for error messages (and drains the pipes). */
function keepTail(child: ChildProcess): () => string {
  let text = '';
  const keep = (chunk: Buffer) => {
    text = (text + chunk.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => text.trim().split('\n').slice(-40).join('\n');
}
