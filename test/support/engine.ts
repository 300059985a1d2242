// A real engine for tests: the shared local Temporal dev server, a fresh database, the real
// admission path and a real worker on a unique task queue with the sandbox provider.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { VendorDefaults } from '../../src/domain/models';
import { JobBudgets } from '../../src/activities/jobBudgets';
import { createProviderRegistry } from '../../src/providers/registry';
import { createVendorProviders, type VendorSettings } from '../../src/providers/vendors';
import type { RecordedJobsOptions } from '../../src/providers/recordedJobs';
import { countCapture, countVendorCapacityWait, countVendorJob } from '../../src/runtime/providers';
import type { ProviderRegistry } from '../../src/providers/types';
import { SandboxProvider } from '../../src/providers/sandbox';
import { dbSandboxJobs } from '../../src/providers/sandboxJobs';
import { SandboxMediaProvider } from '../../src/providers/sandboxMedia';
import { createRunWorker, bundleWorkflows, type RunWorkerOptions } from '../../src/runtime/worker';
import { Admissions } from '../../src/services/admission';
import type { Db } from '../../src/db/client';
import { createFsBlobStore } from '../../src/media/fsStore';
import { createMediaLibrary } from '../../src/media/library';
import { parseEncryptionKeys } from '../../src/media/encryptionCodec';
import { payloadCodecsFor } from '../../src/media/payloadCodecs';
import type { BlobStore, MediaLibrary } from '../../src/media/types';
import { createMediaUrlSigner, type MediaUrlSigner } from '../../src/media/urls';
import { testDatabase } from './db';
import { testS3Stores } from './s3';
import { testTemporal } from './temporal';

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
let bundleWithStackTraces: Promise<WorkflowBundleWithSourceMap> | undefined;
/** The workflow bundle (with workflow stack traces, as WORKFLOW_STACK_TRACES=true makes it), built once per test run. */
export function sharedBundle(options: { stackTraces?: boolean } = {}): Promise<WorkflowBundleWithSourceMap> {
  if (options.stackTraces) return (bundleWithStackTraces ??= bundleWorkflows({ stackTraces: true }));
  return (bundle ??= bundleWorkflows());
}

/** Everything a workflow or API test needs. */
export interface TestEngine {
  env: TestWorkflowEnvironment;
  /** A client with the engine's payload codec (admissions use it); env.client has none, so it cannot read offloaded payloads. */
  client: Client;
  /** The claim-check codec of this engine's client and workers. */
  dataConverter: DataConverter;
  /** Where payloads over 256 KB are offloaded. */
  payloadStore: BlobStore;
  /** The environment (MEDIA_STORE_URL, and S3's settings with the S3 backend) that makes a worker process use this engine's stores. */
  mediaEnv: Record<string, string>;
  db: Db;
  databaseUrl: string;
  taskQueue: string;
  /** The folder of the file media store (`blobs/`) and payload store (`payloads/`), as DATA_DIR/media is for a process. */
  mediaDir: string;
  sandbox: SandboxProvider;
  /** The sandbox's async media jobs (counts jobs, polls and callbacks). */
  sandboxMedia: SandboxMediaProvider;
  admissions: Admissions;
  /** The providers the worker uses (the API's callback route reads job adapters from it). */
  providers: ProviderRegistry;
  /** The media store of this engine (files in a temporary folder) and the library activities get. */
  mediaStore: BlobStore;
  media: MediaLibrary;
  /** Signs media URLs; its base URL is the test API's once one is started over this engine. */
  mediaUrls: MediaUrlSigner;
  /**
   * Creates a worker on this engine's task queue (not started); with a callback URL, async providers
   * call back; `stackTraces` bundles the workflows as WORKFLOW_STACK_TRACES=true does.
   */
  createWorker(options?: { callbackBaseUrl?: string; buildId?: string; versioning?: RunWorkerOptions['versioning']; stackTraces?: boolean }): Promise<Worker>;
  close(): Promise<void>;
}

/** Starts a test engine; call close() in after(). */
export async function startTestEngine(
  options: {
    runTimeoutMs?: number;
    markup?: number;
    allowPrivateNetworks?: boolean;
    /** PRIVATE_NETWORK_ALLOWLIST of the worker's outbound requests (HTTP nodes, callbacks, downloads). */
    privateNetworkAllowlist?: string[];
    /** PAYLOAD_ENCRYPTION_KEY: encrypts every payload of this engine's client and workers. */
    payloadEncryptionKey?: string;
    openaiBaseUrl?: string;
    mediaMaxBytes?: number;
    mediaBaseUrl?: string;
    /** Vendor adapters (Replicate, fal, OpenAI images), usually pointed at the fake vendor servers. */
    vendors?: VendorSettings;
    /** Timing of the recorded vendor jobs (tests shorten the create timeout). */
    vendorJobs?: Omit<RecordedJobsOptions, 'onOutcome'>;
    vendorDefaults?: VendorDefaults;
    /** Where media goes: files in a temp folder (default) or the tests' S3 server (s3rver). */
    mediaBackend?: 'fs' | 's3';
    /** VENDOR_CONCURRENCY of the engine's workers. */
    vendorConcurrency?: Record<string, number>;
  } = {},
): Promise<TestEngine> {
  const [env, database] = await Promise.all([testTemporal(), testDatabase()]);
  const mediaDir = await mkdtemp(path.join(tmpdir(), 'builder-test-media-'));
  const s3 = options.mediaBackend === 's3' ? await testS3Stores() : undefined;
  const mediaStore = s3?.media ?? createFsBlobStore(path.join(mediaDir, 'blobs'));
  const payloadStore = s3?.payloads ?? createFsBlobStore(path.join(mediaDir, 'payloads'));
  // MEDIA_STORE_URL may name a folder: it then holds blobs/ and payloads/, as mediaDir does.
  const mediaEnv = s3?.env ?? { MEDIA_STORE_URL: mediaDir };
  const dataConverter: DataConverter = { payloadCodecs: payloadCodecsFor(payloadStore, parseEncryptionKeys({ key: options.payloadEncryptionKey })) };
  const network = { allowPrivateNetworks: options.allowPrivateNetworks ?? true, allowlist: options.privateNetworkAllowlist ?? [] };
  const client = new Client({ connection: env.connection, namespace: env.namespace ?? 'default', dataConverter });
  const media = createMediaLibrary({
    db: database.prisma,
    store: mediaStore,
    maxBytes: options.mediaMaxBytes ?? 500 * 1024 * 1024,
    network,
  });
  const mediaUrls = createMediaUrlSigner({ secret: 'test-media-url-secret', ttlSeconds: 3600, ...(options.mediaBaseUrl ? { baseUrl: options.mediaBaseUrl } : {}) });
  const taskQueue = `test-${randomUUID()}`;
  const sandbox = new SandboxProvider({ tokenDelayMs: 0 });
  // Jobs in the test database, as a worker keeps them; the sweeper finishes those a replaced worker left.
  const sandboxMedia = new SandboxMediaProvider({ jobs: dbSandboxJobs(database.prisma), library: media });
  sandboxMedia.startSweeper();
  const providers: ProviderRegistry = createProviderRegistry({
    sandbox,
    sandboxMedia,
    openai: options.openaiBaseUrl ? { baseUrl: options.openaiBaseUrl, apiKey: 'test-key' } : {},
    http: { allowPrivateNetworks: network.allowPrivateNetworks, privateNetworkAllowlist: network.allowlist },
    ...(options.vendors ? createVendorProviders(options.vendors, database.prisma, { onOutcome: countVendorJob, ...options.vendorJobs }) : {}),
  });
  // Per-second priced vendor jobs past their hold's run time are cancelled by this sweeper, as a worker process's is.
  const jobBudgets = new JobBudgets(database.prisma, providers);
  jobBudgets.startSweeper(200);
  const admissions = new Admissions({
    db: database.prisma,
    temporal: client,
    taskQueue,
    markup: options.markup ?? 1,
    runTimeoutMs: options.runTimeoutMs ?? 60_000,
    ...(options.vendorDefaults ? { vendorDefaults: options.vendorDefaults } : {}),
  });
  return {
    env,
    client,
    dataConverter,
    payloadStore,
    mediaEnv,
    db: database.prisma,
    databaseUrl: database.url,
    taskQueue,
    mediaDir,
    sandbox,
    sandboxMedia,
    providers,
    admissions,
    mediaStore,
    media,
    mediaUrls,
    createWorker: async ({ buildId, versioning, stackTraces, ...workerOptions } = {}) =>
      createRunWorker({
        ...(buildId ? { buildId } : {}),
        ...(versioning ? { versioning } : {}),
        connection: env.nativeConnection,
        namespace: env.namespace ?? 'default',
        taskQueue,
        bundle: await sharedBundle({ stackTraces }),
        dataConverter,
        deps: { db: database.prisma, providers, warn: () => undefined, allowPrivateNetworks: network.allowPrivateNetworks, privateNetworkAllowlist: network.allowlist, media, mediaUrls, ...(options.vendorConcurrency ? { vendorConcurrency: options.vendorConcurrency } : {}), onCapture: countCapture, onVendorCapacityWait: countVendorCapacityWait, jobBudgets, ...workerOptions },
      }),
    close: async () => {
      sandboxMedia.close();
      jobBudgets.close();
      await database.drop();
      await rm(mediaDir, { recursive: true, force: true });
    },
  };
}
