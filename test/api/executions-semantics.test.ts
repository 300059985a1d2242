// Durable run semantics through the API: live events, cancellation, run timeouts and replay.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Admissions } from '../../src/services/admission';
import { startTestApi, type TestApi } from '../support/api';
import { buildAccount, buildApiKey, buildUnstartedExecution, buildWorkflow, chain } from '../support/fixtures';
import { ended, executionReader } from '../support/executions';
import { readSse } from '../support/sse';

describe('durable run semantics', function () {
  let api: TestApi;
  let key: string;
  let accountId: string;

  before(async () => {
    api = await startTestApi();
    const account = await buildAccount(api.engine.db, { tier: 'enterprise', creditBalance: 1_000 });
    accountId = account.id;
    key = (await buildApiKey(api.engine.db, account.id)).secret;
  });
  after(async () => api?.close());

  const auth = () => ({ 'x-api-key': key });
  const startRun = async (slug: string, inputs: Record<string, unknown> = { topic: 'otters' }) => {
    const response = await api.request('POST', `/api/workflows/${slug}/run?async=true`, { body: { inputs }, headers: auth() });
    assert.equal(response.status, 202, JSON.stringify(response.body));
    return response.body.executionId as string;
  };
  const { get: getExecution, waitFor } = executionReader(() => api, auth);

  describe('live events', () => {
    it('streams every status change and every token in order, ends with the run, and resumes from Last-Event-ID without loss', async () => {
      const workflow = await buildWorkflow(
        api.engine.db,
        accountId,
        chain(
          [
            { id: 'outline', type: 'text-generation', config: { prompt: 'Outline {{topic}}', sandbox: { tokenDelayMs: 15 } } },
            { id: 'draft', type: 'text-generation', config: { prompt: 'Draft {{outline}}', sandbox: { tokenDelayMs: 5 } }, from: ['outline'] },
          ],
          'draft',
        ),
      );
      const id = await startRun(workflow.slug);
      const events = await readSse(`${api.url}/api/executions/${id}/events`, auth());

      assert.deepEqual(events.map((e) => e.id), events.map((_, i) => i + 1), 'ids are 1..n without gaps');
      assert.equal(events.at(-1)!.event, 'run.end');
      assert.equal(events.at(-1)!.data.status, 'completed');
      const runStatuses = events.filter((e) => e.event === 'run.status').map((e) => e.data.status);
      assert.deepEqual(runStatuses, ['running', 'completed']);
      const outlineStatuses = events.filter((e) => e.event === 'step.status' && e.data.stepId === 'outline').map((e) => e.data.status);
      assert.deepEqual(outlineStatuses, ['running', 'streaming', 'completed']);
      const execution = await getExecution(id);
      for (const stepId of ['outline', 'draft']) {
        const streamed = events.filter((e) => e.event === 'step.token' && e.data.stepId === stepId).map((e) => e.data.token).join('');
        const text = execution.steps.find((s: any) => s.id === stepId).output.text;
        assert.equal(streamed, text, `the tokens of ${stepId} join into its output`);
      }
      const firstDraftToken = events.findIndex((e) => e.event === 'step.token' && e.data.stepId === 'draft');
      const outlineDone = events.findIndex((e) => e.event === 'step.status' && e.data.stepId === 'outline' && e.data.status === 'completed');
      assert.ok(outlineDone < firstDraftToken, 'outline completes before draft streams');

      const cut = Math.floor(events.length / 2);
      const resumed = await readSse(`${api.url}/api/executions/${id}/events`, { ...auth(), 'Last-Event-ID': String(cut) });
      assert.deepEqual(resumed, events.slice(cut), 'a reconnect gets exactly the rest');
    });

    it('delivers events to a watcher that connected while the run was still going', async () => {
      const workflow = await buildWorkflow(
        api.engine.db,
        accountId,
        chain([{ id: 'slowtext', type: 'text-generation', config: { prompt: 'Slow {{topic}}', sandbox: { delayMs: 300, tokenDelayMs: 20 } } }], 'slowtext'),
      );
      const id = await startRun(workflow.slug);
      const first = await readSse(`${api.url}/api/executions/${id}/events`, auth(), 1);
      assert.equal(first.length, 1);
      const rest = await readSse(`${api.url}/api/executions/${id}/events`, { ...auth(), 'Last-Event-ID': '1' });
      assert.equal(rest[0]!.id, 2);
      assert.equal(rest.at(-1)!.event, 'run.end');
      assert.ok(rest.some((e) => e.event === 'step.token'));
    });
  });

  describe('cancellation', () => {
    it('cancels a run during a running step: the step stops, pending steps are skipped, the run is cancelled and refunded', async () => {
      const workflow = await buildWorkflow(
        api.engine.db,
        accountId,
        chain(
          [
            { id: 'slow', type: 'text-generation', config: { prompt: 'Slow {{topic}}', sandbox: { delayMs: 60_000 } } },
            { id: 'after', type: 'text-generation', config: { prompt: 'After {{slow}}' }, from: ['slow'] },
          ],
          'after',
        ),
      );
      const balanceBefore = (await api.engine.db.account.findUniqueOrThrow({ where: { id: accountId } })).creditBalance;
      const id = await startRun(workflow.slug);
      await waitFor(id, (execution) => execution.steps.find((s: any) => s.id === 'slow').status === 'running');
      const started = Date.now();
      const cancel = await api.request('POST', `/api/executions/${id}/cancel`, { headers: auth() });
      assert.equal(cancel.status, 202);
      const execution = await waitFor(id, ended);
      assert.ok(Date.now() - started < 20_000, 'cancelled promptly, not after the 60 s provider call');
      assert.equal(execution.status, 'cancelled');
      const steps = Object.fromEntries(execution.steps.map((s: any) => [s.id, s.status]));
      assert.deepEqual(steps, { input: 'completed', slow: 'skipped', after: 'skipped', output: 'skipped' });
      const balanceAfter = (await api.engine.db.account.findUniqueOrThrow({ where: { id: accountId } })).creditBalance;
      assert.equal(balanceAfter, balanceBefore, 'credits refunded');
      // The mirror settles just before the workflow's last task completes: wait for the workflow to end.
      const handle = api.engine.env.client.workflow.getHandle(execution.temporalWorkflowId);
      await handle.result().catch(() => undefined);
      const description = await handle.describe();
      assert.equal(description.status.name, 'CANCELLED');
      const again = await api.request('POST', `/api/executions/${id}/cancel`, { headers: auth() });
      assert.equal(again.status, 409);
      assert.equal(again.body.error.code, 'EXECUTION_FINISHED');
    });
    it('cancels an admitted run whose workflow never started: settled cancelled, refunded once, watchers told', async () => {
      const workflow = await buildWorkflow(api.engine.db, accountId, chain([{ id: 'a', type: 'text-generation', config: { prompt: '{{topic}}' } }], 'a'));
      const id = await buildUnstartedExecution(api.engine.db, accountId, workflow.id, 3);
      const balanceBefore = (await api.engine.db.account.findUniqueOrThrow({ where: { id: accountId } })).creditBalance;
      const cancel = await api.request('POST', `/api/executions/${id}/cancel`, { headers: auth() });
      assert.equal(cancel.status, 202);
      const execution = await getExecution(id);
      assert.equal(execution.status, 'cancelled');
      assert.deepEqual(execution.steps.map((s: any) => s.status), ['skipped']);
      assert.equal((await api.engine.db.account.findUniqueOrThrow({ where: { id: accountId } })).creditBalance, balanceBefore + 3);
      const events = await readSse(`${api.url}/api/executions/${id}/events`, auth());
      assert.deepEqual(events.map((e) => e.event), ['run.status', 'run.end']);
      const again = await api.request('POST', `/api/executions/${id}/cancel`, { headers: auth() });
      assert.equal(again.status, 409);
      assert.equal((await api.engine.db.account.findUniqueOrThrow({ where: { id: accountId } })).creditBalance, balanceBefore + 3, 'refunded once');
    });
  });

  describe('timeouts', () => {
    it('ends a run that exceeds the whole-run timeout in error, saying the run timeout fired', async () => {
      const admissions = new Admissions({ db: api.engine.db, temporal: api.engine.env.client, taskQueue: api.engine.taskQueue, markup: 1, runTimeoutMs: 1_500 });
      const workflow = await buildWorkflow(
        api.engine.db,
        accountId,
        chain([{ id: 'long', type: 'text-generation', config: { prompt: 'Long {{topic}}', sandbox: { delayMs: 30_000 } } }], 'long'),
      );
      const account = await api.engine.db.account.findUniqueOrThrow({ where: { id: accountId } });
      const admission = await admissions.admit({ account, workflow, triggerType: 'api', inputs: { topic: 'x' }, async: true, receivedAtMs: Date.now() });
      const execution = await waitFor(admission.executionId, ended);
      assert.equal(execution.status, 'error');
      assert.equal(execution.error.type, 'RunTimeout');
      assert.match(execution.error.message, /Run timeout of 1500 ms exceeded/);
      const long = execution.steps.find((s: any) => s.id === 'long');
      assert.equal(long.status, 'error');
      assert.equal(long.error.type, 'RunTimeout');
      assert.equal(execution.steps.find((s: any) => s.id === 'output').status, 'skipped');
    });
  });

  describe('replay', () => {
    let server: Server;
    let serverUrl: string;
    let requests = 0;
    before(async () => {
      // A real HTTP provider that refuses the first request and accepts the rest.
      server = createServer((req, res) => {
        requests += 1;
        res.writeHead(requests === 1 ? 400 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(requests === 1 ? { error: 'not yet' } : { ok: true, n: requests }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => server?.close());

    const textChain = () =>
      chain(
        [
          { id: 'outline', type: 'text-generation', config: { prompt: `Replay outline ${Math.random()} {{topic}}` } },
          { id: 'draft', type: 'text-generation', config: { prompt: 'Replay draft {{outline}}' }, from: ['outline'] },
        ],
        'draft',
      );

    it('replays a run in full as a new linked execution that re-runs every step', async () => {
      const graph = textChain();
      const workflow = await buildWorkflow(api.engine.db, accountId, graph);
      const id = await startRun(workflow.slug);
      await waitFor(id, ended);
      const prompt = String(graph.nodes.find((n) => n.id === 'outline')!.config.prompt).replace('{{topic}}', 'otters');
      assert.equal(api.engine.sandbox.callsFor(prompt), 1);

      const replay = await api.request('POST', `/api/executions/${id}/replay`, { body: {}, headers: auth() });
      assert.equal(replay.status, 202, JSON.stringify(replay.body));
      const execution = await waitFor(replay.body.executionId, ended);
      assert.equal(execution.status, 'completed');
      assert.equal(execution.triggerType, 'replay');
      assert.equal(execution.parentExecutionId, id);
      assert.equal(api.engine.sandbox.callsFor(prompt), 2, 'the outline ran again');
      assert.ok(execution.steps.every((s: any) => !s.reused));
    });

    it('replays from a step: earlier steps are reused, not re-run and not re-billed', async () => {
      const graph = textChain();
      const workflow = await buildWorkflow(api.engine.db, accountId, graph);
      const id = await startRun(workflow.slug);
      const original = await waitFor(id, ended);
      const prompt = String(graph.nodes.find((n) => n.id === 'outline')!.config.prompt).replace('{{topic}}', 'otters');
      const draftCalls = api.engine.sandbox.calls.text;

      const replay = await api.request('POST', `/api/executions/${id}/replay`, { body: { fromStepId: 'draft' }, headers: auth() });
      assert.equal(replay.status, 202);
      assert.equal(replay.body.creditsUsed, 1, 'only the draft is billed');
      const execution = await waitFor(replay.body.executionId, ended);
      assert.equal(execution.status, 'completed');
      assert.equal(execution.fromStepId, 'draft');
      assert.equal(api.engine.sandbox.callsFor(prompt), 1, 'the outline did not run again');
      assert.equal(api.engine.sandbox.calls.text, draftCalls + 1, 'exactly one provider call: the draft');
      const outline = execution.steps.find((s: any) => s.id === 'outline');
      assert.equal(outline.reused, true);
      assert.deepEqual(outline.output, original.steps.find((s: any) => s.id === 'outline').output);
      assert.equal(execution.output, original.output, 'the sandbox is deterministic: same draft from the same outline');
    });

    it('replays a failed run from the failed step and completes it', async () => {
      const graph = chain(
        [
          { id: 'outline', type: 'text-generation', config: { prompt: `Replay failed ${Math.random()} {{topic}}` } },
          { id: 'call', type: 'http-request', config: { method: 'POST', url: serverUrl, body: '{{outline}}' }, from: ['outline'] },
        ],
        'call',
      );
      const workflow = await buildWorkflow(api.engine.db, accountId, graph);
      const id = await startRun(workflow.slug);
      const failed = await waitFor(id, ended);
      assert.equal(failed.status, 'error');
      assert.equal(failed.error.stepId, 'call');
      const replay = await api.request('POST', `/api/executions/${id}/replay`, { body: { fromStepId: 'call' }, headers: auth() });
      const execution = await waitFor(replay.body.executionId, ended);
      assert.equal(execution.status, 'completed');
      assert.deepEqual(execution.output, { ok: true, n: 2 });
      assert.equal(execution.steps.find((s: any) => s.id === 'outline').reused, true);
    });

    it('refuses a step id that is not in the plan', async () => {
      const workflow = await buildWorkflow(api.engine.db, accountId, textChain());
      const id = await startRun(workflow.slug);
      await waitFor(id, ended);
      const replay = await api.request('POST', `/api/executions/${id}/replay`, { body: { fromStepId: 'nope' }, headers: auth() });
      assert.equal(replay.status, 400);
      assert.equal(replay.body.error.code, 'INVALID_STEP');
      assert.deepEqual(replay.body.error.steps, ['input', 'outline', 'draft', 'output']);
    });
  });
});
