// A run whose Text Generation node uses an OpenAI-compatible endpoint (a real local HTTP server
// speaking the chat completions API): tokens stream to watchers, retries and 4xx behave.
import assert from 'node:assert/strict';
import { startTestApi, type TestApi } from '../support/api';
import { ended, executionReader } from '../support/executions';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fakeOpenAI';
import { buildAccount, buildApiKey, buildWorkflow, chain } from '../support/fixtures';
import { readSse } from '../support/sse';

describe('OpenAI-compatible text generation in a run', function () {
  let api: TestApi;
  let openai: FakeOpenAI;
  let key: string;
  let slug: string;

  before(async () => {
    openai = await startFakeOpenAI({ tokenDelayMs: 5 });
    api = await startTestApi({ openaiBaseUrl: openai.baseUrl });
    const account = await buildAccount(api.engine.db, { tier: 'enterprise' });
    key = (await buildApiKey(api.engine.db, account.id)).secret;
    slug = (
      await buildWorkflow(
        api.engine.db,
        account.id,
        chain([{ id: 'answer', type: 'text-generation', config: { model: 'gpt-4o-mini', prompt: 'Tell me about {{topic}}', retry: { initialIntervalMs: 1_000 } } }], 'answer'),
      )
    ).slug;
  });
  after(async () => {
    await api?.close();
    await openai?.close();
  });

  const auth = () => ({ 'x-api-key': key });
  const { waitFor } = executionReader(() => api, auth);
  const start = async () => {
    const response = await api.request('POST', `/api/workflows/${slug}/run?async=true`, { body: { inputs: { topic: 'herons' } }, headers: auth() });
    assert.equal(response.status, 202, JSON.stringify(response.body));
    return response.body.executionId as string;
  };

  it('streams the endpoint’s tokens to watchers and stores the full text', async () => {
    const id = await start();
    const events = await readSse(`${api.url}/api/executions/${id}/events`, auth());
    const execution = await waitFor(id, ended);
    assert.equal(execution.status, 'completed');
    assert.equal(execution.output, 'echo: Tell me about herons');
    const streamed = events.filter((e) => e.event === 'step.token').map((e) => e.data.token).join('');
    assert.equal(streamed, execution.output);
    const request = openai.chatRequests().at(-1)!;
    assert.equal(request.body?.model, 'gpt-4o-mini');
    assert.equal(request.body?.stream, true);
  });

  it('retries a 500 from the endpoint and records the failed attempt', async () => {
    openai.failNext(500, 1);
    const id = await start();
    const execution = await waitFor(id, ended);
    assert.equal(execution.status, 'completed');
    const step = execution.steps.find((s: any) => s.id === 'answer');
    assert.equal(step.attempts, 2);
    assert.equal(step.attemptErrors[0].type, 'ProviderUnavailable');
  });

  it('fails at once on a 400 from the endpoint: a rejected request is never retried', async () => {
    openai.failNext(400, 1);
    const id = await start();
    const execution = await waitFor(id, ended);
    assert.equal(execution.status, 'error');
    assert.equal(execution.error.type, 'ProviderRejected');
    assert.equal(execution.steps.find((s: any) => s.id === 'answer').attempts, 1);
  });
  it('says a text cut at max_tokens is truncated, beside the text downstream nodes read', async () => {
    const account = await buildAccount(api.engine.db, { tier: 'enterprise' });
    const cut = await buildWorkflow(
      api.engine.db,
      account.id,
      chain([{ id: 'answer', type: 'text-generation', config: { model: 'gpt-4o-mini', prompt: 'Tell me about {{topic}}', maxTokens: 2 } }], 'answer'),
    );
    const apiKey = (await buildApiKey(api.engine.db, account.id)).secret;
    const response = await api.request('POST', `/api/workflows/${cut.slug}/run`, { body: { inputs: { topic: 'herons' } }, headers: { 'x-api-key': apiKey } });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const execution = (await api.request('GET', `/api/executions/${response.body.executionId}`, { headers: { 'x-api-key': apiKey } })).body.execution;
    assert.deepEqual(execution.steps.find((s: any) => s.id === 'answer').output, { text: 'echo: Tell', truncated: true });
    assert.equal(openai.chatRequests().at(-1)?.body?.max_tokens, 2);
  });
});
