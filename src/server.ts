// API process: serves the HTTP API; scale out independently of workers.
import { loadConfig } from './config';
import { runEntryPoint } from './runtime/startup';
import { startSystem } from './runtime/system';

await runEntryPoint('api', async () => {
  const system = await startSystem(loadConfig(), { api: true, worker: false, log: (m) => console.log(`[api] ${m}`) });
  console.log(`[api] listening on ${system.apiUrl}`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void system.stop().then(() => process.exit(0)));
});
