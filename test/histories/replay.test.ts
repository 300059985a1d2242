// Workflow code is a contract with the past: every history recorded by every release
// (test/histories/<release>/, `npm run histories:record`) replays against the current bundle.
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflows } from '../../src/runtime/worker';
import { sharedBundle } from '../support/engine';
import { quietRuntime } from '../support/temporal';
import { allRecordedHistories, describeFailures, replayHistories } from './replay';
import type { RecordedHistory } from './store';

const fixture = (name: string) => path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', name);
const quiet = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: (m: string) => console.error(m) };
const bundleOf = (file: string): Promise<WorkflowBundleWithSourceMap> => bundleWorkflowCode({ workflowsPath: fixture(file), logger: quiet });

describe('recorded workflow histories', function () {
  this.timeout(300_000);
  let histories: RecordedHistory[];

  before(async () => {
    await quietRuntime();
    histories = await allRecordedHistories();
  });

  it('include every workflow shape of at least one release', () => {
    const shapes = new Set(histories.map((history) => history.name.split('/')[1]));
    for (const shape of [
      'sync-text-chain', 'parallel-image', 'async-job-callback', 'async-job-polling', 'replicate-job', 'cancelled-while-waiting',
      'retries-exhausted', 'skipped-sibling', 'replay-from-step', 'several-outputs', 'webhook-trigger', 'claim-check-payload',
    ]) {
      assert.ok(shapes.has(shape), `no recorded history of ${shape}`);
    }
  });

  it('all replay against the current workflow bundle without nondeterminism', async () => {
    const outcomes = await replayHistories(await sharedBundle(), histories);
    assert.equal(outcomes.length, histories.length);
    assert.deepEqual(describeFailures(outcomes), []);
  });

  it('all replay against the bundle of workers that trace (OpenTelemetry workflow interceptors)', async () => {
    const outcomes = await replayHistories(await bundleWorkflows({ tracing: true }), histories);
    assert.deepEqual(describeFailures(outcomes), []);
  });

  it('fail on an unguarded change to the workflow, naming the history and the event', async () => {
    const outcomes = await replayHistories(await bundleOf('incompatibleWorkflow.ts'), histories);
    const failures = describeFailures(outcomes);
    assert.equal(failures.length, histories.length, `every history must refuse the change:\n${failures.join('\n')}`);
    // Named by the event it trips on, or (histories of runs with a patch) by the patch marker it meets first.
    for (const failure of failures) {
      assert.match(failure, /^[^/]+\/[a-z0-9-]+: DeterminismViolationError: Nondeterminism error: .*(HistoryEvent\(id: \d+, \w+\)|patch marker encountered for change [a-z0-9-]+)/);
    }
    console.log(`      (${histories.length} histories refused it; e.g. ${failures[0]})`);
  });

  it('replay the same change when it is behind patched()', async () => {
    const outcomes = await replayHistories(await bundleOf('patchedWorkflow.ts'), histories);
    assert.deepEqual(describeFailures(outcomes), []);
  });
});
