// Our own outage is ours: Postgres (shared by the API and the worker, as in production) is cut for
// 10 s while 20 runs are mid-flight. Every run completes, no provider call is made twice (the sandbox
// counts calls per prompt), and no route answers 5xx other than 503 with Retry-After meanwhile.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApp } from '../../src/api/app';
import { createPrisma } from '../../src/db/client';
import { EventHub } from '../../src/events/hub';
import { createMediaLibrary } from '../../src/media/library';
import { createProviderRegistry } from '../../src/providers/registry';
import { SandboxProvider } from '../../src/providers/sandbox';
import { createRunWorker } from '../../src/runtime/worker';
import { Admissions } from '../../src/services/admission';
import { proxyDatabase } from '../support/cuttableProxy';
import { sharedBundle, startTestEngine, type TestEngine } from '../support/engine';
import { buildAccount, buildApiKey, buildWorkflow, chain } from '../support/fixtures';

const RUNS = 20;
const OUTAGE_MS = 10_000;

describe('runs during an outage of our own Postgres', function () {
  let engine: TestEngine;
  before(async () => {
    engine = await startTestEngine();
  });
  after(async () => engine?.close());

  it('completes every run without spending retries or calling a provider twice, and answers 503 (never 500) meanwhile', async () => {
    const { proxy, url: proxiedUrl } = await proxyDatabase(engine.databaseUrl);
    const db = createPrisma(proxiedUrl);
    const sandbox = new SandboxProvider();
    const warnings: string[] = [];
    const worker = await createRunWorker({
      connection: engine.env.nativeConnection,
      namespace: 'default',
      taskQueue: engine.taskQueue,
      bundle: await sharedBundle(),
      deps: {
        db,
        providers: createProviderRegistry({ sandbox }),
        media: createMediaLibrary({ db, store: engine.mediaStore, maxBytes: 50 * 1024 * 1024 }),
        warn: (message) => warnings.push(message),
      },
    });
    const events = new EventHub(proxiedUrl);
    const admissions = new Admissions({ db, temporal: engine.env.client, taskQueue: engine.taskQueue, markup: 1, runTimeoutMs: 120_000 });
    const app = createApp({
      db,
      temporal: engine.env.client,
      admissions,
      events,
      config: { ADMIN_TOKEN: 'drill-admin-token-0123456789', TEMPORAL_TASK_QUEUE: engine.taskQueue },
      log: { error: () => undefined, info: () => undefined },
    });
    const server: Server = createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const account = await buildAccount(engine.db, { tier: 'enterprise', creditBalance: 10_000 });
    const key = (await buildApiKey(engine.db, account.id)).secret;
    const workflow = await buildWorkflow(
      engine.db,
      account.id,
      chain(
        [
          { id: 'draft', type: 'text-generation', config: { model: 'sandbox-text', prompt: 'Draft about {{topic}}', sandbox: { delayMs: 300 } } },
          { id: 'picture', type: 'image-generation', config: { model: 'sandbox-image', prompt: 'Picture of {{draft}}', sandbox: { delayMs: 400 } }, from: ['draft'] },
          { id: 'caption', type: 'text-generation', config: { model: 'sandbox-text', prompt: 'Caption for {{topic}}', sandbox: { delayMs: 300 } }, from: ['picture'] },
        ],
        'caption',
      ),
    );
    const statuses = new Map<number, number>();
    let non503Errors = 0;
    let missingRetryAfter = 0;
    const ids: string[] = [];
    const workflowIds: string[] = [];
    try {
      await worker.runUntil(async () => {
        for (let i = 0; i < RUNS; i++) {
          const admission = await admissions.admit({ account, workflow, triggerType: 'api', inputs: { topic: `tide ${i}` }, async: true, receivedAtMs: Date.now() });
          ids.push(admission.executionId);
          workflowIds.push(admission.temporalWorkflowId);
        }
        await sleep(700);
        proxy.cut();
        // Meanwhile users poll their runs, watch them and start new ones.
        const deadline = Date.now() + OUTAGE_MS;
        while (Date.now() < deadline) {
          const id = ids[Math.floor(Math.random() * ids.length)]!;
          const answers = await Promise.all([
            fetch(`${url}/api/executions/${id}`, { headers: { 'x-api-key': key } }),
            fetch(`${url}/api/workflows/${workflow.slug}/run?async=true`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify({ inputs: { topic: 'during' } }) }),
            fetch(`${url}/api/executions/${id}/events`, { headers: { 'x-api-key': key }, signal: AbortSignal.timeout(300) }).catch(() => undefined),
          ]);
          for (const answer of answers) {
            if (!answer) continue;
            statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
            if (answer.status >= 500 && answer.status !== 503) non503Errors += 1;
            if (answer.status === 503 && !answer.headers.get('retry-after')) missingRetryAfter += 1;
            await answer.body?.cancel().catch(() => undefined);
          }
          await sleep(250);
        }
        proxy.restore();
        await Promise.all(workflowIds.map((id) => engine.env.client.workflow.getHandle(id).result().catch(() => undefined)));
        // The mirror catches up after the workflows end.
        for (let i = 0; i < 100; i++) {
          const open = await engine.db.execution.count({ where: { id: { in: ids }, status: { notIn: ['completed', 'error', 'cancelled'] } } });
          if (open === 0) break;
          await sleep(200);
        }
      });

      const executions = await engine.db.execution.findMany({ where: { id: { in: ids } }, include: { steps: true } });
      const completed = executions.filter((execution) => execution.status === 'completed').length;
      let repeated = 0;
      let extraAttempts = 0;
      for (let i = 0; i < RUNS; i++) {
        const draft = sandbox.callsFor(`Draft about tide ${i}`);
        const caption = sandbox.callsFor(`Caption for tide ${i}`);
        repeated += Math.max(0, draft - 1) + Math.max(0, caption - 1);
      }
      for (const execution of executions) {
        for (const step of execution.steps) extraAttempts += Math.max(0, step.attempts - 1);
        const draftText = (execution.steps.find((step) => step.stepId === 'draft')?.output as { text?: string } | null)?.text;
        if (draftText) repeated += Math.max(0, sandbox.callsFor(`Picture of ${draftText}`, 'image') - 1);
      }
      console.log(
        `      drill figures: ${completed}/${RUNS} runs completed, ${repeated} provider calls repeated, ${extraAttempts} extra step attempts, ` +
          `answers during the outage ${JSON.stringify(Object.fromEntries(statuses))}, ${non503Errors} 5xx other than 503, ${warnings.filter((w) => /waits for our/.test(w)).length} waits logged`,
      );
      assert.deepEqual(
        executions.filter((execution) => execution.status !== 'completed').map((execution) => [execution.id, execution.status, execution.error]),
        [],
        'every run completed',
      );
      assert.equal(repeated, 0, 'no provider call repeated');
      assert.equal(extraAttempts, 0, 'no step attempt spent on our outage');
      assert.equal(non503Errors, 0, 'no 5xx but 503 during the outage');
      assert.equal(missingRetryAfter, 0, 'every 503 says when to retry');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      proxy.close();
      await events.close();
      await db.$disconnect().catch(() => undefined);
    }
  });
});
