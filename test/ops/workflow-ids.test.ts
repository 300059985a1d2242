// Runs are findable at a glance in the Temporal UI: a run's workflow id is its workflow's slug
// followed by the execution id, and everything that addresses the workflow still reaches it.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CanvasGraph } from '../../src/domain/types';
import { temporalWorkflowIdOf } from '../../src/domain/workflowIds';
import { startTestApi, type TestApi } from '../support/api';
import { ended, executionReader } from '../support/executions';
import { buildAccount, buildApiKey, buildWorkflow, sandboxVideoCanvas } from '../support/fixtures';

describe('Temporal workflow ids', function () {
  let api: TestApi;
  let key: string;
  let accountId: string;

  before(async () => {
    api = await startTestApi();
    const account = await buildAccount(api.engine.db, { tier: 'enterprise', creditBalance: 1_000 });
    accountId = account.id;
    key = (await buildApiKey(api.engine.db, account.id)).secret;
  });
  after(async () => api?.close());

  const auth = () => ({ 'x-api-key': key });
  const { waitFor } = executionReader(() => api, auth);
  const start = async (graph: CanvasGraph) => {
    const workflow = await buildWorkflow(api.engine.db, accountId, graph);
    const response = await api.request('POST', `/api/workflows/${workflow.slug}/run?async=true`, { body: { inputs: { topic: 'waves' } }, headers: auth() });
    assert.equal(response.status, 202, JSON.stringify(response.body));
    return { slug: workflow.slug, id: response.body.executionId as string };
  };

  it('names the workflow <slug>-<executionId>, and a provider callback still signals the waiting run', async () => {
    const callbacks = api.engine.sandboxMedia.callbacksDelivered;
    const polls = api.engine.sandboxMedia.polls;
    const { slug, id } = await start(sandboxVideoCanvas({ delayMs: 300 }));
    const execution = await waitFor(id, ended);
    assert.equal(execution.status, 'completed');
    assert.equal(execution.id, id, 'the API keeps its own execution id');
    assert.equal(execution.temporalWorkflowId, `${slug}-${id}`);
    assert.equal(execution.temporalWorkflowId, temporalWorkflowIdOf(slug, id));
    assert.equal(api.engine.sandboxMedia.callbacksDelivered, callbacks + 1, 'the callback was delivered as a signal');
    assert.equal(api.engine.sandboxMedia.polls, polls, 'no polling was needed');

    // The mirror records the end before the workflow task that closes the run: wait for Temporal too.
    const handle = api.engine.env.client.workflow.getHandle(execution.temporalWorkflowId);
    await handle.result();
    const description = await handle.describe();
    assert.equal(description.workflowId, `${slug}-${id}`);
    assert.equal(description.status.name, 'COMPLETED');
    // What the UI's run list shows when filtered by the slug column.
    let listed: string[] = [];
    for (let i = 0; i < 50 && !listed.includes(execution.temporalWorkflowId); i++) {
      listed = [];
      for await (const run of api.engine.env.client.workflow.list({ query: `BuilderWorkflowSlug = "${slug}"` })) listed.push(run.workflowId);
      if (!listed.includes(execution.temporalWorkflowId)) await sleep(200);
    }
    assert.deepEqual(listed, [`${slug}-${id}`]);
  });

  it('cancels a run waiting on a provider through its slug-named workflow', async () => {
    const { slug, id } = await start(sandboxVideoCanvas({ delayMs: 60_000, callback: false }));
    await waitFor(id, (execution) => execution.status === 'waiting');
    const cancel = await api.request('POST', `/api/executions/${id}/cancel`, { headers: auth() });
    assert.equal(cancel.status, 202, JSON.stringify(cancel.body));
    const execution = await waitFor(id, ended);
    assert.equal(execution.status, 'cancelled');
    const handle = api.engine.env.client.workflow.getHandle(temporalWorkflowIdOf(slug, id));
    await handle.result().catch(() => undefined);
    assert.equal((await handle.describe()).status.name, 'CANCELLED');
  });
});
