// Applies prisma/migrations without Prisma's native schema engine, which cannot be downloaded
// everywhere we run. It keeps Prisma's bookkeeping exactly (same `_prisma_migrations` table,
// same checksums, same advisory lock), so `prisma migrate deploy` and `prisma migrate status`
// run later by someone with the engine see these migrations as applied, and the two tools
// never run at the same time against one database.
import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { projectPath } from '../paths';

/** The repository's migrations folder. */
export const DEFAULT_MIGRATIONS_DIR = projectPath('prisma', 'migrations');

/** Prisma Migrate's advisory lock key on Postgres ("72707369 is a unique number we chose"). */
export const PRISMA_MIGRATE_LOCK_KEY = 72707369;

/** Verbatim the table Prisma's schema engine creates (sql-migration-connector, postgres flavour). */
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);`;

/** One `prisma/migrations/<stamp>_<name>/migration.sql`. */
export interface MigrationFile {
  /** The folder name, which is also `_prisma_migrations.migration_name`. */
  name: string;
  sql: string;
  /** SHA-256 of the file, lowercase hex, as Prisma records it. */
  checksum: string;
}

/** Options for {@link applyMigrations}. */
export interface ApplyOptions {
  log?: (message: string) => void;
  /** How long to wait for another process that is migrating the same database. */
  lockTimeoutMs?: number;
}

/** Thrown when an applied migration's file no longer matches the checksum recorded for it. */
export class MigrationChecksumError extends Error {
  override readonly name = 'MigrationChecksumError';
  constructor(
    readonly migration: string,
    readonly recorded: string,
    readonly actual: string,
  ) {
    super(
      `Migration \`${migration}\` was modified after it was applied: the database recorded checksum ` +
        `${recorded}, the file now has ${actual}. Restore the file as it was applied and put the change ` +
        `in a new migration.`,
    );
  }
}

/** Thrown when a migration failed, now or in an earlier run (a `_prisma_migrations` row never finished). */
export class MigrationFailedError extends Error {
  override readonly name = 'MigrationFailedError';
  constructor(
    readonly migration: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Thrown when the migrations folder is not usable (no migration.sql, wrong provider). */
export class MigrationsDirectoryError extends Error {
  override readonly name = 'MigrationsDirectoryError';
}

/** Thrown when another process held the migration lock for longer than the timeout. */
export class MigrationLockTimeoutError extends Error {
  override readonly name = 'MigrationLockTimeoutError';
}

/** SHA-256 hex of a migration script, the value Prisma stores in `_prisma_migrations.checksum`. */
export function migrationChecksum(script: string): string {
  return createHash('sha256').update(script, 'utf8').digest('hex');
}

/**
 * Whether a script matches a recorded checksum, with Prisma's tolerance: line endings may have
 * been converted by git since the migration was applied, and very old Prisma versions rendered
 * checksums without zero padding.
 */
export function scriptMatchesChecksum(script: string, recorded: string): boolean {
  const variants = [script, script.replace(/\r\n/g, '\n'), script.replace(/\n/g, '\r\n')];
  return variants.some((variant) => {
    const digest = createHash('sha256').update(variant, 'utf8').digest();
    if (recorded.length !== 64 && recorded.length > 0) {
      return [...digest].map((byte) => byte.toString(16)).join('') === recorded;
    }
    return digest.toString('hex') === recorded;
  });
}

/** Reads the migrations in the order Prisma applies them: folder names, sorted. */
export async function readMigrations(migrationsDir: string = DEFAULT_MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new MigrationsDirectoryError(`No migrations folder at ${migrationsDir}.`);
    throw err;
  });
  const lock = await readFile(path.join(migrationsDir, 'migration_lock.toml'), 'utf8').catch(() => undefined);
  const provider = lock?.match(/^\s*provider\s*=\s*"([^"]*)"/m)?.[1];
  if (provider !== undefined && provider !== 'postgresql') {
    throw new MigrationsDirectoryError(`${migrationsDir}/migration_lock.toml is for "${provider}", not "postgresql".`);
  }
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const migrations: MigrationFile[] = [];
  for (const name of names) {
    const file = path.join(migrationsDir, name, 'migration.sql');
    const sql = await readFile(file, 'utf8').catch(() => {
      throw new MigrationsDirectoryError(`Migration folder ${name} has no readable migration.sql.`);
    });
    migrations.push({ name, sql, checksum: migrationChecksum(sql) });
  }
  return migrations;
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  started_at: Date;
  logs: string | null;
}

/**
 * Applies every migration not yet recorded in `_prisma_migrations`, in order, each in its own
 * transaction, holding Prisma Migrate's advisory lock so concurrent starters (API and worker
 * booting together, or a `prisma migrate deploy`) wait for each other. Refuses to run when an
 * applied migration was edited or an earlier one never finished.
 */
export async function applyMigrations(
  databaseUrl: string,
  migrationsDir: string = DEFAULT_MIGRATIONS_DIR,
  options: ApplyOptions = {},
): Promise<{ applied: string[] }> {
  const log = options.log ?? (() => undefined);
  const migrations = await readMigrations(migrationsDir);
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'builder-studio-migrate' });
  await client.connect();
  // A dropped connection emits 'error' on the client; without a listener that would crash the process.
  client.on('error', () => undefined);
  try {
    await acquireLock(client, options.lockTimeoutMs ?? 120_000);
    try {
      await client.query(CREATE_MIGRATIONS_TABLE);
      const { rows } = await client.query<MigrationRow>(
        `SELECT migration_name, checksum, finished_at, rolled_back_at, started_at, logs
         FROM _prisma_migrations ORDER BY started_at`,
      );
      const applied = new Map<string, MigrationRow>();
      for (const row of rows) {
        if (row.rolled_back_at !== null) continue;
        if (row.finished_at === null) {
          throw new MigrationFailedError(
            row.migration_name,
            `Migration \`${row.migration_name}\` started at ${row.started_at.toISOString()} but never finished` +
              (row.logs ? ` (${row.logs.trim()})` : '') +
              `. Repair the database, then mark it with \`prisma migrate resolve --applied|--rolled-back ` +
              `${row.migration_name}\` (or set rolled_back_at on its _prisma_migrations row).`,
          );
        }
        applied.set(row.migration_name, row);
      }
      const known = new Set(migrations.map((m) => m.name));
      for (const name of applied.keys()) {
        if (!known.has(name)) log(`Migration ${name} is applied in the database but missing from ${migrationsDir}.`);
      }
      for (const migration of migrations) {
        const row = applied.get(migration.name);
        if (row && !scriptMatchesChecksum(migration.sql, row.checksum)) {
          throw new MigrationChecksumError(migration.name, row.checksum, migration.checksum);
        }
      }

      const appliedNow: string[] = [];
      for (const migration of migrations) {
        if (applied.has(migration.name)) continue;
        log(`Applying migration ${migration.name}…`);
        await applyOne(client, migration);
        appliedNow.push(migration.name);
      }
      return { applied: appliedNow };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Runs one script and its bookkeeping in one transaction, so a failure leaves neither half-made
 * tables nor a failed row behind. (Prisma sends the script as one multi-statement query, which
 * Postgres also runs as a single transaction; a script with its own BEGIN/COMMIT behaves the same
 * under both tools.)
 */
async function applyOne(client: pg.Client, migration: MigrationFile): Promise<void> {
  const id = randomUUID();
  await client.query('BEGIN');
  try {
    await client.query(
      'INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, clock_timestamp())',
      [id, migration.checksum, migration.name],
    );
    await client.query(migration.sql);
    await client.query(
      'UPDATE _prisma_migrations SET finished_at = clock_timestamp(), applied_steps_count = applied_steps_count + 1 WHERE id = $1',
      [id],
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw new MigrationFailedError(
      migration.name,
      `Migration \`${migration.name}\` failed and was rolled back: ${describePgError(err, migration.sql)}`,
      { cause: err },
    );
  }
}

/** Takes Prisma Migrate's session lock, polling so a stuck holder gives a clear error, not a hang. */
async function acquireLock(client: pg.Client, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
      PRISMA_MIGRATE_LOCK_KEY,
    ]);
    if (rows[0]?.locked) return;
    if (Date.now() >= deadline) {
      const holder = await client
        .query<{ pid: number }>(
          `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = $1 LIMIT 1`,
          [PRISMA_MIGRATE_LOCK_KEY],
        )
        .then((r) => r.rows[0]?.pid)
        .catch(() => undefined);
      throw new MigrationLockTimeoutError(
        `Timed out after ${timeoutMs} ms waiting for the migration lock (pg_advisory_lock(${PRISMA_MIGRATE_LOCK_KEY}))` +
          (holder ? `, held by backend pid ${holder}` : '') +
          '. Another migration is running, or a session that took the lock is stuck.',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The Postgres message, with the line of the script it points at when Postgres gives a position. */
function describePgError(err: unknown, sql: string): string {
  if (!(err instanceof Error)) return String(err);
  const position = Number((err as { position?: string }).position);
  if (!Number.isFinite(position) || position <= 0) return err.message;
  const before = sql.slice(0, position - 1);
  const line = before.split('\n').length;
  const text = sql.split('\n')[line - 1]?.trim() ?? '';
  return `${err.message} (line ${line}: ${text})`;
}
