// The run timeout without a timer (the `run-timer-when-needed` patch), against a real Temporal dev
// server and a real Postgres: a run whose steps cannot outlast its run timeout starts no timer for
// it; one whose steps could keeps the timer; and a run whose step waited to start past its deadline
// (its worker's only activity slot taken) still ends RunTimeout, at the step that ends late.
import assert from 'node:assert/strict';
import type { temporal } from '@temporalio/proto';
import { createRunWorker } from '../../src/runtime/worker';
import { Admissions } from '../../src/services/admission';
import { RUN_TIMER_WHEN_NEEDED } from '../../src/workflows/runExecution';
import { sharedBundle, startTestEngine, type TestEngine } from '../support/engine';
import { buildAccount, buildWorkflow, chain } from '../support/fixtures';

type History = temporal.api.history.v1.IHistory;

const timersOf = (history: History) => (history.events ?? []).filter((event) => event.timerStartedEventAttributes);
const patchesOf = (history: History) =>
  (history.events ?? []).filter((event) => event.markerRecordedEventAttributes?.markerName === 'core_patch').length;

describe('the run timeout', function () {
  let engine: TestEngine;
  before(async () => {
    engine = await startTestEngine();
  });
  after(async () => engine?.close());

  async function ended(executionId: string) {
    for (let i = 0; i < 600; i++) {
      const execution = await engine.db.execution.findUniqueOrThrow({ where: { id: executionId }, include: { steps: true } });
      if (['completed', 'error', 'cancelled'].includes(execution.status)) return execution;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.fail(`run ${executionId} never ended`);
  }

  it('starts no timer for a run whose steps cannot outlast it, and one for a run whose steps could', async () => {
    const account = await buildAccount(engine.db, { creditBalance: 100 });
    // One attempt of at most 2 s against the engine's 60 s run timeout: nothing can outlast it.
    const short = await buildWorkflow(
      engine.db,
      account.id,
      chain([{ id: 'brief', type: 'text-generation', config: { prompt: 'Brief {{topic}}', timeoutMs: 2_000, retry: { maximumAttempts: 1 } } }], 'brief'),
    );
    // The text node's defaults: three attempts of up to 120 s, which could outlast 60 s.
    const long = await buildWorkflow(engine.db, account.id, chain([{ id: 'essay', type: 'text-generation', config: { prompt: 'Essay {{topic}}' } }], 'essay'));
    const worker = await engine.createWorker();
    const histories = await worker.runUntil(async () => {
      const out: History[] = [];
      for (const workflow of [short, long]) {
        const admission = await engine.admissions.admit({ account, workflow, triggerType: 'api', inputs: { topic: 'otters' }, async: true, receivedAtMs: Date.now() });
        const handle = engine.client.workflow.getHandle(admission.temporalWorkflowId);
        assert.equal((await handle.result()).status, 'completed');
        out.push(await handle.fetchHistory());
      }
      return out;
    });
    const [shortHistory, longHistory] = histories as [History, History];
    assert.equal(timersOf(shortHistory).length, 0, 'no timer for a run that cannot outlast its timeout');
    assert.equal(timersOf(longHistory).length, 1, 'the run-timeout timer for a run that could');
    // Still one patch marker per run: the new patch implies the ones before it.
    assert.equal(patchesOf(shortHistory), 1);
    assert.equal(patchesOf(longHistory), 1);
    const marker = (shortHistory.events ?? []).find((event) => event.markerRecordedEventAttributes?.markerName === 'core_patch');
    const data = marker?.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
    assert.equal((JSON.parse(Buffer.from(data ?? []).toString()) as { id: string }).id, RUN_TIMER_WHEN_NEEDED);
  });

  it('ends a run whose step waited past the deadline for a free activity slot in error RunTimeout, at the step that ends late', async () => {
    const account = await buildAccount(engine.db, { creditBalance: 100 });
    // Holds the worker's only activity slot for 8 s (a run of the engine's own 60 s timeout).
    const hog = await buildWorkflow(
      engine.db,
      account.id,
      chain([{ id: 'hog', type: 'text-generation', config: { prompt: 'Hog {{topic}}', timeoutMs: 20_000, retry: { maximumAttempts: 1 }, sandbox: { delayMs: 8_000 } } }], 'hog'),
    );
    // At most 2 s of steps under a 4 s run timeout: no timer, the deadline is checked as steps end.
    const quick = await buildWorkflow(
      engine.db,
      account.id,
      chain(
        [
          { id: 'first', type: 'text-generation', config: { prompt: 'First {{topic}}', timeoutMs: 1_000, retry: { maximumAttempts: 1 } } },
          { id: 'second', type: 'text-generation', config: { prompt: 'Second {{first}}', timeoutMs: 1_000, retry: { maximumAttempts: 1 } }, from: ['first'] },
        ],
        'second',
      ),
    );
    const admissions = new Admissions({ db: engine.db, temporal: engine.client, taskQueue: engine.taskQueue, markup: 1, runTimeoutMs: 4_000 });
    const worker = await createRunWorker({
      connection: engine.env.nativeConnection,
      namespace: 'default',
      taskQueue: engine.taskQueue,
      bundle: await sharedBundle(),
      dataConverter: engine.dataConverter,
      maxConcurrentActivities: 1,
      deps: { db: engine.db, providers: engine.providers, media: engine.media, warn: () => undefined },
    });
    const { execution, history, hogResult } = await worker.runUntil(async () => {
      const hogRun = await engine.admissions.admit({ account, workflow: hog, triggerType: 'api', inputs: { topic: 'x' }, async: true, receivedAtMs: Date.now() });
      for (let i = 0; i < 200; i++) {
        const step = await engine.db.step.findUnique({ where: { executionId_stepId: { executionId: hogRun.executionId, stepId: 'hog' } } });
        if (step?.status === 'running' || step?.status === 'streaming') break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const admission = await admissions.admit({ account, workflow: quick, triggerType: 'api', inputs: { topic: 'y' }, async: true, receivedAtMs: Date.now() });
      const handle = engine.client.workflow.getHandle(admission.temporalWorkflowId);
      const result = await handle.result();
      const hogResult = await engine.client.workflow.getHandle(hogRun.temporalWorkflowId).result();
      return { execution: { ...(await ended(admission.executionId)), result }, history: await handle.fetchHistory(), hogResult };
    });
    assert.equal(hogResult.status, 'completed');
    assert.equal(timersOf(history).length, 0, 'the run had no timer');
    assert.equal(execution.status, 'error');
    assert.equal(execution.result.status, 'error', "Temporal's result equals the rows");
    assert.equal((execution.error as { type: string }).type, 'RunTimeout');
    assert.match((execution.error as { message: string }).message, /Run timeout of 4000 ms exceeded/);
    const status = (id: string) => execution.steps.find((step) => step.stepId === id)?.status;
    // `first` waited for the slot past the deadline, ran and completed; nothing after it ran.
    assert.equal(status('first'), 'completed');
    assert.equal(status('second'), 'skipped');
    assert.equal(status('output'), 'skipped');
    const runEnds = await engine.db.executionEvent.count({ where: { executionId: execution.id, type: 'run.end' } });
    assert.equal(runEnds, 1);
  });
});
