// A workflow with several Response Output nodes: the run API runs them all and answers one output
// keyed by node name (or id); the studio's manual trigger can still run just one of them.
import assert from 'node:assert/strict';
import type { CanvasGraph } from '../../src/domain/types';
import { startTestApi, type TestApi } from '../support/api';
import { ended, executionReader } from '../support/executions';
import { buildAccount, buildApiKey, buildWorkflow } from '../support/fixtures';

/** input(topic) → story (text) → "Story" output; input → summary (text) → unnamed output `brief`. */
const TWO_OUTPUTS: CanvasGraph = {
  nodes: [
    { id: 'input', type: 'request-input', config: { fields: [{ name: 'topic', type: 'string', required: true }] } },
    { id: 'story', type: 'text-generation', config: { prompt: 'A story about {{topic}}' } },
    { id: 'summary', type: 'text-generation', config: { prompt: 'A summary of {{topic}}' } },
    { id: 'story_out', type: 'response-output', name: 'Story', config: {} },
    { id: 'brief', type: 'response-output', config: {} },
  ],
  edges: [
    { source: 'input', sourcePort: 'topic', target: 'story', targetPort: 'topic' },
    { source: 'input', sourcePort: 'topic', target: 'summary', targetPort: 'topic' },
    { source: 'story', sourcePort: 'text', target: 'story_out', targetPort: 'text' },
    { source: 'summary', sourcePort: 'text', target: 'brief', targetPort: 'text' },
  ],
};

describe('workflows with several Response Output nodes', function () {
  let api: TestApi;
  let key: string;
  let slug: string;
  let canvasId: string;
  const executions = executionReader(() => api, () => ({ 'x-api-key': key }));

  before(async () => {
    api = await startTestApi();
    const account = await buildAccount(api.engine.db, { tier: 'business' });
    key = (await buildApiKey(api.engine.db, account.id)).secret;
    const workflow = await buildWorkflow(api.engine.db, account.id, TWO_OUTPUTS);
    slug = workflow.slug;
    canvasId = workflow.canvasId;
  });
  after(async () => api?.close());

  it('runs every Response Output node and answers an output keyed by each node’s name or id', async () => {
    const response = await api.request('POST', `/api/workflows/${slug}/run`, { body: { inputs: { topic: 'tides' } }, headers: { 'x-api-key': key } });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.deepEqual(Object.keys(response.body.output).sort(), ['Story', 'brief']);
    assert.match(response.body.output.Story, /A story about tides/);
    assert.match(response.body.output.brief, /A summary of tides/);
    const execution = await executions.get(response.body.executionId);
    assert.deepEqual(execution.output, response.body.output);
    assert.deepEqual(execution.steps.map((step: { id: string }) => step.id).sort(), ['brief', 'input', 'story', 'story_out', 'summary']);
  });

  it('still runs only the named node and what feeds it from the studio’s manual trigger', async () => {
    const response = await api.request('POST', '/api/execute/start', {
      body: { canvasId, targetNodeId: 'brief', inputs: { topic: 'owls' } },
      headers: { 'x-api-key': key, 'x-trigger-type': 'manual' },
    });
    assert.equal(response.status, 202, JSON.stringify(response.body));
    const execution = await executions.waitFor(response.body.executionId, ended);
    assert.equal(execution.status, 'completed');
    assert.match(execution.output, /A summary of owls/);
    assert.deepEqual(execution.steps.map((step: { id: string }) => step.id).sort(), ['brief', 'input', 'summary']);
  });
});
