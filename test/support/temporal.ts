// One Temporal server per mocha run, shared by every workflow test (each test isolates itself
// with its own task queue and workflow ids). A local dev server from the Temporal CLI is started
// on first use; with TEMPORAL_ADDRESS set, that server is used instead.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { locateTemporalCli } from '../../temporal/cli';
import { DEV_SERVER_TUNING } from '../../temporal/devServer';
import { SEARCH_ATTRIBUTE_DEFINITIONS } from '../../src/workflows/searchAttributes';

// Kept on globalThis: mocha may load this file twice (through `require` for spec files and
// `import` for root hooks), and both copies must share one server.
const state = ((globalThis as Record<symbol, unknown>)[Symbol.for('builder-studio.test.temporal')] ??= {}) as {
  shared?: Promise<TestWorkflowEnvironment>;
  metricsUrl?: string;
};

/** The Temporal SDK's own Prometheus endpoint for this test process (after testTemporal()). */
export function testTemporalMetricsUrl(): string | undefined {
  return state.metricsUrl;
}

/** The run's shared Temporal environment, started on first call. */
export function testTemporal(): Promise<TestWorkflowEnvironment> {
  state.shared ??= start().catch((err) => {
    state.shared = undefined;
    throw err;
  });
  return state.shared;
}

/** Tears the shared environment down (root afterAll hook). */
export async function teardownTemporal(): Promise<void> {
  const current = state.shared;
  state.shared = undefined;
  if (current) await (await current.catch(() => undefined))?.teardown();
}

async function start(): Promise<TestWorkflowEnvironment> {
  // Loaded lazily: the SDK's native bridge is not needed by tests that never touch Temporal.
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  await quietRuntime();
  const address = process.env.TEMPORAL_ADDRESS;
  if (address) {
    const namespace = process.env.TEMPORAL_NAMESPACE || 'default';
    const env = await TestWorkflowEnvironment.createFromExistingServer({ address, namespace });
    const { registerSearchAttributes } = await import('../../src/runtime/searchAttributes');
    await registerSearchAttributes(env.connection, namespace);
    return env;
  }
  const path = await locateTemporalCli((message) => console.error(`[temporal] ${message}`));
  return TestWorkflowEnvironment.createLocal({
    server: {
      // Without a local CLI the SDK downloads one, which needs access to temporal.io.
      ...(path ? { executable: { type: 'existing-path' as const, path } } : {}),
      ip: '127.0.0.1',
      log: { format: 'pretty', level: 'warn' },
      extraArgs: [
        ...SEARCH_ATTRIBUTE_DEFINITIONS.flatMap(({ name, type }) => ['--search-attribute', `${name}=${type}`]),
        // The same tuning as `npm start`'s dev server (eager activities, one queue partition, …).
        ...DEV_SERVER_TUNING,
      ],
    },
  });
}

/** Worker lifecycle messages at INFO would drown the test report; keep warnings and errors. */
export async function quietRuntime(): Promise<void> {
  const { DefaultLogger, Runtime } = await import('@temporalio/worker');
  const { freeLoopbackPort: freePort } = await import('../../src/net/ports');
  const port = await freePort();
  try {
    // The SDK's real worker metrics, scraped by the observability test.
    Runtime.install({
      logger: new DefaultLogger('WARN'),
      telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${port}` } } },
    });
    state.metricsUrl = `http://127.0.0.1:${port}/metrics`;
  } catch {
    // Already installed (by a test that wanted its own logger, or an earlier start): keep it.
  }
}
