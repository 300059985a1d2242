// Worker logs: a step attempt's lines carry the execution id (as the API's lines do), and the
// Temporal workflow id under its own name.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { Context as ActivityContext } from '@temporalio/activity';
import { createLogger } from '../../../src/observability/logger';
import { stepObservability } from '../../../src/observability/worker';

describe('worker step logs', () => {
  it('name the execution id in executionId and the Temporal workflow id in temporalWorkflowId', async () => {
    const stream = new PassThrough();
    const lines: Array<Record<string, unknown>> = [];
    stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)));
    const ctx = {
      info: { activityType: 'runStep', attempt: 1, activityId: 'draft', workflowExecution: { workflowId: 'demo-text-chain-ex_123', runId: 'r' } },
      cancellationSignal: new AbortController().signal,
    } as unknown as ActivityContext;
    const interceptor = stepObservability(createLogger({ destination: stream }))(ctx);
    await interceptor.inbound!.execute!({ args: [{ executionId: 'ex_123', nodeType: 'text-generation' }], headers: {} }, async () => 'ok');
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(lines.length >= 2);
    for (const line of lines) {
      assert.equal(line.executionId, 'ex_123');
      assert.equal(line.temporalWorkflowId, 'demo-text-chain-ex_123');
      assert.equal(line.stepId, 'draft');
    }
  });
});
