// Runs are findable in Temporal (what ops see in the UI and `temporal workflow list --query`):
// by every custom search attribute, with a summary, a memo and activity summaries named after nodes.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { TEXT_CHAIN } from '../../src/demo/workflows';
import { temporalWorkflowIdOf } from '../../src/domain/workflowIds';
import { RUN_STATUS, TRIGGER_TYPE } from '../../src/workflows/searchAttributes';
import { startTestApi, type TestApi } from '../support/api';
import { buildAccount, buildApiKey, buildWorkflow } from '../support/fixtures';

/** Visibility is eventually consistent: polls the query until it lists `expected` (or times out). */
async function listIds(client: Client, query: string, expected: string[]): Promise<string[]> {
  let ids: string[] = [];
  for (let i = 0; i < 50; i++) {
    ids = [];
    for await (const execution of client.workflow.list({ query })) ids.push(execution.workflowId);
    if (expected.every((id) => ids.includes(id))) return ids.sort();
    await sleep(200);
  }
  return ids.sort();
}

describe('Temporal search attributes and summaries', function () {
  let api: TestApi;
  let key: string;
  let accountId: string;
  let slug: string;
  let canvasId: string;
  const runs: string[] = [];

  before(async () => {
    api = await startTestApi();
    const account = await buildAccount(api.engine.db);
    accountId = account.id;
    key = (await buildApiKey(api.engine.db, account.id)).secret;
    const workflow = await buildWorkflow(api.engine.db, account.id, TEXT_CHAIN);
    slug = workflow.slug;
    canvasId = workflow.canvasId;
    for (const topic of ['tides', 'dunes']) {
      const response = await api.request('POST', `/api/workflows/${slug}/run`, { body: { inputs: { topic } }, headers: { 'x-api-key': key } });
      assert.equal(response.status, 200, JSON.stringify(response.body));
      // Temporal knows each run by its workflow id: the slug, then the execution id.
      runs.push(temporalWorkflowIdOf(slug, response.body.executionId));
    }
    runs.sort();
  });
  after(async () => api?.close());

  const queries = () => ({
    BuilderTriggerType: `BuilderTriggerType = "api" AND BuilderWorkflowSlug = "${slug}"`,
    BuilderWorkflowSlug: `BuilderWorkflowSlug = "${slug}"`,
    BuilderAccountId: `BuilderAccountId = "${accountId}"`,
    BuilderCanvasId: `BuilderCanvasId = "${canvasId}"`,
    BuilderRunStatus: `BuilderRunStatus = "completed" AND BuilderAccountId = "${accountId}"`,
  });

  for (const attribute of ['BuilderTriggerType', 'BuilderWorkflowSlug', 'BuilderAccountId', 'BuilderCanvasId', 'BuilderRunStatus'] as const) {
    it(`lists the account's runs by ${attribute}`, async () => {
      const query = queries()[attribute];
      assert.deepEqual(await listIds(api.engine.env.client, query, runs), runs, query);
    });
  }

  it('finds nothing for values no run has', async () => {
    for (const query of [`BuilderTriggerType = "webhook" AND BuilderAccountId = "${accountId}"`, `BuilderRunStatus = "running" AND BuilderAccountId = "${accountId}"`]) {
      const ids: string[] = [];
      for await (const execution of api.engine.env.client.workflow.list({ query })) ids.push(execution.workflowId);
      assert.deepEqual(ids, [], query);
    }
  });

  it('gives each run a summary, a memo, and activity summaries named after the nodes', async () => {
    const handle = api.engine.env.client.workflow.getHandle(runs[0]!);
    const description = await handle.describe();
    assert.match((await description.staticSummary()) ?? '', new RegExp(`\\(${slug}\\) · api run of output`));
    assert.equal(description.memo?.targetNodeId, 'output');
    assert.equal(description.typedSearchAttributes.get(RUN_STATUS), 'completed', 'the status attribute is kept current');
    assert.equal(description.typedSearchAttributes.get(TRIGGER_TYPE), 'api');

    const history = await handle.fetchHistory();
    const summaries = (history.events ?? [])
      .filter((event) => event.activityTaskScheduledEventAttributes)
      .map((event) => {
        const summary = event.userMetadata?.summary;
        return [event.activityTaskScheduledEventAttributes!.activityId, summary ? defaultPayloadConverter.fromPayload(summary as never) : undefined];
      });
    const nodeNames = new Map(TEXT_CHAIN.nodes.map((node) => [node.id, node.name]));
    assert.ok(summaries.length >= 2, JSON.stringify(summaries));
    for (const [stepId, summary] of summaries) {
      assert.ok(summary, `activity ${stepId} has a summary`);
      assert.equal(summary, nodeNames.get(String(stepId)) ?? `Text Generation ${stepId}`);
    }
  });
});
