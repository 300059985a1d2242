// The soak benchmark: SOAK_RUNS (10,000) runs of a DAG (SOAK_WORKFLOW: dag-text, provider steps as
// activities; dag-inline, template steps) over the API, SOAK_CONCURRENCY (16) at a time, with the
// API and the worker as their own processes (`npm run server`, `npm run worker`); samples the
// worker's and the API's RSS every SOAK_SAMPLE_EVERY (1,000) runs, after a warm-up, to show whether
// memory stays flat. A leak per run shows up as a steady climb across the samples.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { seedDagAccount } from './dag';
import { benchDatabase, benchProcesses, benchTemporal, envInt, loaded, log } from './support';

/** A process's resident set size, from /proc (Linux). */
async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : NaN;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Runs the soak and prints the worker's and the API's RSS samples. */
export async function soakBench(): Promise<void> {
  const runs = envInt('SOAK_RUNS', 10_000);
  const concurrency = envInt('SOAK_CONCURRENCY', 16);
  const every = Math.max(1, envInt('SOAK_SAMPLE_EVERY', 1_000));
  const temporal = await benchTemporal();
  const database = await benchDatabase();
  const engine = await benchProcesses(temporal, database.url);
  const { apiKey } = await seedDagAccount(database.db);
  const workflow = process.env.SOAK_WORKFLOW ?? 'dag-text';
  const run = async () => {
    const response = await fetch(`${engine.apiUrl}/api/workflows/${workflow}/run`, {
      method: 'POST',
      headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: { topic: randomUUID() } }),
    });
    const body = (await response.json()) as { success?: boolean };
    if (response.status !== 200 || !body.success) throw new Error(`${response.status} ${JSON.stringify(body)}`);
  };
  const samples: Array<{ runs: number; rss: number; apiRss: number; runsPerSecond: number; errors: number }> = [];
  const sample = async (done: number, runsPerSecond: number, errors: number) => {
    const [rss, apiRss] = await Promise.all([rssOf(engine.workerPid), rssOf(engine.apiPid)]);
    samples.push({ runs: done, rss, apiRss, runsPerSecond, errors });
    log(`soak: ${done} runs, worker RSS ${mb(rss)}, API RSS ${mb(apiRss)}, ${runsPerSecond.toFixed(1)} runs/s, ${errors} failed`);
  };
  try {
    log(`soak: warm-up of ${2 * concurrency} runs, then ${runs} ${workflow} runs at ${concurrency} concurrent`);
    await loaded(2 * concurrency, concurrency, run);
    await sample(0, 0, 0);
    for (let done = 0; done < runs; ) {
      const batch = Math.min(every, runs - done);
      const load = await loaded(batch, concurrency, run);
      done += batch;
      await sample(done, load.times.length / (load.elapsedMs / 1000), load.errors);
    }
  } finally {
    await engine.close();
    await database.drop();
    await temporal.close();
  }
  const first = samples[0]!;
  const last = samples.at(-1)!;
  console.log(`
Soak: ${runs} ${workflow} runs at ${concurrency} concurrent (npm run server + npm run worker, separate processes; server: ${temporal.label})

| runs | worker RSS | API RSS | runs/s (last ${every}) | failed |
|---:|---:|---:|---:|---:|`);
  for (const s of samples) console.log(`| ${s.runs} | ${mb(s.rss)} | ${mb(s.apiRss)} | ${s.runsPerSecond.toFixed(1)} | ${s.errors} |`);
  console.log(`\nWorker RSS ${mb(first.rss)} after warm-up → ${mb(last.rss)} after ${runs} runs (${last.rss >= first.rss ? '+' : ''}${mb(last.rss - first.rss)}).\n`);
}
