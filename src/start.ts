// `npm start`: the whole system in one process with nothing configured: embedded Postgres and a
// local Temporal dev server when none is named, migrations, a demo account, API and worker.
import path from 'node:path';
import { loadConfig } from './config';
import { PROJECT_ROOT } from './paths';
import { localAdminToken } from './runtime/adminToken';
import { seedDemo } from './demo/seed';
import { startBanner } from './runtime/banner';
import { runEntryPoint } from './runtime/startup';
import { demoViewerPath } from './demo/viewerLink';
import { startSystem } from './runtime/system';
import { startLocalServices } from './local/services';

await runEntryPoint('start', async () => {
  const env = { ...process.env };
  // The admin API needs a token; a local start makes one up once, keeps it in the data folder and prints it.
  let adminTokenSource = 'the ADMIN_TOKEN variable';
  if (!env.ADMIN_TOKEN) {
    const local = await localAdminToken(loadConfig(env).DATA_DIR);
    env.ADMIN_TOKEN = local.token;
    adminTokenSource = local.file;
  }
  const config = loadConfig(env);
  const log = (message: string) => console.log(`[start] ${message}`);

  const system = await startSystem(config, { api: true, worker: true, log, startLocal: startLocalServices });
  log(`Worker build ${system.workerBuild!.buildId} (deployment ${system.workerBuild!.deploymentName}, versioning ${system.workerBuild!.versioning})`);
  const demo = await seedDemo(system.db, config.DATA_DIR);
  console.log(
    startBanner({
      apiUrl: system.apiUrl!,
      temporalAddress: system.temporalAddress,
      namespace: config.TEMPORAL_NAMESPACE,
      ...(system.temporalUiUrl ? { temporalUiUrl: system.temporalUiUrl } : {}),
      ...(system.temporalCliPath ? { temporalCliPath: system.temporalCliPath } : {}),
      ...(system.temporalMetricsUrl ? { temporalMetricsUrl: system.temporalMetricsUrl } : {}),
      databaseUrl: system.databaseUrl,
      databaseEmbedded: !config.DATABASE_URL,
      dataDir: path.resolve(config.DATA_DIR),
      adminTokenSource,
      demoAccountId: demo.accountId,
      cliPath: path.join(PROJECT_ROOT, 'bin', 'builder.js'),
      metricsUrl: system.metricsUrl,
      adminToken: config.ADMIN_TOKEN!,
      demoApiKey: demo.apiKey,
      demoSlugs: demo.slugs,
      runViewerUrl: `${system.apiUrl}${await demoViewerPath(system.db, demo.apiKey)}`,
    }),
  );

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
