// The DAG benchmark: one 4-step DAG (a; then b and c in parallel; then d) run by bare Temporal
// (no-op activities, local activities) and by us over the API (text-generation steps as
// activities, template steps inline), on the same server in one run. Prints runs/s, p50/p99 under
// load and solo p50, with our ratios to bare Temporal.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../src/db/client';
import type { CanvasGraph } from '../src/domain/types';
import { generateApiKey } from '../src/services/apiKeys';
import { echoActivities, OUR_EXTRAS, ourStart } from './ourShape';
import { requestsPerRun } from './temporalRequests';
import { cpuPerRun, type CpuGroup } from './cpu';
import { benchDatabase, benchEngine, benchProcesses, benchTemporal, createBareWorker, emptyMeasured, envInt, log, measureRound, ms, percentile } from './support';

/** Figures of one system. */
export interface DagFigures {
  name: string;
  runsPerSecond: number;
  p50: number;
  p99: number;
  soloP50: number;
  /** Runs that failed under load (left out of the latencies). */
  errors: number;
  /** CPU per run under load, by process group (Linux only). */
  cpu?: string;
  /** The Temporal server's requests and persistence calls per run under load (when its metrics page is known: see BenchTemporal.metricsUrl). */
  requests?: string;
}

/** The DAG as a canvas: `type` and `config(step, prompt)` make each of a, b, c, d. */
function dagCanvas(node: (id: string, template: string) => { type: string; config: Record<string, unknown> }): CanvasGraph {
  const port = 'text';
  const steps = [
    { id: 'a', template: 'a({{topic}})', from: [['input', 'topic']] },
    { id: 'b', template: 'b({{a}})', from: [['a', port]] },
    { id: 'c', template: 'c({{a}})', from: [['a', port]] },
    { id: 'd', template: 'd({{b}},{{c}})', from: [['b', port], ['c', port]] },
  ];
  return {
    nodes: [
      { id: 'input', type: 'request-input', config: { fields: [{ name: 'topic', type: 'string', required: true }] } },
      ...steps.map((step) => ({ id: step.id, ...node(step.id, step.template) })),
      { id: 'output', type: 'response-output', config: {} },
    ],
    edges: [
      ...steps.flatMap((step) =>
        step.from.map(([source, sourcePort]) => ({ source: source!, sourcePort: sourcePort!, target: step.id, targetPort: source === 'input' ? 'topic' : source! })),
      ),
      { source: 'd', sourcePort: port, target: 'output', targetPort: 'result' },
    ],
  };
}

/** Steps as provider calls: sandbox text generation with no delay and no token delay. */
export const DAG_TEXT = dagCanvas((_, template) => ({
  type: 'text-generation',
  config: { model: 'sandbox-text', prompt: template, sandbox: { delayMs: 0, tokenDelayMs: 0 } },
}));
/** Steps computed inside the workflow: Template nodes. */
export const DAG_INLINE = dagCanvas((_, template) => ({ type: 'template', config: { template } }));

/** An enterprise account (no rate limit) with a key and the two DAG workflows. */
export async function seedDagAccount(db: Db): Promise<{ apiKey: string }> {
  const accountId = `acct_bench_${randomUUID()}`;
  await db.account.create({
    data: { id: accountId, name: 'Bench', tier: 'enterprise', approved: true, creditBalance: 1_000_000_000, webhookSecret: `whsec_${randomBytes(12).toString('hex')}` },
  });
  const key = generateApiKey();
  await db.apiKey.create({ data: { id: `key_${randomUUID()}`, accountId, prefix: key.prefix, hash: key.hash, capabilities: ['workflow:run'] } });
  for (const [slug, graph] of [['dag-text', DAG_TEXT], ['dag-inline', DAG_INLINE]] as const) {
    await db.workflow.create({ data: { id: `wf_${randomUUID()}`, accountId, slug, name: slug, canvasId: `cnv_${randomUUID()}`, graph: graph as object } });
  }
  return { apiKey: key.secret };
}

/** Runs the DAG benchmark and prints its table. DAG_SYSTEMS=bare,shaped,local,text,inline picks systems. */
export async function dagBench(): Promise<DagFigures[]> {
  const runs = envInt('DAG_RUNS', 500);
  const concurrency = envInt('DAG_CONCURRENCY', 32);
  const soloRuns = envInt('DAG_SOLO_RUNS', 30);
  // Rounds alternate the order of the systems (A B C D, then D C B A, …) so that a machine or server
  // drifting during the bench (a busier neighbour, tables growing) weighs on every system alike.
  const rounds = envInt('DAG_ROUNDS', 1);
  const picked = new Set((process.env.DAG_SYSTEMS ?? 'bare,shaped,local,text,inline').split(','));

  const temporal = await benchTemporal();
  const database = await benchDatabase();
  // As users run it: `npm run server` and `npm run worker`, separate processes (BENCH_ENGINE=inprocess: in this one;
  // BENCH_ENGINE=start: `npm start`, API and worker in one process of their own).
  const inProcess = process.env.BENCH_ENGINE === 'inprocess';
  const oneProcess = process.env.BENCH_ENGINE === 'start';
  const engine = inProcess ? await benchEngine(temporal, database.db, database.url) : await benchProcesses(temporal, database.url, { oneProcess });
  const { apiKey } = await seedDagAccount(database.db);
  const bareQueue = `${engine.taskQueue}-bare`;
  // Where the CPU goes under load: the bare workers and the client live in the bench process.
  const cpuGroups: CpuGroup[] = [
    { name: 'temporal', comm: 'temporal' },
    { name: 'temporal', comm: 'temporal-server' },
    { name: 'postgres', comm: 'postgres' },
    ...('apiPid' in engine ? (engine.apiPid === engine.workerPid ? [{ name: 'api+worker', pid: engine.apiPid }] : [{ name: 'api', pid: engine.apiPid }, { name: 'worker', pid: engine.workerPid }]) : []),
    { name: 'bench', pid: process.pid },
  ];
  const bareWorker = await createBareWorker(
    temporal,
    bareQueue,
    { noop: async (step: string) => step, ...echoActivities },
    { maxCachedWorkflows: 1000 },
  );

  const bare = (useLocal: boolean) => () =>
    temporal.client.workflow.execute('bareDag', { taskQueue: bareQueue, workflowId: `bare-${randomUUID()}`, args: [useLocal] });
  // The bare DAG carrying what our text runs carry in Temporal (bench/ourShape.ts): our share of a
  // text run's cost is what it spends beyond this one.
  const shaped = () => {
    const { args, extra } = ourStart(OUR_EXTRAS);
    return temporal.client.workflow.execute('bareDagCarrying', { taskQueue: bareQueue, workflowId: `shaped-${randomUUID()}`, args, ...extra });
  };
  const api = (slug: string) => async () => {
    const response = await fetch(`${engine.apiUrl}/api/workflows/${slug}/run`, {
      method: 'POST',
      headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: { topic: randomUUID() } }),
    });
    const body = (await response.json()) as { success?: boolean };
    if (response.status !== 200 || !body.success) throw new Error(`${slug}: ${response.status} ${JSON.stringify(body)}`);
  };
  const systems = [
    { id: 'bare', name: 'bare Temporal, 4 no-op activities', run: bare(false) },
    { id: 'shaped', name: 'bare Temporal, no-op activities shaped as ours (start, policy, payload sizes, history extras)', run: shaped },
    { id: 'local', name: 'bare Temporal, local activities', run: bare(true) },
    { id: 'text', name: 'ours over the API, steps = sandbox text-generation', run: api('dag-text') },
    { id: 'inline', name: 'ours over the API, steps = template nodes (inline)', run: api('dag-inline') },
  ].filter((system) => picked.has(system.id));

  // Per system, everything its rounds measured: the figures are computed over all of them.
  const measured = new Map(systems.map((system) => [system.id, emptyMeasured()]));
  try {
    await bareWorker.runUntil(async () => {
      for (let round = 0; round < rounds; round++) {
        for (const system of round % 2 === 0 ? systems : [...systems].reverse()) {
          const sum = measured.get(system.id)!;
          log(`DAG: ${system.name}${rounds > 1 ? ` (round ${round + 1} of ${rounds})` : ''}: warm-up, ${soloRuns} solo, ${runs} at ${concurrency} concurrent`);
          const { load, used } = await measureRound(system.run, { runs, concurrency, soloRuns, cpuGroups, ...(temporal.metricsUrl ? { metricsUrl: temporal.metricsUrl } : {}) }, sum);
          const cpu = cpuPerRun(used, load.times.length || 1);
          log(`  ${(load.times.length / (load.elapsedMs / 1000)).toFixed(1)} runs/s, p50 ${ms(percentile(load.times, 50))}, p99 ${ms(percentile(load.times, 99))}, solo p50 ${ms(percentile(sum.soloTimes.slice(-soloRuns), 50))}, ${load.errors} failed; ${cpu}${load.firstError ? ` (first: ${load.firstError.slice(0, 300)})` : ''}`);
        }
      }
    });
  } finally {
    await engine.close();
    await database.drop();
    await temporal.close();
  }
  const figures: DagFigures[] = systems.map((system) => {
    const sum = measured.get(system.id)!;
    return {
      name: system.name,
      runsPerSecond: sum.times.length / (sum.elapsedMs / 1000),
      p50: percentile(sum.times, 50),
      p99: percentile(sum.times, 99),
      soloP50: percentile(sum.soloTimes, 50),
      errors: sum.errors,
      cpu: cpuPerRun(sum.cpu, sum.times.length || 1),
      ...(sum.requests.size > 0 ? { requests: requestsPerRun(sum.requests, sum.times.length || 1) } : {}),
    };
  });
  printDagTable(figures, { runs: runs * rounds, concurrency, soloRuns: soloRuns * rounds, server: `${temporal.label}; ours: ${inProcess ? 'API and worker in the bench process' : oneProcess ? 'npm start (API and worker in one process)' : 'npm run server + npm run worker, separate processes'}${rounds > 1 ? `; ${rounds} rounds, the systems' order reversed every other round` : ''}` });
  return figures;
}

/** Prints the table and our ratios to the matching bare Temporal row. */
export function printDagTable(figures: DagFigures[], info: { runs: number; concurrency: number; soloRuns: number; server: string }): void {
  const byName = (prefix: string) => figures.find((f) => f.name.startsWith(prefix));
  const baseline = (f: DagFigures) =>
    f.name.includes('inline') ? byName('bare Temporal, local') : f.name.startsWith('ours') || f.name.includes('shaped') ? byName('bare Temporal, 4') : undefined;
  // Ours with activity steps against the bare DAG shaped as ours: what our own code (API, records, worker) costs.
  const shapedBase = byName('bare Temporal, no-op activities shaped');
  console.log(`
DAG benchmark: a; then b and c in parallel; then d. ${info.runs} runs at ${info.concurrency} concurrent, solo p50 of ${info.soloRuns}.
Server: ${info.server}.

| system | runs/s | p50 / p99 at ${info.concurrency} | solo p50 | failed | vs bare (runs/s, p50, solo) |
|---|---:|---:|---:|---:|---|`);
  for (const f of figures) {
    const base = baseline(f);
    const ratio = base
      ? `${(f.runsPerSecond / base.runsPerSecond).toFixed(2)}× · ${(f.p50 / base.p50).toFixed(2)}× · ${(f.soloP50 / base.soloP50).toFixed(2)}× of "${base.name}"`
      : '—';
    const shapedRatio =
      shapedBase && f.name.startsWith('ours') && !f.name.includes('inline')
        ? `; ${(f.runsPerSecond / shapedBase.runsPerSecond).toFixed(2)}× · ${(f.p50 / shapedBase.p50).toFixed(2)}× · ${(f.soloP50 / shapedBase.soloP50).toFixed(2)}× of the shaped bare DAG`
        : '';
    console.log(`| ${f.name} | ${f.runsPerSecond.toFixed(1)} | ${ms(f.p50)} / ${ms(f.p99)} | ${ms(f.soloP50)} | ${f.errors} | ${ratio}${shapedRatio} |`);
  }
  const withCpu = figures.filter((f) => f.cpu);
  if (withCpu.length > 0) {
    console.log('\nCPU under load, per run (ms; the bench process hosts the bare workers and sends our requests):');
    for (const f of withCpu) console.log(`- ${f.name}: ${f.cpu}`);
  }
  const withRequests = figures.filter((f) => f.requests);
  if (withRequests.length > 0) {
    console.log("\nThe Temporal server's work per run under load (its metrics: requests its services serve, calls to its persistence):");
    for (const f of withRequests) console.log(`- ${f.name}: ${f.requests}`);
  }
  console.log('');
}
