import { benchDatabase } from '../bench/support';
import pg from 'pg';
const database = await benchDatabase();
const client = new pg.Client({ connectionString: database.url }); await client.connect();
await client.query(`CREATE TABLE t (id int primary key, n int)`); await client.query(`INSERT INTO t VALUES (1, 0)`);
async function time(label: string, fn: () => Promise<unknown>) {
  const times: number[] = [];
  for (let i = 0; i < 300; i++) { const t0 = performance.now(); await fn(); times.push(performance.now() - t0); }
  times.sort((a, b) => a - b);
  console.log(`${label}: p50 ${times[150]!.toFixed(2)} ms p90 ${times[270]!.toFixed(2)} ms`);
}
await time('BEGIN; UPDATE; COMMIT', async () => { await client.query('BEGIN'); await client.query('UPDATE t SET n = n + 1 WHERE id = 1'); await client.query('COMMIT'); });
await time('BEGIN; UPDATE; NOTIFY; COMMIT', async () => { await client.query('BEGIN'); await client.query('UPDATE t SET n = n + 1 WHERE id = 1'); await client.query(`SELECT pg_notify('x', 'y')`); await client.query('COMMIT'); });
await time('BEGIN; UPDATE; COMMIT (async commit)', async () => { await client.query('BEGIN; SET LOCAL synchronous_commit = off'); await client.query('UPDATE t SET n = n + 1 WHERE id = 1'); await client.query('COMMIT'); });
await client.end();
await database.drop();
