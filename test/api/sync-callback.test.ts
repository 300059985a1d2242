// A sync run with a callbackUrl answers when the run settles; the callback is delivered afterwards,
// in the background and durably (by the run's workflow), however slowly the receiver answers.
import assert from 'node:assert/strict';
import { createServer, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestApi, type TestApi } from '../support/api';
import { buildAccount, buildApiKey, buildWorkflow, chain } from '../support/fixtures';

describe('sync runs with a callbackUrl', function () {
  let api: TestApi;
  let receiver: Server;
  let receiverUrl: string;
  /** Deliveries the receiver holds unanswered until the test releases them. */
  const held: Array<{ executionId: string; res: ServerResponse }> = [];
  const answered: string[] = [];

  before(async () => {
    api = await startTestApi({ allowPrivateNetworks: true });
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => held.push({ executionId: JSON.parse(body).executionId, res }));
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });
  after(async () => {
    receiver?.closeAllConnections();
    receiver?.close();
    await api?.close();
  });

  it('answers 200 while the receiver still holds the callback unanswered, then delivers it once the receiver answers', async () => {
    const account = await buildAccount(api.engine.db, { tier: 'enterprise' });
    const key = (await buildApiKey(api.engine.db, account.id)).secret;
    const workflow = await buildWorkflow(api.engine.db, account.id, chain([{ id: 'gen', type: 'text-generation', config: { prompt: 'About {{topic}}' } }], 'gen'));

    // The receiver answers nothing until the sync answer has arrived: if the answer waited for
    // the delivery, this request would never end.
    const response = await api.request('POST', `/api/workflows/${workflow.slug}/run`, {
      body: { inputs: { topic: 'kelp' }, callbackUrl: receiverUrl },
      headers: { 'x-api-key': key },
    });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const executionId = response.body.executionId as string;
    assert.equal(answered.length, 0, 'the receiver had answered no delivery when the 200 arrived');

    // Delivery goes on in the background: the receiver gets it (maybe again, after a timeout) and answers now.
    for (let i = 0; i < 600 && !held.some((h) => h.executionId === executionId); i++) await sleep(50);
    const delivery = held.find((h) => h.executionId === executionId);
    assert.ok(delivery, 'the callback was delivered after the answer');
    for (const h of held.splice(0)) {
      h.res.end();
      answered.push(h.executionId);
    }
    const handle = api.engine.env.client.workflow.getHandle(executionId);
    const result = await handle.result();
    assert.equal(result.status, 'completed');
    const events = (await handle.fetchHistory()).events!;
    const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityId === 'callback');
    assert.ok(scheduled, 'the workflow scheduled the callback delivery');
    const completed = events.some((e) => String(e.activityTaskCompletedEventAttributes?.scheduledEventId ?? '') === String(scheduled.eventId));
    assert.ok(completed, 'the callback delivery completed once the receiver answered');
  });
});
