// Deploys without a drain, as an operator does them: runs started by the previous release wait on a
// vendor job (a Replicate prediction at a fake Replicate, through the official client) while that
// release's API and worker processes are replaced by this checkout's; every run completes, its
// mirror matches Temporal, and no worker logs a nondeterminism error. Then, on this code, runs
// waiting on sandbox video jobs survive a worker killed with SIGKILL and replaced.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@temporalio/client';
import { freeLoopbackPort as freePort } from '../../src/net/ports';
import type { CanvasGraph } from '../../src/domain/types';
import { testDatabase, type TestDatabase } from '../support/db';
import { startFakeReplicate, type FakeReplicate } from '../support/fakeReplicate';
import { buildAccount, buildApiKey, buildWorkflow } from '../support/fixtures';
import { startProcess, stopProcess, type Proc } from '../support/processes';
import { checkoutRelease, ReleaseUnavailable, type ReleaseCheckout } from '../support/releaseCheckout';
import { testTemporal } from '../support/temporal';
import { recordedReleases } from '../histories/store';

const RUNS = 20;
const LISTENING = /\[api\] listening on (http:\/\/\S+)/;
const POLLING = /\[worker\] polling/;
const NONDETERMINISM = /nondetermin|TMPRL1100/i;

describe('deploys that keep runs in flight', function () {
  this.timeout(10 * 60_000);
  let release: ReleaseCheckout | undefined;
  let database: TestDatabase;
  let replicate: FakeReplicate;
  let temporal: Client;
  let dataDir: string;
  const procs: Proc[] = [];
  let env: NodeJS.ProcessEnv;
  let apiUrl: string;
  let key: string;
  let accountId: string;
  /** This checkout's API and worker, once deployed. */
  let current: { api: Proc; worker: Proc } | undefined;

  before(async function () {
    const [previous] = await recordedReleases();
    assert.ok(previous, 'a recorded release (test/histories) names the previous release');
    try {
      release = await checkoutRelease(previous.commit);
    } catch (err) {
      if (!(err instanceof ReleaseUnavailable)) throw err;
      console.error(`      (skipped: ${err.message})`);
      this.skip();
    }
    const testEnv = await testTemporal();
    database = await testDatabase();
    replicate = await startFakeReplicate();
    // Run by name by both releases (the previous one knows no latest_version lookup).
    replicate.officialModels.add('acme/painter');
    temporal = new Client({ connection: testEnv.connection, namespace: 'default' });
    dataDir = await mkdtemp(path.join(tmpdir(), 'builder-upgrade-data-'));
    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    env = {
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: testEnv.address,
      TEMPORAL_TASK_QUEUE: `upgrade-${randomBytes(4).toString('hex')}`,
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: apiUrl,
      DATA_DIR: dataDir,
      MEDIA_STORE_URL: path.join(dataDir, 'media'),
      MEDIA_URL_SECRET: 'upgrade-test-media-url-secret',
      ADMIN_TOKEN: 'upgrade-test-admin-token-0123',
      ALLOW_PRIVATE_NETWORKS: 'true',
      REPLICATE_API_TOKEN: replicate.token,
      REPLICATE_WEBHOOK_SECRET: replicate.webhookSecret,
      REPLICATE_BASE_URL: replicate.baseUrl,
      LOG_LEVEL: 'warn',
      DATABASE_POOL_MAX: '8',
      METRICS_ADDRESS: '127.0.0.1:0',
      TEMPORAL_METRICS_ADDRESS: '',
    };
    const account = await buildAccount(database.prisma, { tier: 'enterprise', creditBalance: 1_000_000 });
    accountId = account.id;
    key = (await buildApiKey(database.prisma, account.id)).secret;
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') for (const proc of procs) console.error(`--- ${proc.child.spawnargs.join(' ')} ---\n${proc.output().slice(-4000)}`);
  });

  after(async () => {
    await Promise.all(procs.map((proc) => stopProcess(proc)));
    await replicate?.close();
    await database?.drop();
    await release?.remove();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** Starts an API and a worker of the given checkout (this one by default) and waits until both are up. */
  async function deploy(cwd?: string): Promise<{ api: Proc; worker: Proc }> {
    const options = cwd ? { cwd } : {};
    const api = startProcess('server', env, LISTENING, options);
    const worker = startProcess('worker', env, POLLING, options);
    procs.push(api, worker);
    try {
      await Promise.all([api.ready, worker.ready]);
    } catch (err) {
      // Half a deployment must not linger: its worker would take tasks of the next test's runs.
      await Promise.all([stopProcess(api, 'SIGKILL'), stopProcess(worker, 'SIGKILL')]);
      throw err;
    }
    return { api, worker };
  }

  async function startRun(graph: CanvasGraph, topic: string): Promise<string> {
    const workflow = await buildWorkflow(database.prisma, accountId, graph);
    const response = await fetch(`${apiUrl}/api/workflows/${workflow.slug}/run?async=true`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: { topic } }),
    });
    const body = (await response.json()) as { executionId: string };
    assert.equal(response.status, 202, JSON.stringify(body));
    return body.executionId;
  }

  async function waitForRows(ids: string[], done: (row: { status: string; steps: Array<{ stepId: string; status: string }> }) => boolean, withinMs = 120_000) {
    for (const deadline = Date.now() + withinMs; ; await sleep(250)) {
      const rows = await database.prisma.execution.findMany({ where: { id: { in: ids } }, include: { steps: true } });
      const pending = rows.filter((row) => !done(row));
      if (rows.length === ids.length && pending.length === 0) return rows;
      if (Date.now() > deadline) throw new Error(`${pending.length} of ${ids.length} runs not there yet: ${pending.map((row) => `${row.id}=${row.status}`).slice(0, 5).join(', ')}`);
    }
  }

  /** Every run completed, in Postgres and in Temporal alike, with the same output. */
  async function assertCompletedAndMirrored(ids: string[]): Promise<void> {
    const rows = await waitForRows(ids, (row) => ['completed', 'error', 'cancelled'].includes(row.status), 180_000);
    const failed = rows.filter((row) => row.status !== 'completed');
    assert.deepEqual(failed.map((row) => `${row.id}: ${row.status} ${JSON.stringify(row.error)}`), []);
    for (const row of rows) {
      const result = (await temporal.workflow.getHandle(row.temporalWorkflowId).result()) as { status: string; output: unknown };
      assert.equal(result.status, 'completed', row.id);
      assert.deepEqual(row.output, result.output, `${row.id}: the mirror's output is Temporal's`);
      for (const step of row.steps) assert.equal(step.status, 'completed', `${row.id}/${step.stepId}`);
    }
  }

  it(`completes ${RUNS} of ${RUNS} runs that the previous release started, waiting on Replicate predictions, after its API and worker are replaced`, async () => {
    replicate.behave(() => ({ outcome: 'hang' }));
    const old = await deploy(release!.dir);
    assert.doesNotMatch(old.worker.output(), /as build/, 'the previous release is the one running');
    const graph = (i: number): CanvasGraph => ({
      nodes: [
        { id: 'input', type: 'request-input', config: { fields: [{ name: 'topic', type: 'string', required: true }] } },
        // Webhook only: polling would come after the test ends.
        { id: 'art', type: 'image-generation', config: { model: 'replicate:acme/painter', prompt: `Poster ${i} of {{topic}}`, pollAfterMs: 600_000 } },
        { id: 'output', type: 'response-output', config: {} },
      ],
      edges: [
        { source: 'input', sourcePort: 'topic', target: 'art', targetPort: 'topic' },
        { source: 'art', sourcePort: 'image', target: 'output', targetPort: 'image' },
      ],
    });
    const ids: string[] = [];
    for (let i = 0; i < RUNS; i++) ids.push(await startRun(graph(i), `harbor ${i}`));
    const waiting = await waitForRows(ids, (row) => row.status === 'waiting');

    // The deploy: the old processes stop (as a rolling deploy stops them), the new ones start.
    await Promise.all([stopProcess(old.api), stopProcess(old.worker)]);
    current = await deploy();
    assert.match(current.worker.output(), /as build \S+/);

    // The vendor finishes every prediction; its signed webhooks reach the new API.
    const predictions = waiting.map((row) => row.steps.find((step) => step.stepId === 'art')!);
    assert.equal(predictions.length, RUNS);
    for (const prediction of replicate.predictions.values()) replicate.complete(prediction.id);
    await assertCompletedAndMirrored(ids);
    assert.equal(replicate.creates, RUNS, 'one prediction per run');
    for (const proc of [old.worker, current.worker, old.api, current.api]) assert.doesNotMatch(proc.output(), NONDETERMINISM);
  });

  it(`completes ${RUNS} of ${RUNS} runs waiting on sandbox video jobs after their worker is killed and replaced`, async () => {
    const video = (i: number, sandbox: Record<string, unknown>, extra: Record<string, unknown>): CanvasGraph => ({
      nodes: [
        { id: 'input', type: 'request-input', config: { fields: [{ name: 'topic', type: 'string', required: true }] } },
        { id: 'clip', type: 'video-generation', config: { model: 'sandbox-video', prompt: `Clip ${i} of {{topic}}`, sandbox, ...extra } },
        { id: 'output', type: 'response-output', config: {} },
      ],
      edges: [
        { source: 'input', sourcePort: 'topic', target: 'clip', targetPort: 'topic' },
        { source: 'clip', sourcePort: 'video', target: 'output', targetPort: 'video' },
      ],
    });
    current ??= await deploy();
    const ids: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      // Half finish by their callback alone (no polling for 10 minutes), half by polling alone. Long
      // enough jobs that all 20 still wait when the worker dies, however loaded the machine is.
      const graph = i % 2 === 0 ? video(i, { delayMs: 20_000 }, { pollAfterMs: 600_000 }) : video(i, { delayMs: 20_000, callback: false }, { pollAfterMs: 2_000, pollIntervalMs: 1_000 });
      ids.push(await startRun(graph, `dunes ${i}`));
    }
    await waitForRows(ids, (row) => row.status === 'waiting');
    // The worker holding every job's timer dies at once; a new one takes over.
    await stopProcess(current!.worker, 'SIGKILL');
    const replacement = startProcess('worker', env, POLLING);
    procs.push(replacement);
    await replacement.ready;
    await assertCompletedAndMirrored(ids);
    assert.doesNotMatch(replacement.output(), NONDETERMINISM);
  });
});
