// Cancelled and failed runs report what they cost net of their refund: `creditsUsed` (net) and
// `creditsRefunded` on the execution, the list, the SSE `run.end`, the result callback and the CLI.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestApi, type TestApi } from '../support/api';
import { ended, executionReader } from '../support/executions';
import { buildAccount, buildApiKey, buildWorkflow, chain } from '../support/fixtures';
import { readSse } from '../support/sse';

const BIN = path.resolve('bin/builder.js');

describe('credits of cancelled and failed runs', function () {
  let api: TestApi;
  let key: string;
  let accountId: string;
  let receiver: Server;
  let receiverUrl: string;
  const callbacks: any[] = [];

  before(async () => {
    api = await startTestApi({ allowPrivateNetworks: true });
    const account = await buildAccount(api.engine.db, { tier: 'pro', creditBalance: 1_000 });
    accountId = account.id;
    key = (await buildApiKey(api.engine.db, account.id)).secret;
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        callbacks.push(JSON.parse(body));
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

  const auth = () => ({ 'x-api-key': key });
  const { get, waitFor } = executionReader(() => api, auth);

  function cli(...args: string[]): Promise<{ code: number; stdout: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, [BIN, ...args], { env: { ...process.env, BUILDER_API_URL: api.url, BUILDER_API_KEY: key }, timeout: 60_000 }, (err, stdout) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout }),
      );
    });
  }

  /** Checks every surface of a settled, refunded run. */
  async function assertRefundedEverywhere(id: string, status: string, charged: number) {
    const execution = await waitFor(id, ended);
    assert.equal(execution.status, status);
    assert.equal(execution.creditsUsed, 0, 'net of the refund');
    assert.equal(execution.creditsRefunded, charged);

    const list = await api.request('GET', `/api/executions?limit=100`, { headers: auth() });
    const row = list.body.executions.find((e: any) => e.id === id);
    assert.deepEqual({ creditsUsed: row.creditsUsed, creditsRefunded: row.creditsRefunded }, { creditsUsed: 0, creditsRefunded: charged });

    const events = await readSse(`${api.url}/api/executions/${id}/events`, auth());
    const end = events.at(-1)!;
    assert.equal(end.event, 'run.end');
    assert.equal(end.data.creditsUsed, 0);
    assert.equal(end.data.creditsRefunded, charged);

    for (let i = 0; i < 400 && !callbacks.some((c) => c.executionId === id); i++) await sleep(25);
    const callback = callbacks.find((c) => c.executionId === id);
    assert.ok(callback, 'the result callback arrived');
    assert.equal(callback.creditsUsed, 0);
    assert.equal(callback.creditsRefunded, charged);

    const inspect = await cli('inspect', id);
    assert.match(inspect.stdout, new RegExp(`credits: +0 credits used, ${charged} refunded`));
    const listed = await cli('list', '--limit', '100');
    assert.match(listed.stdout, new RegExp(`${id} .*0 credits used, ${charged} refunded`));
  }

  it('a cancelled run shows creditsUsed 0 and creditsRefunded equal to its charge', async () => {
    const workflow = await buildWorkflow(
      api.engine.db,
      accountId,
      chain([{ id: 'slow', type: 'text-generation', config: { model: 'sandbox-text', prompt: '{{topic}}', sandbox: { delayMs: 60_000 } } }], 'slow'),
    );
    const started = await api.request('POST', `/api/workflows/${workflow.slug}/run?async=true`, {
      body: { inputs: { topic: 'x' }, callbackUrl: receiverUrl },
      headers: auth(),
    });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const id = started.body.executionId as string;
    const charged = (await get(id)).creditsUsed as number;
    assert.ok(charged > 0, 'the run was charged at admission');
    await waitFor(id, (execution) => execution.steps.find((s: any) => s.id === 'slow').status === 'running');
    assert.equal((await api.request('POST', `/api/executions/${id}/cancel`, { headers: auth() })).status, 202);
    await assertRefundedEverywhere(id, 'cancelled', charged);
  });

  it('a failed run shows creditsUsed 0 and creditsRefunded equal to its charge', async () => {
    const workflow = await buildWorkflow(
      api.engine.db,
      accountId,
      chain([{ id: 'flaky', type: 'text-generation', config: { model: 'sandbox-text', prompt: '{{topic}}', retry: { maximumAttempts: 1 }, sandbox: { failureRate: 1 } } }], 'flaky'),
    );
    const started = await api.request('POST', `/api/workflows/${workflow.slug}/run?async=true`, {
      body: { inputs: { topic: 'x' }, callbackUrl: receiverUrl },
      headers: auth(),
    });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const id = started.body.executionId as string;
    const charged = Number((await api.engine.db.creditLedgerEntry.findFirstOrThrow({ where: { executionId: id, kind: 'debit' } })).amount);
    await assertRefundedEverywhere(id, 'error', charged);
  });
});
