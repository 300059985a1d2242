// Brings the system up from a configuration: Postgres and Temporal (given, or started by npm start's
// local launcher), migrations, then an API and/or a worker. Used by every entry point.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { ConfigError, vendorDefaultsOf, type Config } from '../config';
import { createPrisma, type Db } from '../db/client';
import { applyMigrations } from '../db/migrate';
import { createMediaLibrary } from '../media/library';
import { parseEncryptionKeys } from '../media/encryptionCodec';
import { payloadCodecsFor } from '../media/payloadCodecs';
import { mediaUrlSecret } from '../media/secret';
import { openMediaStores, type MediaStores } from '../media/stores';
import { createMediaUrlSigner } from '../media/urls';
import { JobBudgets } from '../activities/jobBudgets';
import { createLogger } from '../observability/logger';
import { startMetricsServer } from '../observability/metricsServer';
import { startTracing } from '../observability/tracing';
import { callbackBaseUrl } from './callbackBase';
import { freeLoopbackPort } from '../net/ports';
import { resolveBuildId } from './buildId';
import { asyncProviderIds, countCapture, countVendorCapacityWait, providersFromConfig } from './providers';
import { jobProviderLookup } from '../providers/registry';
import { registerSearchAttributes } from './searchAttributes';
import { connectClient, connectWorker } from './temporal';
import { bundleWorkflows, createRunWorker, installTemporalRuntime } from './worker';

/** Which parts to run in this process. */
export interface SystemOptions {
  api: boolean;
  worker: boolean;
  log: (message: string) => void;
  /**
   * Starts what the configuration leaves unset (DATABASE_URL, TEMPORAL_ADDRESS). Only `npm start`
   * passes one (`startLocalServices`, src/local/services.ts): production entry points never load
   * the local bootstrapping code, and refuse to start without both addresses.
   */
  startLocal?: (config: Config, options: Pick<SystemOptions, 'api' | 'log'>) => Promise<LocalServices>;
}

/** What the local launcher started: a database URL and/or a Temporal dev server, and how to stop them. */
export interface LocalServices {
  databaseUrl?: string;
  temporal?: { address: string; uiUrl?: string; cliPath?: string };
  stop(): Promise<void>;
}

/** A running system. */
export interface System {
  databaseUrl: string;
  temporalAddress: string;
  temporalUiUrl?: string;
  /** A `temporal` executable that talks to this system's server, when one is known (local dev server). */
  temporalCliPath?: string;
  /** Where the worker serves the Temporal SDK's Prometheus metrics (worker processes only). */
  temporalMetricsUrl?: string;
  apiUrl?: string;
  /** Where this process serves GET /metrics (METRICS_ADDRESS), never the API port. */
  metricsUrl: string;
  db: Db;
  temporal: Client;
  /** The media and payload blob stores. */
  mediaStores: MediaStores;
  worker?: Worker;
  /** With a worker: the build id it reports to Temporal, and how Worker Versioning routes runs. */
  workerBuild?: { buildId: string; deploymentName: string; versioning: Config['WORKER_VERSIONING'] };
  stop(): Promise<void>;
}

/** Starts what the configuration asks for; unset services come from `options.startLocal` or are refused. */
export async function startSystem(config: Config, options: SystemOptions): Promise<System> {
  if ((!config.DATABASE_URL || !config.TEMPORAL_ADDRESS) && !options.startLocal) {
    const missing = [config.DATABASE_URL ? undefined : 'DATABASE_URL', config.TEMPORAL_ADDRESS ? undefined : 'TEMPORAL_ADDRESS'].filter(Boolean).join(' and ');
    throw new ConfigError(`${missing} ${missing.includes(' and ') ? 'are' : 'is'} not set: this process uses the Postgres and Temporal it is given. Set ${missing}, or run \`npm start\` to start both locally.`);
  }
  // Checked before anything starts: a worker that cannot be called back fails fast, not hours later.
  const { registry } = providersFromConfig(config);
  const callbackBase = options.worker ? callbackBaseUrl(config, options, asyncProviderIds(registry)) : undefined;
  // The SDK's worker metrics need the runtime's Prometheus exporter, which is fixed at install time.
  const temporalMetricsAddress = options.worker ? (config.TEMPORAL_METRICS_ADDRESS ?? `127.0.0.1:${await freeLoopbackPort()}`) : undefined;
  installTemporalRuntime('WARN', temporalMetricsAddress);
  const service = options.api && options.worker ? 'builder' : options.api ? 'api' : 'worker';
  const logger = createLogger({ level: config.LOG_LEVEL, service });
  const stops: Array<() => Promise<void>> = [];
  const tracing = startTracing({ serviceName: config.OTEL_SERVICE_NAME ?? (service === 'builder' ? 'builder' : `builder-${service}`), ...(config.OTEL_EXPORTER_OTLP_ENDPOINT ? { endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT } : {}) });
  if (tracing) {
    stops.push(() => tracing.shutdown());
    options.log(`Tracing: spans go to ${config.OTEL_EXPORTER_OTLP_ENDPOINT} over OTLP/HTTP.`);
  }
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    // Production entry points need both services configured; only `npm start` (src/start.ts)
    // passes `startLocal`, which runs an embedded Postgres and a Temporal dev server for what is unset.
    let databaseUrl = config.DATABASE_URL;
    let temporalAddress = config.TEMPORAL_ADDRESS;
    let temporalUiUrl: string | undefined;
    let temporalCliPath: string | undefined;
    if (!databaseUrl || !temporalAddress) {
      const local = await options.startLocal!(config, options);
      stops.push(local.stop);
      databaseUrl ??= local.databaseUrl;
      if (!temporalAddress && local.temporal) {
        temporalAddress = local.temporal.address;
        temporalUiUrl = local.temporal.uiUrl;
        temporalCliPath = local.temporal.cliPath;
      }
      if (!databaseUrl || !temporalAddress) throw new ConfigError('The local launcher did not start the services this configuration leaves unset.');
    }
    const migrated = await applyMigrations(databaseUrl);
    if (migrated.applied.length > 0) options.log(`Applied migrations: ${migrated.applied.join(', ')}`);

    const db = createPrisma(databaseUrl, { poolMax: config.DATABASE_POOL_MAX });
    stops.push(() => db.$disconnect());
    const mediaStores = await openMediaStores(config);
    // Client and worker share the codecs: either side may write a payload the other reads.
    const encryptionKeys = parseEncryptionKeys({ key: config.PAYLOAD_ENCRYPTION_KEY, keys: config.PAYLOAD_ENCRYPTION_KEYS });
    const payloadCodecs = payloadCodecsFor(mediaStores.payloads, encryptionKeys);
    const dataConverter = { payloadCodecs };
    if (encryptionKeys.length > 0) options.log(`Temporal payloads are encrypted (AES-256-GCM, key ${encryptionKeys[0]!.id}).`);
    const temporal = await connectClient(temporalAddress, config.TEMPORAL_NAMESPACE, config, dataConverter, tracing);
    stops.push(() => temporal.connection.close());
    if (config.TEMPORAL_ADDRESS && options.worker) {
      // A cluster we did not start may lack our search attributes; runs set them, so add them first.
      await registerSearchAttributes(temporal.connection, config.TEMPORAL_NAMESPACE).catch((err: unknown) =>
        options.log(`Could not register search attributes (run \`npm run temporal:setup\` with operator rights): ${String(err)}`),
      );
    }

    const publicUrl = config.PUBLIC_URL ?? `http://${config.HOST}:${config.PORT}`;
    const mediaUrls = createMediaUrlSigner({
      secret: await mediaUrlSecret(db, config.MEDIA_URL_SECRET),
      baseUrl: publicUrl,
      ttlSeconds: config.MEDIA_URL_TTL_SECONDS,
    });

    let worker: Worker | undefined;
    let workerBuild: System['workerBuild'];
    let workerConnection: NativeConnection | undefined;
    if (options.worker) {
      workerConnection = await connectWorker(temporalAddress, config);
      const media = createMediaLibrary({ db, store: mediaStores.media, maxBytes: config.MEDIA_MAX_BYTES, network: { allowPrivateNetworks: config.ALLOW_PRIVATE_NETWORKS, allowlist: config.PRIVATE_NETWORK_ALLOWLIST } });
      const { registry, sandboxMedia } = providersFromConfig(config, db, media);
      // Finishes sandbox jobs (and their callbacks) whose worker is gone, as a vendor would.
      stops.push(async () => sandboxMedia.close());
      sandboxMedia.startSweeper();
      // Cancels per-second priced vendor jobs past the run time their hold pays for (any worker's jobs).
      const jobBudgets = new JobBudgets(db, registry, (message, err) => logger.warn({ err }, message));
      jobBudgets.startSweeper();
      stops.push(async () => jobBudgets.close());
      workerBuild = { buildId: resolveBuildId(config.WORKER_BUILD_ID), deploymentName: config.WORKER_DEPLOYMENT_NAME, versioning: config.WORKER_VERSIONING };
      worker = await createRunWorker({
        connection: workerConnection,
        namespace: config.TEMPORAL_NAMESPACE,
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        bundle: await bundleWorkflows({ tracing: tracing !== undefined, stackTraces: config.WORKFLOW_STACK_TRACES }),
        dataConverter,
        deps: {
          db,
          providers: registry,
          callbackBaseUrl: callbackBase ?? publicUrl,
          allowPrivateNetworks: config.ALLOW_PRIVATE_NETWORKS,
          privateNetworkAllowlist: config.PRIVATE_NETWORK_ALLOWLIST,
          media,
          mediaUrls,
          vendorConcurrency: config.VENDOR_CONCURRENCY,
          onVendorCapacityWait: countVendorCapacityWait,
          onCapture: countCapture,
          jobBudgets,
        },
        maxConcurrentActivities: config.WORKER_MAX_ACTIVITIES,
        maxConcurrentWorkflowTasks: config.WORKER_MAX_WORKFLOW_TASKS,
        buildId: workerBuild.buildId,
        versioning: { deploymentName: workerBuild.deploymentName, mode: workerBuild.versioning },
        logger,
        ...(tracing ? { tracing } : {}),
      });
      const running = worker.run();
      const connection = workerConnection;
      stops.push(async () => {
        worker!.shutdown();
        await running.catch(() => undefined);
        await connection.close();
      });
    }

    // Every process serves its metrics on their own address; with a worker, the SDK's are merged in.
    const metricsServer = await startMetricsServer({
      address: config.METRICS_ADDRESS ?? '127.0.0.1:0',
      ...(temporalMetricsAddress ? { temporalMetricsUrl: `http://${temporalMetricsAddress}/metrics` } : {}),
    });
    stops.push(() => metricsServer.close());
    options.log(`Metrics at ${metricsServer.url}`);

    let apiUrl: string | undefined;
    if (options.api) {
      // Loaded only where the API is served: a worker process never loads Koa, the contract or MCP.
      const [{ createApp }, { EventHub }, { Admissions }, { startReconciler }] = await Promise.all([
        import('../api/app'),
        import('../events/hub'),
        import('../services/admission'),
        import('../services/reconciler'),
      ]);
      const admissions = new Admissions({
        db,
        temporal,
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        markup: config.CREDIT_MARKUP,
        runTimeoutMs: config.RUN_TIMEOUT_MS,
        vendorDefaults: vendorDefaultsOf(config),
      });
      const events = new EventHub(databaseUrl, options.log);
      stops.push(() => events.close());
      // Any API process may settle admissions a crashed process left behind; the update is guarded.
      const stopReconciler = startReconciler({ db, temporal }, { warn: options.log });
      stops.push(async () => stopReconciler());
      const app = createApp({
        db,
        temporal,
        admissions,
        events,
        config,
        log: { error: (obj, msg) => logger.error(obj, msg), info: (obj, msg) => logger.info(obj, msg) },
        logger,
        media: { store: mediaStores.media, signer: mediaUrls },
        // Provider adapters parse and verify their own callbacks (Replicate's and fal's signatures included).
        jobProviders: jobProviderLookup(providersFromConfig(config, db).registry),
        ...(config.STUDIO_AGENT_TOKEN ? { studioAgentToken: config.STUDIO_AGENT_TOKEN } : {}),
        viewer: { ...((config.TEMPORAL_UI_URL ?? temporalUiUrl) ? { temporalUiUrl: config.TEMPORAL_UI_URL ?? temporalUiUrl } : {}), temporalNamespace: config.TEMPORAL_NAMESPACE },
        payloadCodecs,
      });
      const server: Server = createServer(app.callback());
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.PORT, config.HOST, () => resolve());
      });
      stops.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
      const address = server.address() as AddressInfo;
      apiUrl = `http://${config.HOST}:${address.port}`;
    }

    return {
      databaseUrl,
      temporalAddress,
      ...(temporalUiUrl ? { temporalUiUrl } : {}),
      ...(temporalCliPath ? { temporalCliPath } : {}),
      ...(temporalMetricsAddress ? { temporalMetricsUrl: `http://${temporalMetricsAddress}/metrics` } : {}),
      ...(apiUrl ? { apiUrl } : {}),
      metricsUrl: metricsServer.url,
      db,
      temporal,
      mediaStores,
      ...(worker ? { worker, workerBuild } : {}),
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
