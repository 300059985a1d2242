// The migrations build exactly the database prisma/schema.prisma describes, and the runner keeps
// Prisma Migrate's bookkeeping so both tools can take turns on one database.
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import {
  applyMigrations,
  DEFAULT_MIGRATIONS_DIR,
  MigrationChecksumError,
  MigrationFailedError,
  migrationChecksum,
  readMigrations,
} from '../../src/db/migrate';
import { testDatabase, type TestDatabase } from '../support/db';
import { diffCatalogs, expectedCatalog, loadDatamodel, readCatalog, type Catalog } from '../support/schemaCatalog';

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function migrationRows(url: string) {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{
      id: string; checksum: string; finished_at: Date | null; migration_name: string; logs: string | null;
      rolled_back_at: Date | null; started_at: Date; applied_steps_count: number;
    }>('SELECT * FROM _prisma_migrations ORDER BY started_at');
    return rows;
  });
}

/** A private copy of the migrations folder that a test may edit. */
async function copyOfMigrations(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'builder-migrations-'));
  await cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

describe('database migrations', () => {
  let db: TestDatabase | undefined;
  const scratch: string[] = [];
  afterEach(async () => {
    await db?.drop();
    db = undefined;
    for (const dir of scratch.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('build a database that matches prisma/schema.prisma: tables, columns, enums, keys, indexes and foreign keys', async () => {
    db = await testDatabase({ migrate: false });
    const { applied } = await applyMigrations(db.url);
    assert.deepEqual(applied, (await readMigrations()).map((m) => m.name));

    const expected = expectedCatalog(await loadDatamodel());
    const actual = await withClient(db.url, readCatalog);
    assert.deepEqual(diffCatalogs(actual, expected), []);
    // Belt and braces: the readable diff above must not hide a difference.
    assert.deepEqual(actual, expected);
  });

  it('the agreement check notices drift: a missing index, foreign key or column, an extra enum value, a changed type, default, nullability or ON DELETE', async () => {
    db = await testDatabase();
    const expected = expectedCatalog(await loadDatamodel());
    // Sanity: a table every drift below touches exists in the expected catalog.
    assert.ok(expected.tables.executions && expected.tables.steps && expected.tables.credit_ledger);
    const drifts = [
      'DROP INDEX "executions_parent_execution_id_idx"',
      'DROP INDEX "credit_ledger_execution_id_kind_model_key"',
      'ALTER TABLE "steps" DROP CONSTRAINT "steps_execution_id_fkey"',
      `ALTER TABLE "executions" DROP CONSTRAINT "executions_parent_execution_id_fkey",
         ADD CONSTRAINT "executions_parent_execution_id_fkey" FOREIGN KEY ("parent_execution_id")
         REFERENCES "executions"("id") ON DELETE CASCADE ON UPDATE CASCADE`,
      `ALTER TYPE "StepStatus" ADD VALUE 'paused'`,
      'ALTER TABLE "accounts" ALTER COLUMN "approved" SET DEFAULT true',
      'ALTER TABLE "workflows" ALTER COLUMN "updated_at" SET DEFAULT CURRENT_TIMESTAMP',
      'ALTER TABLE "api_keys" ALTER COLUMN "revoked_at" SET NOT NULL',
      'ALTER TABLE "rate_limit_windows" ALTER COLUMN "window_start" TYPE TIMESTAMPTZ(3)',
      'ALTER TABLE "executions" DROP COLUMN "callback_url"',
      'ALTER TABLE "workflows" ADD COLUMN "extra" TEXT',
      'CREATE INDEX "steps_status_idx" ON "steps"("status")',
      'ALTER TABLE "accounts" ADD CONSTRAINT "balance_non_negative" CHECK ("credit_balance" >= 0)',
    ];
    await withClient(db.url, async (client) => {
      assert.deepEqual(await readCatalog(client), expected);
      for (const drift of drifts) {
        await client.query('BEGIN');
        try {
          await client.query(drift);
          const drifted: Catalog = await readCatalog(client);
          assert.notDeepEqual(drifted, expected, `not detected: ${drift}`);
          assert.notDeepEqual(diffCatalogs(drifted, expected), [], `not reported: ${drift}`);
        } finally {
          await client.query('ROLLBACK');
        }
      }
      assert.deepEqual(await readCatalog(client), expected);
    });
  });

  it('applying the migrations again changes nothing', async () => {
    db = await testDatabase({ migrate: false });
    await applyMigrations(db.url);
    const rowsBefore = await migrationRows(db.url);
    const catalogBefore = await withClient(db.url, readCatalog);

    const again = await applyMigrations(db.url);

    assert.deepEqual(again.applied, []);
    assert.deepEqual(await migrationRows(db.url), rowsBefore);
    assert.deepEqual(await withClient(db.url, readCatalog), catalogBefore);
  });

  it('records each migration in _prisma_migrations the way Prisma Migrate does', async () => {
    db = await testDatabase({ migrate: false });
    const migrations = await readMigrations();
    await applyMigrations(db.url);

    const rows = await migrationRows(db.url);
    assert.deepEqual(rows.map((r) => r.migration_name), migrations.map((m) => m.name));
    for (const [i, row] of rows.entries()) {
      const file = await readFile(path.join(DEFAULT_MIGRATIONS_DIR, row.migration_name, 'migration.sql'), 'utf8');
      assert.match(row.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(row.checksum, migrationChecksum(file));
      assert.equal(row.checksum, migrations[i]!.checksum);
      assert.match(row.checksum, /^[0-9a-f]{64}$/);
      assert.ok(row.finished_at && row.finished_at >= row.started_at);
      assert.equal(row.logs, null);
      assert.equal(row.rolled_back_at, null);
      assert.equal(row.applied_steps_count, 1);
    }
    // The table itself is the one Prisma's schema engine creates.
    const columns = await withClient(db.url, async (client) =>
      (
        await client.query<{ name: string; type: string; notnull: boolean; default: string | null }>(`
          SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
                 pg_get_expr(d.adbin, d.adrelid) AS default
          FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
          WHERE a.attrelid = '_prisma_migrations'::regclass AND a.attnum > 0 ORDER BY a.attnum`)
      ).rows,
    );
    assert.deepEqual(columns, [
      { name: 'id', type: 'character varying(36)', notnull: true, default: null },
      { name: 'checksum', type: 'character varying(64)', notnull: true, default: null },
      { name: 'finished_at', type: 'timestamp with time zone', notnull: false, default: null },
      { name: 'migration_name', type: 'character varying(255)', notnull: true, default: null },
      { name: 'logs', type: 'text', notnull: false, default: null },
      { name: 'rolled_back_at', type: 'timestamp with time zone', notnull: false, default: null },
      { name: 'started_at', type: 'timestamp with time zone', notnull: true, default: 'now()' },
      { name: 'applied_steps_count', type: 'integer', notnull: true, default: '0' },
    ]);
  });

  it('refuses to run when an applied migration was edited, and accepts a line-ending change like Prisma', async () => {
    db = await testDatabase({ migrate: false });
    const dir = await copyOfMigrations();
    scratch.push(dir);
    const [first] = await readMigrations(dir);
    assert.ok(first);
    await applyMigrations(db.url, dir);
    const file = path.join(dir, first.name, 'migration.sql');

    await writeFile(file, first.sql.replace(/\n/g, '\r\n'));
    assert.deepEqual((await applyMigrations(db.url, dir)).applied, []);

    await writeFile(file, `${first.sql}\n-- an edit after the fact\n`);
    await assert.rejects(applyMigrations(db.url, dir), (err: unknown) => {
      assert.ok(err instanceof MigrationChecksumError);
      assert.equal(err.migration, first.name);
      assert.equal(err.recorded, first.checksum);
      assert.match(err.message, /was modified after it was applied/);
      return true;
    });
  });

  it('rolls a failing migration back entirely, records nothing, and applies it once fixed', async () => {
    db = await testDatabase();
    const dir = await copyOfMigrations();
    scratch.push(dir);
    const broken = '99990101000000_broken';
    await mkdir(path.join(dir, broken));
    await writeFile(path.join(dir, broken, 'migration.sql'), 'CREATE TABLE "half_done" ("id" TEXT);\nSELECT * FROM "no_such_table";\n');

    await assert.rejects(applyMigrations(db.url, dir), (err: unknown) => {
      assert.ok(err instanceof MigrationFailedError);
      assert.equal(err.migration, broken);
      assert.match(err.message, /no_such_table/);
      assert.match(err.message, /line 2/);
      return true;
    });
    const exists = await withClient(db.url, async (c) => (await c.query(`SELECT to_regclass('half_done') AS t`)).rows[0].t);
    assert.equal(exists, null);
    assert.ok(!(await migrationRows(db.url)).some((r) => r.migration_name === broken));

    await writeFile(path.join(dir, broken, 'migration.sql'), 'CREATE TABLE "half_done" ("id" TEXT);\n');
    assert.deepEqual((await applyMigrations(db.url, dir)).applied, [broken]);
  });

  it('refuses to run while an earlier migration is recorded as started but never finished', async () => {
    db = await testDatabase();
    await withClient(db.url, (c) =>
      c.query(`INSERT INTO _prisma_migrations (id, checksum, migration_name, logs)
               VALUES ('00000000-0000-4000-8000-000000000000', 'x', '20991231000000_crashed', 'boom')`),
    );
    await assert.rejects(applyMigrations(db.url), (err: unknown) => {
      assert.ok(err instanceof MigrationFailedError);
      assert.equal(err.migration, '20991231000000_crashed');
      assert.match(err.message, /never finished.*boom/s);
      return true;
    });
  });

  it('applies each migration once when several processes migrate at the same time', async () => {
    db = await testDatabase({ migrate: false });
    const results = await Promise.all([applyMigrations(db.url), applyMigrations(db.url), applyMigrations(db.url)]);
    const names = (await readMigrations()).map((m) => m.name);
    assert.deepEqual(results.flatMap((r) => r.applied).sort(), names);
    assert.deepEqual((await migrationRows(db.url)).map((r) => r.migration_name), names);
  });
});
