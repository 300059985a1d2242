// Transactions on a plain `pg` connection of the pool under the Prisma client (poolOf): for the
// hot paths (admission, the RunStore), where an interactive Prisma transaction's own overhead
// outweighed its statements (eight trivial statements: 5.8 ms in Prisma, 0.8 ms on `pg`, p50 on
// this machine). Statements are written as Prisma.sql tagged templates either way (RawTx).
import pg from 'pg';
import { Prisma } from '../generated/prisma/client';
import { poolOf, type Db } from './client';
import { prepared } from './prepared';

const { escapeLiteral } = pg;

/**
 * Raw statements inside a transaction: a Prisma interactive transaction is one, and so is
 * {@link rawTx} of a `pg` connection, so the same write serves both.
 */
export interface RawTx {
  $executeRaw(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): Promise<number>;
  $queryRaw<T = unknown>(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]): Promise<T>;
}

/**
 * Raw statements on a `pg` connection, or on the pool (each statement then its own autocommit
 * transaction); dates travel as ISO instants (every column is timestamptz). With `prepare`, every
 * statement is a named prepared statement (prepared.ts): only for statements whose text is fixed.
 */
export function rawTx(client: pg.PoolClient | pg.Pool, options: { prepare?: boolean } = {}): RawTx {
  const run = (query: TemplateStringsArray | Prisma.Sql, values: unknown[]) => {
    const statement = query instanceof Prisma.Sql ? query : Prisma.sql(query, ...values);
    const params = statement.values.map((value) => (value instanceof Date ? value.toISOString() : value));
    return options.prepare ? client.query(prepared(statement.text, params)) : client.query(statement.text, params);
  };
  return {
    $executeRaw: async (query, ...values) => (await run(query, values)).rowCount ?? 0,
    $queryRaw: async <T>(query: TemplateStringsArray | Prisma.Sql, ...values: unknown[]) => (await run(query, values)).rows as T,
  };
}

/**
 * What a transaction's work can ask of its commit: `withCommit(statement)` sends `statement` in the
 * same message as the COMMIT (the simple query protocol runs both in order; when the statement
 * fails, the COMMIT is skipped and the transaction rolls back). Locks it takes are then held only
 * until that commit, never across a round trip to us. The statement is literal SQL (no
 * parameters: the simple protocol has none): build it with {@link sqlLiteral}.
 */
export interface CommitOptions {
  withCommit(statement: string): void;
}

/**
 * Runs `work` in a transaction on a connection of `db`'s pool; each statement may take at most
 * `statementTimeoutMs` (a lock wait included). Rolled back when `work` or the commit throws; a
 * connection that cannot even roll back is dropped, not handed to the next caller.
 */
export async function rawTransaction<T>(
  db: Db,
  work: (tx: RawTx, client: pg.PoolClient, commit: CommitOptions) => Promise<T>,
  options: { statementTimeoutMs: number },
): Promise<T> {
  const client = await poolOf(db).connect();
  let broken = false;
  let last: string | undefined;
  try {
    await client.query(`BEGIN; SET LOCAL statement_timeout = ${Math.floor(options.statementTimeoutMs)}`);
    const result = await work(rawTx(client), client, {
      withCommit(statement) {
        if (last !== undefined) throw new Error('A transaction sends one statement with its commit.');
        last = statement;
      },
    });
    await client.query(last === undefined ? 'COMMIT' : `${last}; COMMIT`);
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

/**
 * A value as an SQL literal, for statements sent without parameters ({@link CommitOptions}):
 * strings quoted and escaped the way `pg` does, integers as digits; nothing else is accepted.
 */
export function sqlLiteral(value: string | number): string {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new TypeError(`Not an integer for an SQL literal: ${value}`);
    return String(value);
  }
  return escapeLiteral(value);
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
