// The one place a Prisma client is built: Prisma 7 talks to Postgres through the `pg` driver
// adapter, so no query engine binary is involved.
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client';

/** The Prisma client type every layer receives as a dependency. */
export type Db = PrismaClient;
export { PrismaClient };

/**
 * Default pool size per process (the API and the worker each hold one client). Sized for a burst of
 * admissions: each holds a connection for its short transaction plus a few single queries; beyond
 * that, requests wait briefly for a connection and then get a 503 with Retry-After.
 */
export const DEFAULT_POOL_MAX = 25;

/** Builds a Prisma client on a `pg` pool of at most `poolMax` connections. */
export function createPrisma(databaseUrl: string, options: { poolMax?: number } = {}): PrismaClient {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.poolMax ?? DEFAULT_POOL_MAX,
    // Fail fast instead of queueing forever when the pool is exhausted or Postgres is gone.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // The client ends the pool when it disconnects; an idle connection's error is the pool's to
  // handle (it drops that connection), not a crash of the process.
  pool.on('error', () => undefined);
  const client = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  pools.set(client, pool);
  return client;
}

const pools = new WeakMap<PrismaClient, pg.Pool>();

/**
 * The `pg` pool under a client built by createPrisma: the RunStore runs its hot writes on it
 * directly. Measured on this machine: an interactive Prisma transaction of eight statements took
 * 5.8 ms (p50), the same statements on a `pg` connection 0.8 ms.
 */
export function poolOf(db: PrismaClient): pg.Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error('This Prisma client was not built by createPrisma (src/db/client.ts): it has no pg pool to share.');
  return pool;
}
