// `npm start`'s local services: an embedded Postgres when DATABASE_URL is unset and a Temporal dev
// server when TEMPORAL_ADDRESS is. Only src/start.ts passes this to startSystem; the production
// entry points (src/server.ts, src/worker.ts) never load it (see README, "Layers").
import path from 'node:path';
import type { Config } from '../config';
import { choosePort } from '../runtime/ports';
import type { LocalServices, SystemOptions } from '../runtime/system';

/** Starts what `config` leaves unset; `stop()` stops it again, last started first. */
export async function startLocalServices(config: Config, options: Pick<SystemOptions, 'api' | 'log'>): Promise<LocalServices> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const one of stops.reverse()) await one().catch(() => undefined);
  };
  const services: LocalServices = { stop };
  try {
    if (!config.DATABASE_URL) {
      options.log('DATABASE_URL is not set: starting an embedded Postgres…');
      const port = await choosePort('EMBEDDED_POSTGRES_PORT', config.EMBEDDED_POSTGRES_PORT);
      const { startEmbeddedPostgres } = await import('./postgres');
      const pg = await startEmbeddedPostgres({ dataDir: path.resolve(config.DATA_DIR, 'postgres'), ...(port ? { port } : {}) });
      stops.push(pg.stop);
      services.databaseUrl = pg.url;
    }
    if (!config.TEMPORAL_ADDRESS) {
      options.log('TEMPORAL_ADDRESS is not set: starting a local Temporal dev server…');
      // The CLI's own defaults when free, so `temporal workflow list` works without --address.
      const port = await choosePort('TEMPORAL_PORT', config.TEMPORAL_PORT, 7233);
      const uiPort = await choosePort('TEMPORAL_UI_PORT', config.TEMPORAL_UI_PORT, 8233);
      const httpPort = await choosePort('TEMPORAL_HTTP_PORT', config.TEMPORAL_HTTP_PORT);
      const metricsPort = await choosePort('TEMPORAL_METRICS_PORT', config.TEMPORAL_METRICS_PORT);
      const { startLocalTemporal } = await import('../../temporal/localServer');
      const uiCodecEndpoint = uiCodecEndpointOf(config, options);
      const server = await startLocalTemporal({
        dbFile: path.resolve(config.DATA_DIR, 'temporal', 'dev.sqlite'),
        ...(port ? { port } : {}),
        ...(uiPort ? { uiPort } : {}),
        ...(httpPort ? { httpPort } : {}),
        ...(metricsPort ? { metricsPort } : {}),
        namespace: config.TEMPORAL_NAMESPACE,
        log: options.log,
        ...(uiCodecEndpoint ? { uiCodecEndpoint } : {}),
      });
      stops.push(server.stop);
      services.temporal = { address: server.address, ...(server.uiUrl ? { uiUrl: server.uiUrl } : {}), ...(server.cliPath ? { cliPath: server.cliPath } : {}) };
    }
    return services;
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The codec endpoint the local dev server's Web UI uses: this process's API, with the codec token as
 * a path segment (the UI sends no Authorization header of its own). None without an API on a known
 * port or without a token.
 */
function uiCodecEndpointOf(config: Config, options: Pick<SystemOptions, 'api'>): string | undefined {
  const token = config.CODEC_AUTH_TOKEN ?? config.ADMIN_TOKEN;
  if (!options.api || !token || config.PORT === 0) return undefined;
  const base = config.PUBLIC_URL ?? `http://${config.HOST}:${config.PORT}`;
  return `${base.replace(/\/$/, '')}/api/temporal-codec/${encodeURIComponent(token)}`;
}
