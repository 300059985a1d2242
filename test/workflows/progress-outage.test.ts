// Live events through a database outage: every step status transition and the whole streamed text
// of every text step reach the event log, in order, although the worker's database was cut while
// the steps started, streamed and failed attempts.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPrisma } from '../../src/db/client';
import { createProviderRegistry } from '../../src/providers/registry';
import { SandboxProvider } from '../../src/providers/sandbox';
import { createRunWorker } from '../../src/runtime/worker';
import { proxyDatabase } from '../support/cuttableProxy';
import { sharedBundle, startTestEngine, type TestEngine } from '../support/engine';
import { buildAccount, buildWorkflow, chain } from '../support/fixtures';

const RUNS = 8;

describe('live events during a database outage', function () {
  let engine: TestEngine;
  before(async () => {
    engine = await startTestEngine();
  });
  after(async () => engine?.close());

  it('keeps every step transition, attempt failure and the full streamed text in the event log, in order', async () => {
    const { proxy, url } = await proxyDatabase(engine.databaseUrl);
    const workerDb = createPrisma(url);
    const worker = await createRunWorker({
      connection: engine.env.nativeConnection,
      namespace: 'default',
      taskQueue: engine.taskQueue,
      bundle: await sharedBundle(),
      deps: { db: workerDb, providers: createProviderRegistry({ sandbox: new SandboxProvider() }), media: engine.media, warn: () => undefined },
    });
    const account = await buildAccount(engine.db);
    const stream = { delayMs: 100, tokenDelayMs: 25 };
    const workflow = await buildWorkflow(
      engine.db,
      account.id,
      chain(
        [
          { id: 'plain', type: 'text-generation', config: { prompt: 'A long answer about {{topic}} with many words to stream', sandbox: stream } },
          {
            id: 'flaky',
            type: 'text-generation',
            config: { prompt: 'Another answer about {{topic}}', sandbox: { ...stream, failFirstAttempts: 1 }, retry: { initialIntervalMs: 1_000, maximumAttempts: 3 } },
          },
          { id: 'after', type: 'text-generation', config: { prompt: 'Sum up {{plain}} and {{flaky}}', sandbox: stream }, from: ['plain', 'flaky'] },
        ],
        'after',
      ),
    );
    const ids: string[] = [];
    try {
      await worker.runUntil(async () => {
        // The worker's database is down before the runs start: the first steps start, stream and
        // fail attempts while nothing can be written; it comes back mid-run.
        proxy.cut();
        for (let i = 0; i < RUNS; i++) {
          const admission = await engine.admissions.admit({ account, workflow, triggerType: 'api', inputs: { topic: `tides ${i}` }, async: true, receivedAtMs: Date.now() });
          ids.push(admission.executionId);
        }
        // Back once the first two steps of every run have finished (one of them after a failed
        // attempt): all of their progress happened while the database was down.
        for (const id of ids) {
          const handle = engine.env.client.workflow.getHandle(id);
          for (let completed = 0; completed < 2; ) {
            await sleep(100);
            const history = await handle.fetchHistory();
            completed = history.events!.filter((e) => e.activityTaskCompletedEventAttributes).length;
          }
        }
        proxy.restore();
        await Promise.all(ids.map((id) => engine.env.client.workflow.getHandle(id).result()));
      });

      let steps = 0;
      let missingRunning = 0;
      let textSteps = 0;
      let textMismatch = 0;
      const problems: string[] = [];
      for (const id of ids) {
        const execution = await engine.db.execution.findUniqueOrThrow({ where: { id }, include: { steps: true, events: { orderBy: { seq: 'asc' } } } });
        assert.equal(execution.status, 'completed');
        assert.deepEqual(execution.events.map((e) => e.seq), execution.events.map((_, i) => i + 1), 'event numbers have no gaps');
        for (const step of execution.steps.filter((s) => s.nodeType === 'text-generation')) {
          steps += 1;
          textSteps += 1;
          const mine = execution.events.filter((e) => (e.data as { stepId?: string }).stepId === step.stepId);
          const transitions = mine
            .filter((e) => e.type !== 'step.token')
            .map((e) => {
              const data = e.data as { status?: string; attempt?: number };
              return e.type === 'step.attempt_failed' ? `failed#${data.attempt}` : data.status === 'running' ? `running#${data.attempt}` : data.status!;
            });
          const expected = step.stepId === 'flaky' ? ['running#1', 'failed#1', 'running#2', 'streaming', 'completed'] : ['running#1', 'streaming', 'completed'];
          if (!transitions.includes('running#1')) missingRunning += 1;
          if (JSON.stringify(transitions) !== JSON.stringify(expected)) problems.push(`${id} ${step.stepId}: ${transitions.join(' → ')}`);
          const lastStatus = mine.findIndex((e) => e.type === 'step.status' && (e.data as { status: string }).status === 'completed');
          const streamed = mine.filter((e) => e.type === 'step.token').map((e) => (e.data as { token: string }).token).join('');
          if (streamed !== (step.output as { text: string }).text) textMismatch += 1;
          assert.ok(mine.slice(lastStatus).every((e) => e.type !== 'step.token'), 'no token after the step completed');
        }
      }
      console.log(`      outage figures: ${missingRunning} of ${steps} steps without a running event, ${textMismatch} of ${textSteps} text steps whose token events do not add up to their text`);
      assert.deepEqual(problems, [], 'every step saw every transition in order');
      assert.equal(missingRunning, 0);
      assert.equal(textMismatch, 0);
    } finally {
      proxy.close();
      await workerDb.$disconnect().catch(() => undefined);
    }
  });
});
