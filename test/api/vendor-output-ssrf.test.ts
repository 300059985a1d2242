// A vendor model's output URL is untrusted: anyone can name any `replicate:<owner>/<name>`, and
// whatever URL its output holds must not make the worker fetch from our own network. Run as in
// production: no private networks, the allowlist naming only the fake vendor.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CanvasGraph } from '../../src/domain/types';
import { startTestApi, type TestApi } from '../support/api';
import { ended, executionReader } from '../support/executions';
import { startFakeReplicate, type FakeReplicate } from '../support/fakeReplicate';
import { buildAccount, buildApiKey, buildWorkflow } from '../support/fixtures';

describe('vendor output URLs', function () {
  let fake: FakeReplicate;
  let api: TestApi;
  let internal: Server;
  let internalHits = 0;
  let key: string;
  let accountId: string;

  before(async () => {
    internal = createServer((_req, res) => {
      internalHits++;
      res.writeHead(200, { 'content-type': 'image/png' }).end('internal secret');
    });
    await new Promise<void>((resolve) => internal.listen(0, '127.0.0.1', resolve));
    fake = await startFakeReplicate();
    fake.officialModels.add('acme/painter');
    api = await startTestApi({
      allowPrivateNetworks: false,
      privateNetworkAllowlist: [new URL(fake.baseUrl).host],
      vendors: { replicate: { apiToken: fake.token, webhookSecret: fake.webhookSecret, baseUrl: fake.baseUrl } },
      vendorDefaults: { replicate: { credits: 10, minTier: 'pro' }, fal: { credits: 9, minTier: 'pro' } },
    });
    const account = await buildAccount(api.engine.db, { tier: 'enterprise', creditBalance: 1_000 });
    accountId = account.id;
    key = (await buildApiKey(api.engine.db, account.id)).secret;
  });
  after(async () => {
    await api?.close();
    await fake?.close();
    internal?.close();
  });

  const { waitFor } = executionReader(() => api, () => ({ 'x-api-key': key }));
  const graph: CanvasGraph = {
    nodes: [
      { id: 'input', type: 'request-input', config: { fields: [{ name: 'topic', type: 'string', required: true }] } },
      { id: 'art', type: 'image-generation', config: { model: 'replicate:acme/painter', prompt: 'Poster of {{topic}}' } },
      { id: 'output', type: 'response-output', config: {} },
    ],
    edges: [
      { source: 'input', sourcePort: 'topic', target: 'art', targetPort: 'topic' },
      { source: 'art', sourcePort: 'image', target: 'output', targetPort: 'image' },
    ],
  };

  it('fail the step with PrivateNetworkRefused, once, when they point at a private address, which receives nothing', async () => {
    const port = (internal.address() as AddressInfo).port;
    for (const url of [`http://127.0.0.1:${port}/secret.png`, `http://2130706433:${port}/secret.png`, `http://localhost:${port}/secret.png`]) {
      fake.behave(() => ({ output: () => [url] }));
      const workflow = await buildWorkflow(api.engine.db, accountId, graph);
      const response = await api.request('POST', `/api/workflows/${workflow.slug}/run?async=true`, { body: { inputs: { topic: 'tides' } }, headers: { 'x-api-key': key } });
      assert.equal(response.status, 202, JSON.stringify(response.body));
      const execution = await waitFor(response.body.executionId, ended);
      assert.equal(execution.status, 'error');
      const art = execution.steps.find((step: { id: string }) => step.id === 'art');
      assert.equal(art.error.type, 'PrivateNetworkRefused', JSON.stringify(art.error));
      assert.match(art.error.message, /private networks are not reachable/);
    }
    assert.equal(internalHits, 0, 'the internal address received no request');
  });
});
