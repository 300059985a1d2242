// Workflow stack traces: off by default (their cost, src/workflows/noStackTraces.ts), on with
// WORKFLOW_STACK_TRACES=true. Either way a running workflow answers the stack trace query the
// Temporal UI sends, and its run completes the same.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestEngine, type TestEngine } from '../support/engine';
import { buildAccount, buildWorkflow, chain } from '../support/fixtures';

describe('workflow stack traces', function () {
  let engine: TestEngine;
  before(async () => {
    engine = await startTestEngine();
  });
  after(async () => engine?.close());

  /** The `__stack_trace` query's answer while a slow provider step runs, and the run's status once it ends. */
  async function stackTraceOfRunningStep(stackTraces: boolean): Promise<{ trace: string; status: string }> {
    const owner = await buildAccount(engine.db);
    const graph = chain([{ id: 'slow', type: 'text-generation', config: { prompt: 'Slow {{topic}}', sandbox: { delayMs: 4_000 } } }], 'slow');
    const workflow = await buildWorkflow(engine.db, owner.id, graph);
    const worker = await engine.createWorker({ stackTraces });
    return worker.runUntil(async () => {
      const admission = await engine.admissions.admit({ account: owner, workflow, triggerType: 'api', inputs: { topic: 'otters' }, async: true, receivedAtMs: Date.now() });
      const handle = engine.client.workflow.getHandle(admission.temporalWorkflowId);
      // The query reaches the workflow once its first task ran (the step is dispatched by then).
      let trace: string | undefined;
      for (let tries = 0; trace === undefined && tries < 200; tries++) {
        const step = await engine.db.step.findFirst({ where: { executionId: admission.executionId, stepId: 'slow', status: 'running' } });
        if (step) trace = await handle.query<string>('__stack_trace');
        else await sleep(50);
      }
      assert.ok(trace !== undefined, 'the step never ran');
      const result = await handle.result();
      return { trace, status: result.status };
    });
  }

  it('answers the stack trace query with no frames by default, and the run completes', async () => {
    const { trace, status } = await stackTraceOfRunningStep(false);
    assert.doesNotMatch(trace, /\bat /, 'no frames');
    assert.doesNotMatch(trace, /runExecution/);
    assert.equal(status, 'completed');
  });

  it('answers the stack trace query with the workflow code waiting on the step when WORKFLOW_STACK_TRACES is on', async () => {
    const { trace, status } = await stackTraceOfRunningStep(true);
    assert.match(trace, /runStep .*src\/workflows\/runExecution\.ts/);
    assert.equal(status, 'completed');
  });
});
