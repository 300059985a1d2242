import { benchDatabase } from '../bench/support';
import pg from 'pg';
const database = await benchDatabase();
const db = database.db;
async function time(label: string, fn: () => Promise<unknown>) {
  const times: number[] = [];
  for (let i = 0; i < 200; i++) { const t0 = performance.now(); await fn(); times.push(performance.now() - t0); }
  times.sort((a, b) => a - b);
  console.log(`${label}: p50 ${times[100]!.toFixed(2)} ms p90 ${times[180]!.toFixed(2)} ms`);
}
await time('prisma interactive tx, 8 x SELECT 1', () => db.$transaction(async (tx) => { for (let i = 0; i < 8; i++) await tx.$executeRaw`SELECT 1`; }));
await time('prisma 1 x SELECT 1', () => db.$executeRaw`SELECT 1`);
const client = new pg.Client({ connectionString: database.url }); await client.connect();
await time('pg BEGIN + 8 x SELECT 1 + COMMIT', async () => { await client.query('BEGIN'); for (let i = 0; i < 8; i++) await client.query('SELECT 1'); await client.query('COMMIT'); });
await time('pg 1 x SELECT $1', () => client.query('SELECT $1::int', [1]));
await client.end();
await database.drop();
