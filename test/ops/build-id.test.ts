// Each worker reports its build id to Temporal: it shows on the task queue's pollers (the UI's
// Workers view) and on every workflow task the worker completed (the run's event history).
import assert from 'node:assert/strict';
import { temporal } from '@temporalio/proto';
import { resolveBuildId } from '../../src/runtime/buildId';
import { startTestEngine, type TestEngine } from '../support/engine';
import { buildAccount, buildWorkflow, chain } from '../support/fixtures';

describe('worker build ids', function () {
  let engine: TestEngine;
  before(async () => {
    engine = await startTestEngine();
  });
  after(async () => engine?.close());

  it('default to the package version plus the git commit, and WORKER_BUILD_ID overrides them', () => {
    assert.match(resolveBuildId(), /^\d+\.\d+\.\d+\+([0-9a-f]{7,40}|unknown)$/);
    assert.equal(resolveBuildId('  release-42 '), 'release-42');
  });

  it('are reported on the task queue pollers and stamped on the workflow tasks of a run', async () => {
    const buildId = `test-build-${Date.now()}`;
    const account = await buildAccount(engine.db);
    const workflow = await buildWorkflow(engine.db, account.id, chain([{ id: 'card', type: 'template', config: { template: 'Hi {{topic}}' } }], 'card'));
    const worker = await engine.createWorker({ buildId });
    const workflowId = await worker.runUntil(async () => {
      const admission = await engine.admissions.admit({ account, workflow, triggerType: 'api', inputs: { topic: 'tides' }, async: true, receivedAtMs: Date.now() });
      await engine.client.workflow.getHandle(admission.temporalWorkflowId).result();
      const described = await engine.env.connection.workflowService.describeTaskQueue({
        namespace: 'default',
        taskQueue: { name: engine.taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      });
      const pollerBuilds = (described.pollers ?? []).map((poller) => poller.deploymentOptions?.buildId ?? poller.workerVersionCapabilities?.buildId);
      assert.ok(pollerBuilds.includes(buildId), `pollers report ${JSON.stringify(pollerBuilds)}`);
      return admission.temporalWorkflowId;
    });
    const history = await engine.client.workflow.getHandle(workflowId).fetchHistory();
    const stamped = (history.events ?? [])
      .map((event) => event.workflowTaskCompletedEventAttributes)
      .filter((attributes) => attributes)
      .map((attributes) => attributes!.deploymentVersion?.buildId ?? attributes!.workerVersion?.buildId);
    assert.ok(stamped.length > 0 && stamped.every((id) => id === buildId), `workflow tasks stamped ${JSON.stringify(stamped)}`);
  });

  it('pin a run to the build that started it when WORKER_VERSIONING=pinned and the version is made current', async () => {
    const deploymentName = `builder-test-${Date.now()}`;
    const account = await buildAccount(engine.db);
    const workflow = await buildWorkflow(engine.db, account.id, chain([{ id: 'card', type: 'template', config: { template: 'Hi {{topic}}' } }], 'card'));
    const worker = await engine.createWorker({ buildId: 'build-a', versioning: { deploymentName, mode: 'pinned' } });
    await worker.runUntil(async () => {
      // What `temporal worker deployment set-current-version --deployment-name … --build-id build-a` does;
      // the version exists once the worker's pollers reached the server.
      for (let attempt = 0; ; attempt++) {
        try {
          await engine.env.connection.workflowService.setWorkerDeploymentCurrentVersion({ namespace: 'default', deploymentName, buildId: 'build-a', identity: 'build-id test' });
          break;
        } catch (err) {
          if (attempt > 100) throw err;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
      const admission = await engine.admissions.admit({ account, workflow, triggerType: 'api', inputs: { topic: 'tides' }, async: true, receivedAtMs: Date.now() });
      const handle = engine.client.workflow.getHandle(admission.temporalWorkflowId);
      await handle.result();
      const { raw } = await handle.describe();
      const info = raw.workflowExecutionInfo?.versioningInfo;
      assert.equal(info?.behavior, temporal.api.enums.v1.VersioningBehavior.VERSIONING_BEHAVIOR_PINNED, JSON.stringify(info));
      assert.equal(info?.deploymentVersion?.buildId, 'build-a');
      assert.equal(info?.deploymentVersion?.deploymentName, deploymentName);
    });
  });
});
