// What workflow code costs the worker, without a server or a database: replays every recorded
// history (test/histories, each release's) many times through the SDK's replay worker, with the bundle
// the worker runs by default and with WORKFLOW_STACK_TRACES=true's, in alternating rounds, and
// prints the process CPU per replayed run of each. Replaying runs the same workflow code, promise
// hooks and payload conversion as a live run's workflow tasks, so the figure moves with the
// workflow thread's cost and not with the machine's other load as much as the DAG bench does.
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflows, installTemporalRuntime } from '../src/runtime/worker';
import { allRecordedHistories } from '../test/histories/replay';
import { recordedReleases, replayDataConverter } from '../test/histories/store';
import { envInt, log } from './support';

/** Replays REPLAY_COPIES copies of each recorded history, REPLAY_ROUNDS rounds per bundle. */
export async function workflowCpuBench(): Promise<void> {
  installTemporalRuntime('ERROR');
  const copies = envInt('REPLAY_COPIES', 30);
  const rounds = envInt('REPLAY_ROUNDS', 3);
  const releases = await recordedReleases();
  const recorded = await allRecordedHistories();
  if (recorded.length === 0) throw new Error('No recorded histories in test/histories.');
  const histories = Array.from({ length: copies }, (_, copy) => recorded.map(({ workflowId, history }) => ({ workflowId: `${workflowId}-${copy}`, history }))).flat();
  const converter = await replayDataConverter(releases);
  const bundles: Array<{ name: string; bundle: WorkflowBundleWithSourceMap; cpu: number[] }> = [
    { name: 'default bundle (no workflow stack traces)', bundle: await bundleWorkflows(), cpu: [] },
    { name: 'WORKFLOW_STACK_TRACES=true', bundle: await bundleWorkflows({ stackTraces: true }), cpu: [] },
  ];
  try {
    // A warm-up round per bundle, then rounds alternating the order.
    for (let round = 0; round <= rounds; round++) {
      for (const entry of round % 2 === 0 ? bundles : [...bundles].reverse()) {
        // The SDK's replay worker directly, not test/histories' replayHistories: that one sets up its payload
        // store on every call, which would count in the figure.
        const before = process.cpuUsage();
        let replayed = 0;
        for await (const result of Worker.runReplayHistories({ workflowBundle: entry.bundle, dataConverter: converter.dataConverter, replayName: `cpu-${round}` }, histories)) {
          if (result.error) throw new Error(`${result.workflowId} did not replay: ${result.error.message}`);
          replayed++;
        }
        const used = process.cpuUsage(before);
        const perRun = (used.user + used.system) / 1000 / replayed;
        if (round > 0) entry.cpu.push(perRun);
        log(`${entry.name}${round === 0 ? ' (warm-up)' : ''}: ${replayed} replays, ${perRun.toFixed(2)} ms of CPU each`);
      }
    }
  } finally {
    await converter.close();
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const [ours, traced] = bundles.map((entry) => median(entry.cpu)) as [number, number];
  console.log(`\nWorkflow CPU per replayed run (${recorded.length} histories of ${releases.map((release) => release.release).join(', ')} × ${copies}, median of ${rounds} rounds):`);
  console.log(`| bundle | CPU per run |\n|---|---:|`);
  for (const entry of bundles) console.log(`| ${entry.name} | ${median(entry.cpu).toFixed(2)} ms (${entry.cpu.map((value) => value.toFixed(2)).join(', ')}) |`);
  console.log(`\nWithout stack traces: ${(ours / traced).toFixed(2)}× the CPU of the bundle with them.`);
}
