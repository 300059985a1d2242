// gpt-image-1 in a real run: the worker's official `openai` client calls a fake OpenAI API, the
// base64 image lands in the media store, and the run's output is a media reference with a signed URL.
import assert from 'node:assert/strict';
import { startTestApi, type TestApi } from '../support/api';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fakeOpenAI';
import { buildAccount, buildApiKey, buildWorkflow, chain } from '../support/fixtures';

describe('OpenAI image models in real runs', function () {
  let fake: FakeOpenAI;
  let api: TestApi;
  let key: string;
  let accountId: string;

  before(async () => {
    fake = await startFakeOpenAI();
    api = await startTestApi({ vendors: { openaiImages: { baseUrl: fake.baseUrl, apiKey: 'test-key' } } });
    const account = await buildAccount(api.engine.db, { tier: 'enterprise' });
    accountId = account.id;
    key = (await buildApiKey(api.engine.db, account.id)).secret;
  });
  after(async () => {
    await api?.close();
    await fake?.close();
  });

  it('runs gpt-image-1 synchronously and answers a stored image reference', async () => {
    const workflow = await buildWorkflow(
      api.engine.db,
      accountId,
      chain([{ id: 'art', type: 'image-generation', config: { model: 'gpt-image-1', prompt: 'A poster about {{topic}}', width: 1024, height: 1536 } }], 'art'),
    );
    const response = await api.request('POST', `/api/workflows/${workflow.slug}/run`, { body: { inputs: { topic: 'tides' } }, headers: { 'x-api-key': key } });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const image = response.body.output;
    assert.equal(image.mimeType, 'image/png');
    assert.match(image.mediaId, /^med_[0-9a-f]{64}$/);
    assert.equal((await fetch(image.url)).status, 200);
    const sent = fake.imageRequests().at(-1)!.body!;
    assert.deepEqual([sent.model, sent.prompt, sent.size], ['gpt-image-1', 'A poster about tides', '1024x1536']);
  });
});
