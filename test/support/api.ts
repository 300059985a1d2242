// A real API server on a random port, backed by a test engine whose worker runs in the background.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Worker } from '@temporalio/worker';
import type Koa from 'koa';
import { createApp } from '../../src/api/app';
import type { AppDeps } from '../../src/api/context';
import { EventHub } from '../../src/events/hub';
import { jobProviderLookup } from '../../src/providers/registry';
import { contractChecker } from './contract';
import { startTestEngine, type TestEngine } from './engine';

/** A running API with its engine. */
export interface TestApi {
  engine: TestEngine;
  url: string;
  adminToken: string;
  /** fetch against the API with JSON helpers. */
  request(method: string, path: string, options?: { body?: unknown; headers?: Record<string, string>; raw?: string }): Promise<{
    status: number;
    headers: Headers;
    body: any;
  }>;
  /** Shuts the worker down (its in-flight activities are cancelled) and starts a fresh one on the same queue. */
  replaceWorker(): Promise<void>;
  /** Shuts the in-process worker down for good (runs then need a worker of another process on the engine's queue). */
  stopWorker(): Promise<void>;
  /** Another app over the same engine (a second API process, or one with extra options). */
  appWith(extra?: Partial<AppDeps>): Koa;
  close(): Promise<void>;
}

/** Options of the test API: the engine's, and whether answers are checked against the OpenAPI document. */
export type TestApiOptions = Parameters<typeof startTestEngine>[0] & {
  /**
   * `enforce` (default): request() throws when an answer is not what /openapi.json documents for its
   * route (an unlisted status, content type or body shape), so every API test also tests the contract.
   */
  contract?: 'enforce' | 'off';
  /** Worker processes' worth of workers on the engine's queue (default 1), sharing the database as processes would. */
  workers?: number;
};

/** Starts the API and a worker. */
export async function startTestApi(testOptions: TestApiOptions = {}): Promise<TestApi> {
  const { contract = 'enforce', workers: workerCount = 1, ...options } = testOptions;
  // Listening first: media URLs are signed with the API's real address.
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const engine = await startTestEngine({ mediaBaseUrl: url, ...options });
  const adminToken = 'test-admin-token-0123456789';
  const events = new EventHub(engine.databaseUrl);
  const appWith = (extra: Partial<AppDeps> = {}) =>
    createApp({
      db: engine.db,
      temporal: engine.client,
      admissions: engine.admissions,
      config: {
        ADMIN_TOKEN: adminToken,
        TEMPORAL_TASK_QUEUE: engine.taskQueue,
        ALLOW_PRIVATE_NETWORKS: options.allowPrivateNetworks ?? false,
        PRIVATE_NETWORK_ALLOWLIST: options.privateNetworkAllowlist ?? [],
      },
      payloadCodecs: engine.dataConverter.payloadCodecs ?? [],
      log: { error: (obj) => console.error('API error', obj), info: () => undefined },
      media: { store: engine.mediaStore, signer: engine.mediaUrls },
      jobProviders: jobProviderLookup(engine.providers),
      ...extra,
    });
  const app = appWith({ events });
  server.on('request', app.callback());
  let worker: Worker = await engine.createWorker({ callbackBaseUrl: url });
  let running = worker.run();
  // Further workers (as other worker processes would be), each with its own activities. The SDK refuses two
  // workers of one process with the same queue and build id, so each reports its own (versioning is off: routing ignores it).
  const extra = await Promise.all(Array.from({ length: workerCount - 1 }, (_, i) => engine.createWorker({ callbackBaseUrl: url, buildId: `test-worker-${i + 2}` })));
  const extraRunning = extra.map((w) => w.run());

  return {
    engine,
    url,
    adminToken,
    appWith,
    async replaceWorker() {
      worker.shutdown();
      await running.catch(() => undefined);
      worker = await engine.createWorker({ callbackBaseUrl: url });
      running = worker.run();
    },
    async stopWorker() {
      worker.shutdown();
      await running.catch(() => undefined);
    },
    async request(method, path, { body, headers = {}, raw } = {}) {
      const response = await fetch(url + path, {
        method,
        headers: { ...(body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(raw !== undefined ? { body: raw } : body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      if (contract === 'enforce') {
        const problems = contractChecker().check({ method, path, status: response.status, contentType: response.headers.get('content-type') ?? '', body: parsed });
        if (problems.length > 0) throw new Error(`The answer does not match the OpenAPI document:\n${problems.join('\n')}`);
      }
      return { status: response.status, headers: response.headers, body: parsed };
    },
    async close() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      for (const w of extra) if (w.getState() === 'RUNNING') w.shutdown();
      await running.catch(() => undefined);
      await Promise.all(extraRunning.map((r) => r.catch(() => undefined)));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await events.close();
      await engine.close();
    },
  };
}
