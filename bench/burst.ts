// `npx tsx bench/burst.ts`: a burst of concurrent admissions on one API process (no fault), then
// prints how many got 202 and 503 (and anything else), latency percentiles, and whether the 503s
// gave their rate-limit slots back. Starts what it needs: a dev server and a fresh database.
// Knobs: BURST_SIZE (200), DATABASE_POOL_MAX (the API's pool, default as in production).
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { createApp } from '../src/api/app';
import { loadConfig } from '../src/config';
import { createPrisma } from '../src/db/client';
import { applyMigrations } from '../src/db/migrate';
import { seedDemo } from '../src/demo/seed';
import { installTemporalRuntime } from '../src/runtime/worker';
import { Admissions } from '../src/services/admission';
import { locateTemporalCli } from '../temporal/cli';
import { startDevServer } from '../temporal/devServer';

const BURST = Number(process.env.BURST_SIZE ?? 200);
installTemporalRuntime('ERROR');
const config = loadConfig();
const log = (message: string) => console.log(`[burst] ${message}`);

const serverUrl = config.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const dbName = `burst_${Date.now()}`;
const admin = new pg.Client({ connectionString: serverUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const url = new URL(serverUrl);
url.pathname = `/${dbName}`;
await applyMigrations(url.toString());
const db = createPrisma(url.toString(), { poolMax: config.DATABASE_POOL_MAX });

const executable = await locateTemporalCli(log);
if (!executable) throw new Error('No Temporal CLI: set TEMPORAL_CLI_PATH or install Go.');
const temporalServer = await startDevServer({ executable, headless: true, log });
const connection = await Connection.connect({ address: temporalServer.address });
const client = new Client({ connection });
// No worker: the burst measures admission (checks, the transaction, the workflow start).
const taskQueue = `burst-${randomUUID()}`;
const admissions = new Admissions({ db, temporal: client, taskQueue, markup: 1, runTimeoutMs: 60_000 });
const app = createApp({ db, temporal: client, admissions, config: { ADMIN_TOKEN: undefined, TEMPORAL_TASK_QUEUE: taskQueue }, log: { error: console.error, info: () => undefined } });
const server = createServer(app.callback());
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const demo = await seedDemo(db, `/tmp/${dbName}`);

const post = async (i: number) => {
  const started = performance.now();
  const response = await fetch(`${apiUrl}/api/workflows/demo-text-chain/run?async=true`, {
    method: 'POST',
    headers: { 'x-api-key': demo.apiKey, 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: { topic: `burst ${i}` } }),
  });
  const body = await response.text();
  return { status: response.status, ms: performance.now() - started, code: response.status >= 300 ? (JSON.parse(body) as { error?: { code?: string } }).error?.code : undefined };
};
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

await post(-1); // warm up connections
// Keep the burst and its slot refunds inside one rate-limit window.
const left = 60_000 - (Date.now() % 60_000);
if (left < 45_000) await sleep(left + 50);
const windowBefore = await db.rateLimitWindow.findFirst({ where: { accountId: demo.accountId }, orderBy: { windowStart: 'desc' } });
log(`${BURST} concurrent POST /api/workflows/demo-text-chain/run?async=true, pool ${config.DATABASE_POOL_MAX}`);
const burstStart = performance.now();
const answers = await Promise.all(Array.from({ length: BURST }, (_, i) => post(i)));
const wall = performance.now() - burstStart;
const byStatus = new Map<string, number>();
for (const answer of answers) byStatus.set(`${answer.status}${answer.code ? ` ${answer.code}` : ''}`, (byStatus.get(`${answer.status}${answer.code ? ` ${answer.code}` : ''}`) ?? 0) + 1);
const admitted = answers.filter((a) => a.status === 202).length;
const countedSlots = async () => {
  const window = await db.rateLimitWindow.findFirst({ where: { accountId: demo.accountId }, orderBy: { windowStart: 'desc' } });
  return (window?.count ?? 0) - (window && windowBefore && window.windowStart.getTime() === windowBefore.windowStart.getTime() ? windowBefore.count : 0);
};
for (let i = 0; i < 200 && (await countedSlots()) !== admitted; i++) await sleep(100);
const fiveXx = answers.filter((a) => a.status >= 500 && a.status !== 503).length;
console.log(`
Burst of ${BURST} concurrent admissions on one API process (pool ${config.DATABASE_POOL_MAX}), ${(wall / 1000).toFixed(1)} s wall
  answers            ${[...byStatus].map(([status, n]) => `${n} × ${status}`).join(', ')}
  5xx other than 503 ${fiveXx}
  latency (all)      p50 ${percentile(answers.map((a) => a.ms), 50).toFixed(0)} ms   p99 ${percentile(answers.map((a) => a.ms), 99).toFixed(0)} ms
  latency (202)      p50 ${percentile(answers.filter((a) => a.status === 202).map((a) => a.ms), 50).toFixed(0)} ms   p99 ${percentile(answers.filter((a) => a.status === 202).map((a) => a.ms), 99).toFixed(0)} ms
  rate-limit slots   ${await countedSlots()} counted for ${admitted} admitted (503s give theirs back)
`);

server.close();
await db.$disconnect();
await connection.close();
await temporalServer.stop();
await admin.query(`DROP DATABASE ${dbName} WITH (FORCE)`);
await admin.end();
