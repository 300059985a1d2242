// A database outage during a run: the run goes on, the mirror waits, then catches up in order.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPrisma } from '../../src/db/client';
import { createProviderRegistry } from '../../src/providers/registry';
import { SandboxProvider } from '../../src/providers/sandbox';
import { createRunWorker } from '../../src/runtime/worker';
import { CuttableProxy } from '../support/cuttableProxy';
import { sharedBundle, startTestEngine, type TestEngine } from '../support/engine';
import { proxyDatabase } from '../support/cuttableProxy';
import { buildAccount, buildWorkflow, chain } from '../support/fixtures';

describe('status mirror during a database outage', function () {
  let engine: TestEngine;
  before(async () => {
    engine = await startTestEngine();
  });
  after(async () => engine?.close());

  it('keeps running while Postgres is unreachable and writes every status once it is back', async () => {
    const { proxy, url } = await proxyDatabase(engine.databaseUrl);
    const workerDb = createPrisma(url);
    const sandbox = new SandboxProvider();
    const worker = await createRunWorker({
      connection: engine.env.nativeConnection,
      namespace: 'default',
      taskQueue: engine.taskQueue,
      bundle: await sharedBundle(),
      deps: { db: workerDb, providers: createProviderRegistry({ sandbox }), media: engine.media, warn: () => undefined },
    });
    const account = await buildAccount(engine.db);
    const workflow = await buildWorkflow(
      engine.db,
      account.id,
      chain(
        [
          { id: 'one', type: 'text-generation', config: { prompt: 'One {{topic}}', sandbox: { delayMs: 400 } } },
          { id: 'two', type: 'text-generation', config: { prompt: 'Two {{one}}', sandbox: { delayMs: 400 } }, from: ['one'] },
        ],
        'two',
      ),
    );
    try {
      await worker.runUntil(async () => {
        const admission = await engine.admissions.admit({ account, workflow, triggerType: 'api', inputs: { topic: 'x' }, async: true, receivedAtMs: Date.now() });
        await sleep(150);
        proxy.cut();
        // Both provider steps finish during the outage: the run does not wait for the database.
        const handle = engine.env.client.workflow.getHandle(admission.executionId);
        let completedActivities = 0;
        for (let i = 0; i < 100 && completedActivities < 2; i++) {
          await sleep(200);
          const history = await handle.fetchHistory();
          completedActivities = history.events!.filter((e) => e.activityTaskCompletedEventAttributes).length;
        }
        assert.equal(completedActivities, 2, 'both provider steps completed during the outage');
        const during = await engine.db.execution.findUniqueOrThrow({ where: { id: admission.executionId } });
        assert.notEqual(during.status, 'completed', 'nothing could be written while the database was down');
        proxy.restore();
        await handle.result();
        const execution = await engine.db.execution.findUniqueOrThrow({
          where: { id: admission.executionId },
          include: { steps: true, events: { orderBy: { seq: 'asc' } } },
        });
        assert.equal(execution.status, 'completed');
        assert.ok(execution.steps.every((s) => s.status === 'completed'));
        assert.equal(execution.events.at(-1)!.type, 'run.end');
        const runStatuses = execution.events.filter((e) => e.type === 'run.status').map((e) => (e.data as { status: string }).status);
        assert.deepEqual(runStatuses, ['running', 'completed'], 'caught up in order');
      });
    } finally {
      proxy.close();
      await workerDb.$disconnect().catch(() => undefined);
    }
  });
});
