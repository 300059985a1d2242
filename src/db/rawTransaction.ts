// Transactions on a plain `pg` connection of the pool under the Prisma client (poolOf): for the
// hot paths (admission, the RunStore), where an interactive Prisma transaction's own overhead
// outweighed its statements (eight trivial statements: 5.8 ms in Prisma, 0.8 ms on `pg`, p50 on
// this machine). Statements are written as Prisma.sql tagged templates either way (RawTx).
import type pg from 'pg';
import { Prisma } from '../generated/prisma/client';
import { poolOf, type Db } from './client';

/**
 * Raw statements inside a transaction: a Prisma interactive transaction is one, and so is
 * {@link rawTx} of a `pg` connection, so the same write serves both.
 */
export interface RawTx {
  $executeRaw(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): Promise<number>;
  $queryRaw<T = unknown>(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): Promise<T>;
}

/** Raw statements on a `pg` connection; dates travel as ISO instants (every column is timestamptz). */
export function rawTx(client: pg.PoolClient): RawTx {
  const run = (query: TemplateStringsArray | Prisma.Sql, values: unknown[]) => {
    const statement = query instanceof Prisma.Sql ? query : Prisma.sql(query, ...values);
    return client.query(statement.text, statement.values.map((value) => (value instanceof Date ? value.toISOString() : value)));
  };
  return {
    $executeRaw: async (query, ...values) => (await run(query, values)).rowCount ?? 0,
    $queryRaw: async <T>(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]) => (await run(query, values)).rows as T,
  };
}

/**
 * Runs `work` in a transaction on a connection of `db`'s pool; each statement may take at most
 * `statementTimeoutMs` (a lock wait included). Rolled back when `work` throws; a connection that
 * cannot even roll back is dropped, not handed to the next caller.
 */
export async function rawTransaction<T>(db: Db, work: (tx: RawTx, client: pg.PoolClient) => Promise<T>, options: { statementTimeoutMs: number }): Promise<T> {
  const client = await poolOf(db).connect();
  let broken = false;
  try {
    await client.query(`BEGIN; SET LOCAL statement_timeout = ${Math.floor(options.statementTimeoutMs)}`);
    const result = await work(rawTx(client), client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw err;
  } finally {
    client.release(broken);
  }
}

/** A unique-key violation, from Prisma (P2002, or P2010 with the driver's kind) or from `pg` (23505). */
export function isUniqueViolation(err: unknown): boolean {
  if (err instanceof Prisma.PrismaClientKnownRequestError) {
    if (err.code === 'P2002') return true;
    const cause = (err.meta as { driverAdapterError?: { cause?: { kind?: string } } } | undefined)?.driverAdapterError?.cause;
    return err.code === 'P2010' && cause?.kind === 'UniqueConstraintViolation';
  }
  return (err as { code?: unknown } | null)?.code === '23505';
}
