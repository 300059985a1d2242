// Worker process: executes runs from the task queue; scale out independently of API processes.
import { loadConfig } from './config';
import { runEntryPoint } from './runtime/startup';
import { startSystem } from './runtime/system';

await runEntryPoint('worker', async () => {
  const system = await startSystem(loadConfig(), { api: false, worker: true, log: (m) => console.log(`[worker] ${m}`) });
  const build = system.workerBuild!;
  console.log(`[worker] polling ${system.temporalAddress} as build ${build.buildId} (deployment ${build.deploymentName}, versioning ${build.versioning})`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void system.stop().then(() => process.exit(0)));
});
