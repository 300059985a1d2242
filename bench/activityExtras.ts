// `npm run bench -- activity-extras`: what our activities' extras cost Temporal. The DAG bench puts
// most of the gap between our text-step runs and bare Temporal's in the Temporal server and in the
// worker, per activity (our inline runs cost the server about what bare local activities do). This
// runs the bare DAG with no-op activities that carry, one at a time and then together, what each of
// our step activities carries: a heartbeat timeout, our retry policy with a summary, an input and a
// result of our size; then what our starts carry and what our run's history holds besides its steps,
// and everything together. Same dev server, rounds in alternating order; prints runs/s and the CPU the
// server and the bench process (workflow, activities and client) spend per run.
import { randomUUID } from 'node:crypto';
import type { ActivityExtras } from './bareWorkflow';
import { cpuPerRun, type CpuGroup } from './cpu';
import { workerDeploymentOptions } from '../src/runtime/worker';
import { resolveBuildId } from '../src/runtime/buildId';
import { echoActivities, OUR_EXTRAS, OUR_START, ourStart, type StartPart } from './ourShape';
import { benchTemporal, createBareWorker, emptyMeasured, envInt, log, measureRound, percentile } from './support';

const VARIANTS: Array<{ name: string; extras: ActivityExtras; deployment?: true; start?: readonly StartPart[] }> = [
  { name: 'bare no-op activities', extras: {} },
  { name: '+ heartbeat timeout 10 s', extras: { heartbeat: true } },
  { name: '+ retry policy and summary', extras: { policy: true } },
  { name: '+ 1.5 KB input, 0.4 KB result', extras: { inputBytes: 1500, resultBytes: 400 } },
  { name: 'all of them', extras: { heartbeat: true, policy: true, inputBytes: 1500, resultBytes: 400 } },
  { name: 'all of them, on a worker with a deployment version (as ours)', extras: { heartbeat: true, policy: true, inputBytes: 1500, resultBytes: 400 }, deployment: true },
  { name: '+ our start: search attributes, memo, summaries, fairness key, 7 KB input', extras: {}, start: OUR_START },
  { name: '+ a 7 KB start input', extras: {}, start: ['input'] },
  { name: '+ our search attributes, memo and summaries', extras: {}, start: ['attributes'] },
  { name: '+ a fairness key', extras: {}, start: ['fairness'] },
  { name: '+ our history: patch marker, run-timeout timer, end upsert, end local activity', extras: { history: true } },
  { name: '+ a patch marker (and its change-version upsert)', extras: { history: ['patch'] } },
  { name: '+ a timer started and cancelled', extras: { history: ['timer'] } },
  { name: '+ a search-attribute upsert at the end', extras: { history: ['upsert'] } },
  { name: '+ a local activity at the end', extras: { history: ['local'] } },
  { name: 'all of the above, as our text runs', extras: OUR_EXTRAS, deployment: true, start: OUR_START },
  // Added later, after the rows above, so their numbers (EXTRAS_VARIANTS, cited in the README) stay as they were.
  { name: '+ a timer started and left open at the end', extras: { history: ['open-timer'] } },
  { name: '+ a patch marker and a timer (started and cancelled)', extras: { history: ['patch', 'timer'] } },
  { name: '+ a schedule-to-close timeout on each activity', extras: { scheduleToClose: true } },
  { name: 'all of them (rows 2 to 4) + a schedule-to-close timeout', extras: { heartbeat: true, policy: true, inputBytes: 1500, resultBytes: 400, scheduleToClose: true } },
];

export async function activityExtrasBench(): Promise<void> {
  const runs = envInt('EXTRAS_RUNS', 300);
  const concurrency = envInt('DAG_CONCURRENCY', 32);
  const soloRuns = envInt('DAG_SOLO_RUNS', 20);
  const rounds = envInt('DAG_ROUNDS', 2);
  // EXTRAS_VARIANTS=1,7,8: only those rows (numbered from 1, as listed); all by default.
  const only = process.env.EXTRAS_VARIANTS?.split(',').map((n) => Number(n) - 1);
  const variants = VARIANTS.filter((_, index) => !only || only.includes(index));
  const temporal = await benchTemporal();
  const taskQueue = `extras-${randomUUID()}`;
  const groups: CpuGroup[] = [
    { name: 'temporal', comm: 'temporal' },
    { name: 'temporal', comm: 'temporal-server' },
    { name: 'bench', pid: process.pid },
  ];
  const worker = await createBareWorker(temporal, taskQueue, echoActivities, { maxCachedWorkflows: 1000 });
  // Our worker's options (src/runtime/worker.ts): a deployment version, versioning off, as `npm run worker` runs.
  const versionedQueue = `${taskQueue}-versioned`;
  const versioned = await createBareWorker(temporal, versionedQueue, echoActivities, { maxCachedWorkflows: 1000, workerDeploymentOptions: workerDeploymentOptions(resolveBuildId()) });
  const measured = variants.map(() => emptyMeasured());
  try {
    await Promise.all([versioned.run(), worker.runUntil(async () => {
      for (let round = 0; round < rounds; round++) {
        const order = variants.map((_, index) => index);
        for (const index of round % 2 === 0 ? order : order.reverse()) {
          const variant = variants[index]!;
          const { args, extra } = ourStart(variant.extras, variant.start ?? []);
          const run = () => temporal.client.workflow.execute('bareDagCarrying', { taskQueue: variant.deployment ? versionedQueue : taskQueue, workflowId: `extras-${randomUUID()}`, args, ...extra });
          log(`activity extras: ${variant.name} (round ${round + 1} of ${rounds})`);
          const { load } = await measureRound(run, { runs, concurrency, soloRuns, cpuGroups: groups }, measured[index]!);
          if (load.errors > 0) log(`  ${load.errors} failed (first: ${load.firstError})`);
        }
      }
    }).finally(() => versioned.shutdown())]);
  } finally {
    await temporal.close();
  }
  console.log(`\nActivity extras: the benchmark DAG (4 activities) on ${temporal.label}; ${runs * rounds} runs at ${concurrency} concurrent per variant, ${rounds} rounds.\n`);
  console.log('| variant | runs/s | solo p50 | CPU per run |\n|---|---:|---:|---|');
  for (const [index, variant] of variants.entries()) {
    const sum = measured[index]!;
    console.log(`| ${variant.name} | ${(sum.times.length / (sum.elapsedMs / 1000)).toFixed(1)} | ${percentile(sum.soloTimes, 50).toFixed(0)} ms | ${cpuPerRun(sum.cpu, sum.times.length || 1)} |`);
  }
}
