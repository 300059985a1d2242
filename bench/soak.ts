// The soak benchmark: SOAK_RUNS (10,000) runs of the inline DAG (template steps) over the API,
// SOAK_CONCURRENCY (16) at a time, with the API and the worker in this process; samples the
// process's RSS and V8 heap every SOAK_SAMPLE_EVERY (1,000) runs, after a warm-up, to show whether
// memory stays flat. A leak per run shows up as a steady climb across the samples.
import { randomUUID } from 'node:crypto';
import { seedDagAccount } from './dag';
import { benchDatabase, benchEngine, benchTemporal, envInt, loaded, log } from './support';

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Runs the soak and prints the RSS and heap samples. */
export async function soakBench(): Promise<void> {
  const runs = envInt('SOAK_RUNS', 10_000);
  const concurrency = envInt('SOAK_CONCURRENCY', 16);
  const every = Math.max(1, envInt('SOAK_SAMPLE_EVERY', 1_000));
  const temporal = await benchTemporal();
  const database = await benchDatabase();
  const engine = await benchEngine(temporal, database.db, database.url);
  const { apiKey } = await seedDagAccount(database.db);
  const run = async () => {
    const response = await fetch(`${engine.apiUrl}/api/workflows/dag-inline/run`, {
      method: 'POST',
      headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: { topic: randomUUID() } }),
    });
    const body = (await response.json()) as { success?: boolean };
    if (response.status !== 200 || !body.success) throw new Error(`${response.status} ${JSON.stringify(body)}`);
  };
  const samples: Array<{ runs: number; rss: number; heap: number; runsPerSecond: number; errors: number }> = [];
  const sample = (done: number, runsPerSecond: number, errors: number) => {
    // A collection first when exposed (node --expose-gc), so the heap figure is what is live.
    (globalThis as { gc?: () => void }).gc?.();
    const usage = process.memoryUsage();
    samples.push({ runs: done, rss: usage.rss, heap: usage.heapUsed, runsPerSecond, errors });
    log(`soak: ${done} runs, RSS ${mb(usage.rss)}, heap ${mb(usage.heapUsed)}, ${runsPerSecond.toFixed(1)} runs/s, ${errors} failed`);
  };
  try {
    log(`soak: warm-up of ${2 * concurrency} runs, then ${runs} inline DAG runs at ${concurrency} concurrent`);
    await loaded(2 * concurrency, concurrency, run);
    sample(0, 0, 0);
    for (let done = 0; done < runs; ) {
      const batch = Math.min(every, runs - done);
      const load = await loaded(batch, concurrency, run);
      done += batch;
      sample(done, load.times.length / (load.elapsedMs / 1000), load.errors);
    }
  } finally {
    await engine.close();
    await database.drop();
    await temporal.close();
  }
  const first = samples[0]!;
  const last = samples.at(-1)!;
  console.log(`
Soak: ${runs} inline DAG runs at ${concurrency} concurrent (API and worker in one process; server: ${temporal.label})

| runs | RSS | heap used | runs/s (last ${every}) | failed |
|---:|---:|---:|---:|---:|`);
  for (const s of samples) console.log(`| ${s.runs} | ${mb(s.rss)} | ${mb(s.heap)} | ${s.runsPerSecond.toFixed(1)} | ${s.errors} |`);
  console.log(`\nRSS ${mb(first.rss)} after warm-up → ${mb(last.rss)} after ${runs} runs (${last.rss >= first.rss ? '+' : ''}${mb(last.rss - first.rss)}).\n`);
}
