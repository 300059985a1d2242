// The run workflow against a real Temporal dev server and a real Postgres.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { StoredMediaRef } from '../../src/media/types';
import { WorkflowFailedError } from '@temporalio/client';
import type { CanvasGraph } from '../../src/domain/types';
import { startTestEngine, type TestEngine } from '../support/engine';
import { buildAccount, buildWorkflow, chain } from '../support/fixtures';

describe('run workflow', function () {
  let engine: TestEngine;
  before(async () => {
    engine = await startTestEngine();
  });
  after(async () => engine?.close());

  /** Admits a run of `graph` through the real admission path and waits for it with a worker running. */
  async function run(graph: CanvasGraph, inputs: Record<string, unknown> = { topic: 'otters' }) {
    const owner = await buildAccount(engine.db);
    const workflow = await buildWorkflow(engine.db, owner.id, graph);
    const worker = await engine.createWorker();
    return worker.runUntil(async () => {
      const admission = await engine.admissions.admit({
        account: owner,
        workflow,
        triggerType: 'api',
        inputs,
        async: true,
        receivedAtMs: Date.now(),
      });
      const result = await engine.env.client.workflow
        .getHandle(admission.temporalWorkflowId)
        .result()
        .catch((err: unknown) => (err instanceof WorkflowFailedError ? null : Promise.reject(err)));
      const execution = await engine.db.execution.findUniqueOrThrow({ where: { id: admission.executionId }, include: { steps: true } });
      const steps = Object.fromEntries(execution.steps.map((step) => [step.stepId, step]));
      return { admission, result, execution, steps, account: owner, workflow };
    });
  }

  it('runs a text chain to completion and mirrors every step, the output and the charge', async () => {
    const graph = chain(
      [
        { id: 'outline', type: 'text-generation', config: { prompt: 'Outline {{topic}}' } },
        { id: 'draft', type: 'text-generation', config: { prompt: 'Draft from {{outline}}' }, from: ['outline'] },
      ],
      'draft',
    );
    const { execution, steps, result, account, workflow } = await run(graph);
    assert.equal(execution.status, 'completed');
    assert.equal(result?.status, 'completed');
    for (const id of ['input', 'outline', 'draft', 'output']) assert.equal(steps[id]!.status, 'completed', `step ${id}`);
    const draft = (steps.draft!.output as { text: string }).text;
    assert.match(draft, /sandbox/i);
    assert.deepEqual(execution.output, draft);
    assert.equal(steps.outline!.attempts, 1);
    assert.ok(execution.durationMs !== null && execution.durationMs >= 0);
    assert.equal(execution.creditsUsed, 2, 'two sandbox-text calls at 1 credit');
    const after = await engine.db.account.findUniqueOrThrow({ where: { id: account.id } });
    assert.equal(after.creditBalance, account.creditBalance - 2);
    const results = await engine.db.canvasNodeResult.findMany({ where: { workflowId: workflow.id } });
    assert.deepEqual(results.map((r) => r.nodeId).sort(), ['draft', 'input', 'outline', 'output']);
  });

  it('dispatches each next step without a database write in between, and its final step ends the run: provider steps record themselves, the workflow writes nothing', async () => {
    // a; then b and c in parallel; then d, all provider steps: the DAG of the benchmark.
    const step = (id: string, from: string[]) => ({ id, type: 'text-generation', config: { prompt: `${id}(${from.map((source) => `{{${source === 'input' ? 'topic' : source}}}`).join(',')})` }, from });
    const graph = chain([step('a', ['input']), step('b', ['a']), step('c', ['a']), step('d', ['b', 'c'])], 'd');
    const { execution, steps, result } = await run(graph);
    assert.equal(execution.status, 'completed');
    assert.deepEqual(execution.output, result?.output);
    for (const id of ['input', 'a', 'b', 'c', 'd', 'output']) assert.equal(steps[id]!.status, 'completed', `step ${id}`);
    for (const id of ['a', 'b', 'c', 'd']) {
      assert.equal(steps[id]!.attempts, 1, `step ${id} attempts`);
      assert.ok(steps[id]!.startedAt && steps[id]!.finishedAt && steps[id]!.startedAt! <= steps[id]!.finishedAt!, `step ${id} times`);
    }
    const history = await engine.env.client.workflow.getHandle(execution.temporalWorkflowId).fetchHistory();
    const markers = history.events!.flatMap((event) => (event.markerRecordedEventAttributes ? [event.markerRecordedEventAttributes.markerName] : []));
    // No local activity: d's record settled the output step and ended the run. The patch marker says so.
    assert.deepEqual(markers, ['core_patch']);
    const patches = history.events!.flatMap((event) => (event.markerRecordedEventAttributes?.details?.['patch-data']?.payloads ?? []).map((payload) => Buffer.from(payload.data!).toString()));
    assert.deepEqual(patches.map((data) => (JSON.parse(data) as { id: string }).id), ['final-step-ends-run']);
    const events = await engine.db.executionEvent.findMany({ where: { executionId: execution.id }, orderBy: { seq: 'asc' } });
    const kinds = events.map((event) => `${event.type}:${(event.data as { stepId?: string }).stepId ?? ''}:${(event.data as { status?: string }).status ?? ''}`);
    assert.equal(kinds[0], 'run.status::running', 'the run is announced running first');
    assert.equal(kinds.at(-1), 'run.end::completed', 'and ends last, once');
    assert.equal(kinds.filter((kind) => kind.startsWith('run.end')).length, 1);
    const completedAt = (id: string) => kinds.indexOf(`step.status:${id}:completed`);
    const runningAt = (id: string) => kinds.indexOf(`step.status:${id}:running`);
    assert.ok(completedAt('a') < runningAt('b') && completedAt('a') < runningAt('c'), kinds.join(', '));
    assert.ok(completedAt('b') < runningAt('d') && completedAt('c') < runningAt('d'), kinds.join(', '));
  });

  it('runs parallel branches and produces a real PNG image, stored as media and passed on by reference', async () => {
    const graph = chain(
      [
        { id: 'a', type: 'text-generation', config: { prompt: 'A {{topic}}' } },
        { id: 'pic', type: 'image-generation', config: { prompt: 'Picture of {{topic}}', width: 32, height: 16 } },
        { id: 'join', type: 'template', config: { template: '{{a}} / {{pic.mimeType}}' }, from: ['a', 'pic'] },
      ],
      'join',
    );
    const { execution, steps } = await run(graph);
    assert.equal(execution.status, 'completed');
    assert.equal(steps.a!.groupIndex, steps.pic!.groupIndex, 'a and pic run in the same parallel group');
    const image = (steps.pic!.output as unknown as { image: StoredMediaRef }).image;
    assert.deepEqual(Object.keys(image).sort(), ['height', 'mediaId', 'mimeType', 'sha256', 'sizeBytes', 'width']);
    assert.equal(image.width, 32);
    const png = Buffer.concat(await (await engine.mediaStore.get(image.sha256)).toArray());
    assert.equal(png.length, image.sizeBytes);
    assert.equal(createHash('sha256').update(png).digest('hex'), image.sha256);
    assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')]);
    assert.match(String(execution.output), /image\/png$/);
  });

  it('marks a failing step error, skips its running sibling and everything downstream, and refunds the run', async () => {
    const graph = chain(
      [
        { id: 'slow', type: 'text-generation', config: { prompt: 'Slow {{topic}}', sandbox: { delayMs: 20_000 } } },
        { id: 'bad', type: 'text-generation', config: { prompt: 'Bad {{topic}}', sandbox: { reject: true } } },
        { id: 'join', type: 'template', config: { template: '{{slow}} {{bad}}' }, from: ['slow', 'bad'] },
      ],
      'join',
    );
    const started = Date.now();
    const { execution, steps, account } = await run(graph);
    assert.equal(execution.status, 'error');
    assert.ok(Date.now() - started < 15_000, 'the slow sibling was cancelled, not awaited');
    assert.equal(steps.bad!.status, 'error');
    assert.equal(steps.slow!.status, 'skipped');
    assert.match((steps.slow!.error as { message: string }).message, /sibling step "bad" failed/);
    assert.equal(steps.join!.status, 'skipped');
    assert.equal(steps.output!.status, 'skipped');
    assert.equal(steps.input!.status, 'completed');
    const error = execution.error as { stepId: string; type: string; message: string };
    assert.equal(error.stepId, 'bad');
    assert.equal(error.type, 'ProviderRejected');
    assert.equal(steps.bad!.attempts, 1, 'a rejected request is never retried');
    const after = await engine.db.account.findUniqueOrThrow({ where: { id: account.id } });
    assert.equal(after.creditBalance, account.creditBalance, 'credits refunded in full');
    const ledger = await engine.db.creditLedgerEntry.findMany({ where: { executionId: execution.id } });
    assert.deepEqual(ledger.map((entry) => entry.kind).sort(), ['debit', 'refund']);
  });

  it('retries a failing step with exponential backoff and counts the attempts', async () => {
    const graph = chain(
      [
        {
          id: 'flaky',
          type: 'text-generation',
          config: {
            prompt: 'Flaky {{topic}}',
            sandbox: { failFirstAttempts: 2 },
            retry: { initialIntervalMs: 1_000, backoffCoefficient: 2, maximumAttempts: 4 },
          },
        },
      ],
      'flaky',
    );
    const { execution, steps } = await run(graph);
    assert.equal(execution.status, 'completed');
    const flaky = steps.flaky!;
    assert.equal(flaky.attempts, 3);
    const errors = flaky.attemptErrors as Array<{ attempt: number; type: string; at: string }>;
    assert.deepEqual(errors.map((e) => [e.attempt, e.type]), [[1, 'ProviderUnavailable'], [2, 'ProviderUnavailable']]);
    const history = await engine.env.client.workflow.getHandle(execution.temporalWorkflowId).fetchHistory();
    const attempts = history.events!.filter((event) => event.activityTaskStartedEventAttributes).map((event) => event.activityTaskStartedEventAttributes!.attempt);
    assert.deepEqual(attempts, [3], 'Temporal ran three attempts of the activity (retries are recorded on the final start)');
    const gap = Date.parse(flaky.finishedAt!.toISOString()) - Date.parse(errors[1]!.at);
    const firstGap = Date.parse(errors[1]!.at) - Date.parse(errors[0]!.at);
    assert.ok(firstGap >= 950, `first retry waited ${firstGap} ms (initial interval 1,000 ms)`);
    assert.ok(gap >= 1_900, `second retry waited ${gap} ms (backoff doubles to 2,000 ms)`);
  });

  it('ends a step that exceeds its timeout in error, saying which timeout fired', async () => {
    const graph = chain(
      [{ id: 'stuck', type: 'text-generation', config: { prompt: 'Stuck {{topic}}', timeoutMs: 1_000, retry: { maximumAttempts: 1 }, sandbox: { delayMs: 30_000 } } }],
      'stuck',
    );
    const { execution, steps } = await run(graph);
    assert.equal(execution.status, 'error');
    assert.equal(steps.stuck!.status, 'error');
    const error = steps.stuck!.error as { type: string; message: string };
    assert.equal(error.type, 'StepTimeout');
    assert.match(error.message, /1000 ms step timeout/);
    assert.equal(steps.output!.status, 'skipped');
  });
});
