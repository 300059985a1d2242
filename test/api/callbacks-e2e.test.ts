// The result callback end to end: an async run with a callbackUrl delivers its signed result once
// it settles, retrying a receiver that fails at first.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestApi, type TestApi } from '../support/api';
import { buildAccount, buildApiKey, buildWorkflow, chain } from '../support/fixtures';

describe('result callbacks through a real run', function () {
  let api: TestApi;
  let receiver: Server;
  let receiverUrl: string;
  let failuresLeft = 0;
  const received: Array<{ headers: IncomingMessage['headers']; body: string; answered: number }> = [];

  before(async () => {
    api = await startTestApi({ allowPrivateNetworks: true });
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        const answered = failuresLeft > 0 ? 503 : 200;
        if (failuresLeft > 0) failuresLeft -= 1;
        received.push({ headers: req.headers, body, answered });
        res.statusCode = answered;
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/results`;
  });
  after(async () => {
    receiver?.close();
    await api?.close();
  });

  it('POSTs the signed final result after the run completes, retrying a receiver that answered 503', async () => {
    const account = await buildAccount(api.engine.db, { tier: 'enterprise' });
    const key = (await buildApiKey(api.engine.db, account.id)).secret;
    const workflow = await buildWorkflow(api.engine.db, account.id, chain([{ id: 'gen', type: 'text-generation', config: { prompt: 'About {{topic}}' } }], 'gen'));
    failuresLeft = 1;
    const response = await api.request('POST', `/api/workflows/${workflow.slug}/run?async=true`, {
      body: { inputs: { topic: 'kelp' }, callbackUrl: receiverUrl },
      headers: { 'x-api-key': key },
    });
    assert.equal(response.status, 202, JSON.stringify(response.body));
    const executionId = response.body.executionId;
    for (let i = 0; i < 200 && !received.some((r) => r.answered === 200); i++) await sleep(50);
    const delivered = received.filter((r) => JSON.parse(r.body).executionId === executionId);
    assert.deepEqual(delivered.map((r) => r.answered), [503, 200], 'retried after the 503');
    const last = delivered.at(-1)!;
    const payload = JSON.parse(last.body);
    assert.equal(payload.status, 'completed');
    assert.match(payload.output, /sandbox/);
    const [t, v1] = String(last.headers['x-builder-signature']).split(',').map((part) => part.split('=')[1]);
    const expected = createHmac('sha256', account.webhookSecret).update(`${t}.${last.body}`).digest('hex');
    assert.equal(v1, expected, 'signed with the account secret over timestamp and body');
  });
});
