// Result callbacks: URLs refused for private networks at admission; the delivery activity signs
// the final result with the account's secret and classifies failures for the workflow's retries.
// (The activity is exercised directly against a real local HTTP server.)
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { createCallbackActivities } from '../../src/activities/callbacks';
import { startTestApi, type TestApi } from '../support/api';
import { buildAccount, buildApiKey, buildWorkflow, chain } from '../support/fixtures';

const text = () => chain([{ id: 'gen', type: 'text-generation', config: { model: 'sandbox-text', prompt: 'About {{topic}}' } }], 'gen');

describe('result callbacks', function () {
  let api: TestApi;
  let receiver: Server;
  let receiverUrl: string;
  let answer = 200;
  const received: Array<{ headers: IncomingMessage['headers']; body: string }> = [];

  before(async () => {
    api = await startTestApi();
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.statusCode = answer;
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });
  after(async () => {
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
    await api?.close();
  });

  async function setup() {
    const account = await buildAccount(api.engine.db);
    const key = (await buildApiKey(api.engine.db, account.id)).secret;
    const wf = await buildWorkflow(api.engine.db, account.id, text());
    return { account, key, wf };
  }

  it('refuses loopback and private callback URLs with 400 INVALID_CALLBACK_URL before admitting anything', async () => {
    const { key, wf, account } = await setup();
    for (const callbackUrl of [receiverUrl, 'http://10.0.0.7/x', 'http://[::1]/x', 'http://localhost:9/x', 'ftp://example.com/x', 'not a url', 42]) {
      const response = await api.request('POST', `/api/workflows/${wf.slug}/run?async=true`, {
        body: { inputs: { topic: 'x' }, callbackUrl },
        headers: { 'x-api-key': key },
      });
      assert.equal(response.status, 400, String(callbackUrl));
      assert.equal(response.body.error.code, 'INVALID_CALLBACK_URL');
    }
    assert.equal(await api.engine.db.execution.count({ where: { accountId: account.id } }), 0);
  });

  it('delivers the final result signed with HMAC-SHA256 over "<t>.<body>" with the account’s secret', async () => {
    const { account, wf } = await setup();
    const admission = await api.engine.admissions.admit({
      account,
      workflow: wf,
      triggerType: 'api',
      inputs: { topic: 'tides' },
      async: true,
      receivedAtMs: Date.now(),
      callbackUrl: receiverUrl,
    });
    await api.engine.env.client.workflow.getHandle(admission.temporalWorkflowId).result();
    for (let i = 0; i < 100; i++) {
      const row = await api.engine.db.execution.findUniqueOrThrow({ where: { id: admission.executionId } });
      if (row.status === 'completed') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const { deliverCallback } = createCallbackActivities({ db: api.engine.db, network: { allowPrivateNetworks: true } });
    received.length = 0;
    answer = 200;
    assert.deepEqual(await deliverCallback({ executionId: admission.executionId }), { status: 200 });
    assert.equal(received.length, 1);
    const { headers, body } = received[0]!;
    const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(headers['x-builder-signature']));
    assert.ok(match, String(headers['x-builder-signature']));
    assert.ok(Math.abs(Number(match[1]) - Date.now() / 1000) < 30);
    assert.equal(match[2], createHmac('sha256', account.webhookSecret).update(`${match[1]}.${body}`).digest('hex'));
    const payload = JSON.parse(body);
    assert.equal(payload.executionId, admission.executionId);
    assert.equal(payload.status, 'completed');
    assert.equal(payload.success, true);
    assert.match(payload.output, /tides/);
    assert.equal(headers['x-builder-execution-id'], admission.executionId);
  });

  it('asks for a retry on 5xx, 408 and 429, gives up on other 4xx, and refuses private URLs when not allowed', async () => {
    const { account, wf } = await setup();
    const execution = await api.engine.db.execution.create({
      data: {
        id: `ex_cb_${Date.now()}`, accountId: account.id, workflowId: wf.id, triggerType: 'api', targetNodeId: 'output', status: 'error',
        inputs: {}, plan: {}, temporalWorkflowId: 'x', receivedAt: new Date(), callbackUrl: receiverUrl, error: { type: 'X', message: 'boom' },
      },
    });
    const allowed = createCallbackActivities({ db: api.engine.db, network: { allowPrivateNetworks: true } });
    for (const [status, retryable] of [[500, true], [503, true], [408, true], [429, true], [400, false], [404, false], [410, false]] as const) {
      answer = status;
      await assert.rejects(allowed.deliverCallback({ executionId: execution.id }), (err: unknown) => {
        assert.ok(err instanceof ApplicationFailure);
        assert.equal(err.nonRetryable, !retryable, `${status}`);
        return true;
      });
    }
    const refusing = createCallbackActivities({ db: api.engine.db, network: { allowPrivateNetworks: false } });
    await assert.rejects(refusing.deliverCallback({ executionId: execution.id }), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.type, 'CallbackUrlRefused');
      assert.equal(err.nonRetryable, true);
      return true;
    });
    const unreachable = createCallbackActivities({
      db: api.engine.db,
      network: { allowPrivateNetworks: true },
      fetchImpl: async () => {
        throw new TypeError('fetch failed');
      },
    });
    await assert.rejects(unreachable.deliverCallback({ executionId: execution.id }), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.type, 'CallbackNetworkError');
      assert.equal(err.nonRetryable, false);
      return true;
    });
  });
});
