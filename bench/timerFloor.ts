// `npx tsx bench/timerFloor.ts`: measures how a local Temporal dev server honours sub-second timers
// and activity retry intervals (see README, "Retry interval floor"). Prints figures; no assertions.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { installTemporalRuntime } from '../src/runtime/worker';
import { locateTemporalCli } from '../temporal/cli';

installTemporalRuntime('ERROR');
const path = await locateTemporalCli(() => undefined);
const extraArgs = process.env.TIMER_SHIFT ? ['--dynamic-config-value', `history.timerProcessorMaxTimeShift="${process.env.TIMER_SHIFT}"`] : [];
const env = await TestWorkflowEnvironment.createLocal({ server: { ...(path ? { executable: { type: 'existing-path' as const, path } } : {}), ip: '127.0.0.1', extraArgs } });
const taskQueue = `timer-floor-${randomUUID()}`;
const failedAt = new Map<string, number>();
const gaps: number[] = [];
const worker = await Worker.create({
  connection: env.nativeConnection,
  taskQueue,
  workflowBundle: await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL('./timerFloorWorkflows.ts', import.meta.url)) }),
  activities: {
    async failOnce(key: string): Promise<number> {
      const previous = failedAt.get(key);
      if (previous === undefined) {
        failedAt.set(key, Date.now());
        throw new Error('first attempt fails');
      }
      gaps.push(Date.now() - previous);
      return Date.now() - previous;
    },
  },
});
const timers: Record<number, number[]> = { 50: [], 200: [], 500: [], 1500: [] };
await worker.runUntil(async () => {
  for (let i = 0; i < 5; i++) {
    for (const ms of Object.keys(timers).map(Number)) {
      timers[ms]!.push(await env.client.workflow.execute('timer', { taskQueue, workflowId: randomUUID(), args: [ms] }));
    }
    await env.client.workflow.execute('retried', { taskQueue, workflowId: randomUUID(), args: [randomUUID()] });
  }
});
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(`history.timerProcessorMaxTimeShift: ${process.env.TIMER_SHIFT ?? 'default (1s)'}`);
for (const [ms, took] of Object.entries(timers)) console.log(`workflow sleep(${ms} ms): median ${median(took)} ms (${took.join(', ')})`);
console.log(`activity retry, initialInterval 200 ms: failure → next attempt median ${median(gaps)} ms (${gaps.join(', ')})`);
await env.teardown();
