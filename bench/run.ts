// `npm run bench [-- dag|classic|hop|trace|soak|workflow-cpu|activity-extras …]`: starts what it needs (a Temporal dev server or the
// one at TEMPORAL_ADDRESS, a fresh database, our API and worker in this process) and prints
// figures. No assertions: compare the ratios, not absolutes. Default: dag, then classic.
import { activityExtrasBench } from './activityExtras';
import { classicBench } from './classic';
import { dagBench } from './dag';
import { fairnessBench } from './fairness';
import { hopBench } from './hop';
import { soakBench } from './soak';
import { traceBench } from './trace';
import { workflowCpuBench } from './workflowCpu';

const benches: Record<string, () => Promise<unknown>> = { dag: dagBench, classic: classicBench, hop: hopBench, trace: traceBench, soak: soakBench, fairness: fairnessBench, 'workflow-cpu': workflowCpuBench, 'activity-extras': activityExtrasBench };
const modes = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['dag', 'classic'];
const unknown = modes.filter((mode) => !(mode in benches));
if (unknown.length > 0) {
  console.error(`Unknown benchmark ${unknown.join(', ')}; choose from ${Object.keys(benches).join(', ')}.`);
  process.exit(2);
}
for (const mode of modes) await benches[mode]!();
