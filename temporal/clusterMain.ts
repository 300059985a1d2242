// `npm run temporal:cluster [-- build|setup|start]`: builds Temporal's server into the per-user
// cache (build), creates and migrates its Postgres databases (setup), and by default starts it in
// the foreground until Ctrl-C. Environment: TEMPORAL_CLUSTER_POSTGRES_URL (default the local
// Postgres, user postgres), TEMPORAL_CLUSTER_PORT (default 7633), TEMPORAL_CLUSTER_NAMESPACE.
import { setupClusterSchema, startTemporalCluster, type ClusterOptions } from './cluster';
import { locateTemporalServer } from './server';

const command = process.argv[2] ?? 'start';
const log = (message: string) => console.error(`[temporal-cluster] ${message}`);
const env = process.env;
const options: ClusterOptions = {
  ...(env.TEMPORAL_CLUSTER_POSTGRES_URL ? { postgresUrl: env.TEMPORAL_CLUSTER_POSTGRES_URL } : {}),
  ...(env.TEMPORAL_CLUSTER_PORT ? { port: Number(env.TEMPORAL_CLUSTER_PORT) } : {}),
  ...(env.TEMPORAL_CLUSTER_NAMESPACE ? { namespace: env.TEMPORAL_CLUSTER_NAMESPACE } : {}),
  log,
};

try {
  if (command === 'build') {
    const build = await locateTemporalServer(log);
    console.log(build.server);
  } else if (command === 'setup') {
    await setupClusterSchema(await locateTemporalServer(log), options);
  } else if (command === 'start') {
    const cluster = await startTemporalCluster(options);
    console.log(`TEMPORAL_ADDRESS=${cluster.address} TEMPORAL_NAMESPACE=${cluster.namespace}`);
    log(`Server metrics at ${cluster.metricsUrl}. Ctrl-C stops the server.`);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cluster.stop().then(() => process.exit(0)));
  } else {
    log(`Unknown command "${command}": use build, setup or start.`);
    process.exitCode = 2;
  }
} catch (err) {
  log(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
  process.exitCode = 1;
}
