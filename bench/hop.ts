// The activity hop probe: bare workflows with 0, 1 and 3 no-op activities in sequence (and local
// activities), solo, on dev servers started with different settings, to find where a hop's time
// goes. Prints the solo p50 of each shape under each setting.
import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import type { WorkerOptions, WorkflowBundle } from '@temporalio/worker';
import { freeLoopbackPort as freePort } from '../src/net/ports';
import { installTemporalRuntime } from '../src/runtime/worker';
import { DEV_SERVER_TUNING } from '../temporal/devServer';
import { bundleBareWorkflows, benchTemporal, createBareWorker, envInt, log, percentile, solo, type BenchTemporal } from './support';

const dc = (key: string, value: unknown) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`];

/** Settings compared by the probe: the dev server's defaults first, our tuning last. */
const VARIANTS: Array<{ name: string; args: string[] }> = [
  { name: 'defaults (in-memory SQLite)', args: [] },
  { name: 'one task-queue partition', args: [...dc('matching.numTaskqueueReadPartitions', 1), ...dc('matching.numTaskqueueWritePartitions', 1)] },
  { name: 'eager activity dispatch', args: dc('system.enableActivityEagerExecution', true) },
  { name: 'transfer queue poll 1000/s', args: dc('history.transferProcessorMaxPollRPS', 1000) },
  { name: 'transfer 1000/s + eager activities', args: [...dc('history.transferProcessorMaxPollRPS', 1000), ...dc('system.enableActivityEagerExecution', true)] },
  { name: 'our tuning (DEV_SERVER_TUNING)', args: [...DEV_SERVER_TUNING] },
];

const SHAPES: Array<{ name: string; count: number; local: boolean; eagerStart?: boolean }> = [
  { name: '0 activities', count: 0, local: false },
  { name: '1 activity', count: 1, local: false },
  { name: '3 activities', count: 3, local: false },
  { name: '3 local activities', count: 3, local: true },
  { name: '1 activity, eager start', count: 1, local: false, eagerStart: true },
];

/** Runs the probe; `only` picks variants by index (HOP_VARIANTS=0,5). */
export async function hopBench(): Promise<void> {
  const runs = envInt('HOP_RUNS', 20);
  const picked = process.env.HOP_VARIANTS ? process.env.HOP_VARIANTS.split(',').map(Number) : VARIANTS.map((_, i) => i);
  const bundle = await bundleBareWorkflows();
  // The SDK's own latency histograms split a workflow task's time between Core, lang and the RPCs.
  const metricsUrl = `127.0.0.1:${await freePort()}`;
  installTemporalRuntime('ERROR', metricsUrl);
  const rows: Array<{ variant: string; p50: number[]; gaps: Gaps; sdk: Record<string, number> }> = [];
  for (const index of picked) {
    const variant = VARIANTS[index]!;
    log(`hop probe: ${variant.name} (${runs} runs per shape)`);
    const temporal = await benchTemporal({ extraArgs: variant.args });
    try {
      const before = await sdkLatencies(metricsUrl);
      const result = await probe(temporal, bundle, runs);
      const after = await sdkLatencies(metricsUrl);
      const sdk = Object.fromEntries(Object.keys(after).map((name) => [name, meanOf(after[name]!, before[name])]));
      rows.push({ variant: variant.name, ...result, sdk });
    } finally {
      await temporal.close();
    }
  }
  const head = `| dev server setting | ${SHAPES.map((s) => s.name).join(' | ')} |`;
  console.log(`\nHop probe: solo p50 of a bare workflow, ms (${runs} runs each, after 3 warm-ups)\n`);
  console.log(head);
  console.log(`|---|${SHAPES.map(() => '---:').join('|')}|`);
  for (const row of rows) console.log(`| ${row.variant} | ${row.p50.map((v) => v.toFixed(0)).join(' | ')} |`);
  console.log(`\nWhere a hop goes, from the server's own event times (median over the "3 activities" runs), ms\n`);
  console.log('| dev server setting | activity scheduled → started | activity started → completed (worker) | workflow task scheduled → started | workflow task started → completed (worker) | first → last event |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    const g = row.gaps;
    console.log(`| ${row.variant} | ${g.activityDispatch.toFixed(1)} | ${g.activityRun.toFixed(1)} | ${g.taskDispatch.toFixed(1)} | ${g.taskRun.toFixed(1)} | ${g.total.toFixed(1)} |`);
  }
  console.log(`\nThe worker's side, from the SDK's own histograms (mean per task or call over all shapes), ms\n`);
  const names = Object.keys(rows[0]?.sdk ?? {});
  console.log(`| dev server setting | ${names.join(' | ')} |`);
  console.log(`|---|${names.map(() => '---:').join('|')}|`);
  for (const row of rows) console.log(`| ${row.variant} | ${names.map((name) => row.sdk[name]!.toFixed(1)).join(' | ')} |`);
  console.log('');
}

const SDK_HISTOGRAMS: Record<string, string> = {
  'workflow task in worker': 'temporal_workflow_task_execution_latency',
  'activation in lang': 'temporal_workflow_activation_execution_latency',
  'RespondWorkflowTaskCompleted RPC': 'temporal_request_latency{operation="RespondWorkflowTaskCompleted"',
  'activity in worker': 'temporal_activity_execution_latency',
  'RespondActivityTaskCompleted RPC': 'temporal_request_latency{operation="RespondActivityTaskCompleted"',
};

/** Sums and counts of the SDK histograms we read (cumulative since the process started). */
async function sdkLatencies(bindAddress: string): Promise<Record<string, { sum: number; count: number }>> {
  const text = await (await fetch(`http://${bindAddress}/metrics`)).text();
  const lines = text.split('\n');
  const read = (prefix: string, suffix: '_sum' | '_count') => {
    const [name, labels = ''] = prefix.split('{');
    return lines
      .filter((line) => line.startsWith(`${name}${suffix}`) && line.includes(labels.replace(/^/, '')))
      .reduce((total, line) => total + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  };
  return Object.fromEntries(Object.entries(SDK_HISTOGRAMS).map(([label, prefix]) => [label, { sum: read(prefix, '_sum'), count: read(prefix, '_count') }]));
}

/** Mean in ms of what was recorded between two readings (the SDK records milliseconds). */
function meanOf(after: { sum: number; count: number }, before: { sum: number; count: number } | undefined): number {
  const count = after.count - (before?.count ?? 0);
  return count > 0 ? (after.sum - (before?.sum ?? 0)) / count : NaN;
}

/** Median gaps between history events of the probe's runs. */
interface Gaps {
  activityDispatch: number;
  activityRun: number;
  taskDispatch: number;
  taskRun: number;
  total: number;
}

/** Reads the runs' histories and takes the medians of the gaps a hop is made of. */
async function historyGaps(temporal: BenchTemporal, workflowIds: string[]): Promise<Gaps> {
  const gaps = { activityDispatch: [] as number[], activityRun: [] as number[], taskDispatch: [] as number[], taskRun: [] as number[], total: [] as number[] };
  const at = (event: { eventTime?: { seconds?: unknown; nanos?: number | null } | null }) =>
    Number(event.eventTime?.seconds ?? 0) * 1000 + (event.eventTime?.nanos ?? 0) / 1e6;
  for (const workflowId of workflowIds) {
    const events = (await temporal.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    const byId = new Map(events.map((event) => [Number(event.eventId), event]));
    for (const event of events) {
      const started = event.activityTaskStartedEventAttributes;
      if (started) gaps.activityDispatch.push(at(event) - at(byId.get(Number(started.scheduledEventId))!));
      const completed = event.activityTaskCompletedEventAttributes;
      if (completed) gaps.activityRun.push(at(event) - at(byId.get(Number(completed.startedEventId))!));
      const taskStarted = event.workflowTaskStartedEventAttributes;
      if (taskStarted) gaps.taskDispatch.push(at(event) - at(byId.get(Number(event.eventId) - 1)!));
      const taskCompleted = event.workflowTaskCompletedEventAttributes;
      if (taskCompleted) gaps.taskRun.push(at(event) - at(byId.get(Number(taskCompleted.startedEventId))!));
    }
    if (events.length > 0) gaps.total.push(at(events.at(-1)!) - at(events[0]!));
  }
  return {
    activityDispatch: percentile(gaps.activityDispatch, 50),
    activityRun: percentile(gaps.activityRun, 50),
    taskDispatch: percentile(gaps.taskDispatch, 50),
    taskRun: percentile(gaps.taskRun, 50),
    total: percentile(gaps.total, 50),
  };
}

async function probe(temporal: BenchTemporal, bundle: WorkflowBundle, runs: number): Promise<{ p50: number[]; gaps: Gaps }> {
  const taskQueue = `hop-${randomUUID()}`;
  const worker = await createBareWorker(temporal, taskQueue, { noop: async (step: string) => step }, {
    bundle,
    // Worker options to compare, e.g. HOP_WORKER_OPTIONS='{"debugMode":true}' (workflows on the main thread).
    ...(JSON.parse(process.env.HOP_WORKER_OPTIONS ?? '{}') as Partial<WorkerOptions>),
  });
  // Eager workflow start needs the client to share the worker's native connection.
  const eagerClient = new Client({ connection: temporal.native, namespace: temporal.namespace });
  return worker.runUntil(async () => {
    const p50: number[] = [];
    let threeActivities: string[] = [];
    for (const shape of SHAPES) {
      const client = shape.eagerStart ? eagerClient : temporal.client;
      const ids: string[] = [];
      const once = () => {
        const workflowId = `hop-${randomUUID()}`;
        ids.push(workflowId);
        return client.workflow.execute('hopProbe', {
          taskQueue,
          workflowId,
          args: [shape.count, shape.local],
          ...(shape.eagerStart ? { requestEagerStart: true } : {}),
        });
      };
      await solo(3, once);
      ids.length = 0;
      p50.push(percentile(await solo(runs, once), 50));
      if (shape.count === 3 && !shape.local) threeActivities = [...ids];
    }
    return { p50, gaps: await historyGaps(temporal, threeActivities) };
  });
}
