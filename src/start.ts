// `npm start`: the whole system in one process with nothing configured: embedded Postgres and a
// local Temporal dev server when none is named, migrations, a demo account, API and worker.
import { randomBytes } from 'node:crypto';
import { loadConfig } from './config';
import { seedDemo } from './demo/seed';
import { runEntryPoint } from './runtime/startup';
import { startSystem } from './runtime/system';

await runEntryPoint('start', async () => {
  const env = { ...process.env };
  // The admin API needs a token; a local start makes one up and prints it.
  env.ADMIN_TOKEN ??= `adm_${randomBytes(18).toString('base64url')}`;
  const config = loadConfig(env);
  const log = (message: string) => console.log(`[start] ${message}`);

  const system = await startSystem(config, { api: true, worker: true, log });
  const demo = await seedDemo(system.db, config.DATA_DIR);
  const curl = [
    `curl -s -X POST '${system.apiUrl}/api/workflows/demo-parallel-media/run'`,
    `-H 'x-api-key: ${demo.apiKey}' -H 'content-type: application/json'`,
    `-d '{"inputs":{"product":"a solar kettle"}}'`,
  ].join(' ');
  console.log(`
  Builder Studio run engine is up.
    API:          ${system.apiUrl}
    Temporal:     ${system.temporalAddress}${system.temporalUiUrl ? `\n  Temporal UI:  ${system.temporalUiUrl}` : ''}
    Postgres:     ${system.databaseUrl.replace(/:[^:@/]+@/, ':***@')}
    Metrics:      ${system.metricsUrl}
    Admin token:  ${config.ADMIN_TOKEN}
    Demo API key: ${demo.apiKey}   (sandbox provider: test mode)
    Workflows:    ${demo.slugs.join(', ')}

  Run the parallel demo workflow:
    ${curl}
  `);

  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      console.log('[start] stopping…');
      void system.stop().then(() => process.exit(0));
    });
  }
});
