// The embedded Postgres that `npm start` (and the test suite, without a local server) falls back on.
import assert from 'node:assert/strict';
import { chmod, cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { EmbeddedPostgresError, freePort, startEmbeddedPostgres } from '../../src/local/postgres';
import { packagedNativeDir } from '../../src/local/postgresBinaries';

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('embedded Postgres', () => {
  let dir: string;
  const stops: Array<() => Promise<void>> = [];
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'builder-embedded-pg-'));
    // As root, Postgres runs as the `postgres` user, which must be able to enter the folder.
    await chmod(dir, 0o755);
  });
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('initialises a cluster in an empty folder and serves the builder database on the port it was given', async () => {
    const port = await freePort();
    const server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), port });
    stops.push(server.stop);

    assert.equal(server.port, port);
    assert.match(server.url, new RegExp(`^postgresql://postgres:[^@]+@127\\.0\\.0\\.1:${port}/builder$`));
    const [row] = await query<{ db: string; encoding: string }>(
      server.url,
      'SELECT current_database() AS db, pg_encoding_to_char(encoding) AS encoding FROM pg_database WHERE datname = current_database()',
    );
    assert.deepEqual(row, { db: 'builder', encoding: 'UTF8' });
  });

  it('initialises a cluster in a data folder whose parents do not exist yet (a fresh DATA_DIR)', async () => {
    const server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'fresh', '.data', 'postgres') });
    stops.push(server.stop);
    const [row] = await query<{ db: string }>(server.url, 'SELECT current_database() AS db');
    assert.equal(row?.db, 'builder');
  });

  it('keeps its data when stopped and started again on the same folder, on another port', async () => {
    const dataDir = path.join(dir, 'data');
    const first = await startEmbeddedPostgres({ dataDir });
    stops.push(first.stop);
    await query(first.url, `CREATE TABLE kept (v TEXT); INSERT INTO kept VALUES ('still here')`);
    await first.stop();
    // Stopping is complete: nothing answers on the old port any more.
    await assert.rejects(query(first.url, 'SELECT 1'));

    const second = await startEmbeddedPostgres({ dataDir });
    stops.push(second.stop);
    assert.notEqual(second.port, first.port);
    assert.deepEqual(await query(second.url, 'SELECT v FROM kept'), [{ v: 'still here' }]);
  });

  it('creates a database of another name on a cluster that already exists', async () => {
    const dataDir = path.join(dir, 'data');
    const first = await startEmbeddedPostgres({ dataDir });
    await first.stop();
    const second = await startEmbeddedPostgres({ dataDir, database: 'other' });
    stops.push(second.stop);
    assert.match(second.url, /\/other$/);
    assert.deepEqual(await query(second.url, 'SELECT current_database() AS db'), [{ db: 'other' }]);
  });

  it('refuses a folder that holds files but no cluster, and leaves them alone', async () => {
    const dataDir = path.join(dir, 'data');
    await mkdir(dataDir);
    await writeFile(path.join(dataDir, 'notes.txt'), 'mine');
    await assert.rejects(startEmbeddedPostgres({ dataDir }), (err: unknown) => {
      assert.ok(err instanceof EmbeddedPostgresError);
      assert.match(err.message, /neither empty nor a Postgres cluster/);
      return true;
    });
    assert.deepEqual(await readdir(dataDir), ['notes.txt']);
  });

  it('runs from binaries and a data folder inside a mode-700 folder (a checkout in root’s home), keeping its data across restarts', async function () {
    // A copy of the installed binaries in a private folder, like node_modules of a clone in /root.
    const privateDir = await mkdtemp(path.join(tmpdir(), 'builder-private-'));
    const reachable = await mkdtemp(path.join(tmpdir(), 'builder-reachable-'));
    await chmod(reachable, 0o755);
    stops.push(() => rm(privateDir, { recursive: true, force: true }));
    stops.push(() => rm(reachable, { recursive: true, force: true }));
    await chmod(privateDir, 0o700);
    const nativeDir = path.join(privateDir, 'node_modules', 'native');
    await cp(await packagedNativeDir(), nativeDir, { recursive: true, verbatimSymlinks: true });
    const options = {
      dataDir: path.join(privateDir, '.data', 'postgres'),
      nativeDir,
      cacheDir: path.join(reachable, 'cache'),
      dataRoot: path.join(reachable, 'data'),
    };

    const first = await startEmbeddedPostgres(options);
    stops.push(first.stop);
    await query(first.url, `CREATE TABLE kept (v TEXT); INSERT INTO kept VALUES ('private')`);
    if (userInfo().uid === 0) {
      // The postgres user cannot enter the private folder: binaries and data live where it can.
      assert.ok(first.binaries.nativeDir.startsWith(options.cacheDir), first.binaries.nativeDir);
      assert.ok(first.dataDir.startsWith(options.dataRoot), first.dataDir);
    } else {
      assert.equal(first.binaries.nativeDir, nativeDir);
      assert.equal(first.dataDir, options.dataDir);
    }
    await first.stop();

    const second = await startEmbeddedPostgres(options);
    stops.push(second.stop);
    assert.equal(second.dataDir, first.dataDir, 'a restart finds the same cluster');
    assert.deepEqual(await query(second.url, 'SELECT v FROM kept'), [{ v: 'private' }]);
  });
});
