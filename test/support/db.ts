// Fresh, migrated databases for integration tests. Each call creates its own database on the
// Postgres at DATABASE_URL (default: the local server); when no Postgres answers, one embedded
// Postgres is started for the whole run, with its data in a temporary folder.
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createPrisma, type Db } from '../../src/db/client';
import { applyMigrations } from '../../src/db/migrate';

/** A database that belongs to one test (or one describe block). */
export interface TestDatabase {
  url: string;
  prisma: Db;
  /** Disconnects the client and drops the database. */
  drop(): Promise<void>;
}

const DEFAULT_SERVER_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

interface Server {
  /** URL of a database to run CREATE/DROP DATABASE from. */
  adminUrl: string;
  stop?: () => Promise<void>;
}

// Kept on globalThis: mocha may load this file twice, once through `require` (spec files) and
// once through `import` (root hooks, when their import graph has top-level await), and both copies
// must see the same server.
const state: { server?: Promise<Server>; live: Set<string> } = ((globalThis as Record<symbol, unknown>)[
  Symbol.for('builder-studio.test.db')
] ??= { live: new Set<string>() }) as { server?: Promise<Server>; live: Set<string> };
const live = state.live;

/** Creates a uniquely named database, applies the migrations, and returns a Prisma client on it. */
export async function testDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const { adminUrl } = await (state.server ??= findServer());
  const name = `test_${process.pid}_${randomBytes(5).toString('hex')}`;
  await withAdmin(adminUrl, (client) => client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`));
  live.add(name);
  const url = withDatabase(adminUrl, name);
  try {
    if (options.migrate !== false) await applyMigrations(url);
  } catch (err) {
    await dropDatabase(adminUrl, name);
    throw err;
  }
  const prisma = createPrisma(url);
  let dropped = false;
  return {
    url,
    prisma,
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await prisma.$disconnect();
      await dropDatabase(adminUrl, name);
    },
  };
}

/** Drops databases tests forgot, and stops the embedded Postgres if one was started (root hook). */
export async function teardownTestDatabases(): Promise<void> {
  if (!state.server) return;
  const current = await state.server.catch(() => undefined);
  state.server = undefined;
  if (!current) return;
  for (const name of [...live]) await dropDatabase(current.adminUrl, name).catch(() => undefined);
  await current.stop?.();
}

async function findServer(): Promise<Server> {
  const adminUrl = process.env.DATABASE_URL || DEFAULT_SERVER_URL;
  if (await reachable(adminUrl)) return { adminUrl };
  if (process.env.DATABASE_URL) {
    throw new Error(`DATABASE_URL=${redact(adminUrl)} is set but Postgres does not answer there.`);
  }
  // Loaded only when needed: it locates the Postgres binaries of the installed npm package.
  const { startEmbeddedPostgres } = await import('../../src/local/postgres');
  const dir = await mkdtemp(path.join(tmpdir(), 'builder-test-pg-'));
  // mkdtemp makes 0700 folders; as root, Postgres runs as the `postgres` user: let it enter (else
  // the embedded Postgres would move its data elsewhere, out of this folder's cleanup).
  await chmod(dir, 0o755);
  const embedded = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), database: 'postgres' });
  return {
    adminUrl: embedded.url,
    stop: async () => {
      await embedded.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  // FORCE (Postgres 13+) ends connections a test left open, e.g. a worker still shutting down.
  await withAdmin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`));
  live.delete(name);
}

async function withAdmin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
