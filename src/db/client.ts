// The one place a Prisma client is built: Prisma 7 talks to Postgres through the `pg` driver
// adapter, so no query engine binary is involved.
import { PrismaPg } from '@prisma/adapter-pg';
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
  const adapter = new PrismaPg({
    connectionString: databaseUrl,
    max: options.poolMax ?? DEFAULT_POOL_MAX,
    // Fail fast instead of queueing forever when the pool is exhausted or Postgres is gone.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  return new PrismaClient({ adapter });
}
