// The activity hop probe: bare workflows with 0, 1 and 3 no-op activities in sequence (and local
// activities), solo, on dev servers started with different settings, to find where a hop's time
// goes. Prints the solo p50 of each shape under each setting.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client } from '@temporalio/client';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { DEV_SERVER_TUNING } from '../temporal/devServer';
import { benchTemporal, envInt, log, percentile, solo, type BenchTemporal } from './support';

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
  const bundle = await bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('./bareWorkflow.ts', import.meta.url)),
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error },
  });
  const rows: Array<{ variant: string; p50: number[] }> = [];
  for (const index of picked) {
    const variant = VARIANTS[index]!;
    log(`hop probe: ${variant.name} (${runs} runs per shape)`);
    const temporal = await benchTemporal({ extraArgs: variant.args });
    try {
      rows.push({ variant: variant.name, p50: await probe(temporal, bundle, runs) });
    } finally {
      await temporal.close();
    }
  }
  const head = `| dev server setting | ${SHAPES.map((s) => s.name).join(' | ')} |`;
  console.log(`\nHop probe: solo p50 of a bare workflow, ms (${runs} runs each, after 3 warm-ups)\n`);
  console.log(head);
  console.log(`|---|${SHAPES.map(() => '---:').join('|')}|`);
  for (const row of rows) console.log(`| ${row.variant} | ${row.p50.map((v) => v.toFixed(0)).join(' | ')} |`);
  console.log('');
}

async function probe(temporal: BenchTemporal, bundle: Awaited<ReturnType<typeof bundleWorkflowCode>>, runs: number): Promise<number[]> {
  const taskQueue = `hop-${randomUUID()}`;
  const worker = await Worker.create({
    connection: temporal.native,
    namespace: temporal.namespace,
    taskQueue,
    workflowBundle: bundle,
    activities: { noop: async (step: string) => step },
  });
  // Eager workflow start needs the client to share the worker's native connection.
  const eagerClient = new Client({ connection: temporal.native, namespace: temporal.namespace });
  return worker.runUntil(async () => {
    const result: number[] = [];
    for (const shape of SHAPES) {
      const client = shape.eagerStart ? eagerClient : temporal.client;
      const once = () =>
        client.workflow.execute('hopProbe', {
          taskQueue,
          workflowId: `hop-${randomUUID()}`,
          args: [shape.count, shape.local],
          ...(shape.eagerStart ? { requestEagerStart: true } : {}),
        });
      await solo(3, once);
      result.push(percentile(await solo(runs, once), 50));
    }
    return result;
  });
}
