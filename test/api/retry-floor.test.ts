// Retry intervals under the 1 s a Temporal cluster honours (history.timerProcessorMaxTimeShift) are
// refused before anything runs, naming the node and the field, instead of silently taking 1 s.
import assert from 'node:assert/strict';
import { startTestApi, type TestApi } from '../support/api';
import { buildAccount, buildApiKey, buildWorkflow, chain } from '../support/fixtures';

describe('retry interval floor', function () {
  let api: TestApi;
  let key: string;
  let accountId: string;

  before(async () => {
    api = await startTestApi();
    const account = await buildAccount(api.engine.db);
    accountId = account.id;
    key = (await buildApiKey(api.engine.db, account.id)).secret;
  });
  after(async () => api?.close());

  it('answers 422 INVALID_WORKFLOW naming the node and field of a retry interval under 1,000 ms, and starts nothing', async () => {
    const workflow = await buildWorkflow(
      api.engine.db,
      accountId,
      chain([{ id: 'draft', type: 'text-generation', config: { prompt: 'About {{topic}}', retry: { initialIntervalMs: 200 } } }], 'draft'),
    );
    const response = await api.request('POST', `/api/workflows/${workflow.slug}/run`, { body: { inputs: { topic: 'tides' } }, headers: { 'x-api-key': key } });
    assert.equal(response.status, 422, JSON.stringify(response.body));
    assert.equal(response.body.error.code, 'INVALID_WORKFLOW');
    assert.equal(response.body.error.reason, 'INVALID_RETRY_POLICY');
    assert.equal(response.body.error.nodeId, 'draft');
    assert.equal(response.body.error.field, 'config.retry.initialIntervalMs');
    assert.equal(response.body.error.minimumMs, 1_000);
    assert.equal(await api.engine.db.execution.count({ where: { workflowId: workflow.id } }), 0);
  });
});
