// The claim-check payload codec: payloads over 256 KB go to the payload store and Temporal keeps a
// small reference, so a run whose inputs and output are megabytes completes with a small history.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { CLAIM_CHECK_ENCODING, createClaimCheckCodec } from '../../src/media/payloadCodec';
import { startTestEngine, type TestEngine } from '../support/engine';
import { buildAccount, buildWorkflow, chain } from '../support/fixtures';

const text = (value: string) => new TextEncoder().encode(value);
const encodingOf = (payload: Payload) => new TextDecoder().decode(payload.metadata?.encoding ?? new Uint8Array());

describe('claim-check payload codec', function () {
  this.timeout(180_000);
  let engine: TestEngine;
  before(async () => {
    engine = await startTestEngine();
  });
  after(async () => engine?.close());

  it('keeps small payloads as they are and round-trips large ones through the store', async () => {
    const codec = createClaimCheckCodec({ store: engine.payloadStore });
    const small: Payload = { metadata: { encoding: text('json/plain') }, data: text('{"a":1}') };
    const large: Payload = { metadata: { encoding: text('binary/plain'), extra: text('kept') }, data: randomBytes(300 * 1024) };
    const encoded = await codec.encode([small, large]);
    assert.equal(encoded[0], small);
    assert.equal(encodingOf(encoded[1]!), CLAIM_CHECK_ENCODING);
    assert.ok((encoded[1]!.data?.byteLength ?? 0) < 100, 'the reference is a hash, not the bytes');
    const decoded = await codec.decode(encoded);
    assert.equal(decoded[0], small);
    assert.deepEqual(Buffer.from(decoded[1]!.data!), Buffer.from(large.data!));
    assert.equal(new TextDecoder().decode(decoded[1]!.metadata!.extra), 'kept');
  });

  it('runs a workflow whose input and output are 5 MB, leaving no large payload in its history', async () => {
    // A 5 MB input rendered by a Template node: the workflow's input, the step output, the mirror's
    // writes and the result are each far over Temporal's 2 MB payload limit without the codec.
    const graph = chain([{ id: 'echo', type: 'template', config: { template: '{{topic}}!' } }], 'echo');
    const account = await buildAccount(engine.db);
    const workflow = await buildWorkflow(engine.db, account.id, graph);
    const topic = randomBytes(5 * 1024 * 1024 * 0.75).toString('base64');
    const worker = await engine.createWorker();
    const { executionId, result } = await worker.runUntil(async () => {
      const admission = await engine.admissions.admit({ account, workflow, triggerType: 'api', inputs: { topic }, async: true, receivedAtMs: Date.now() });
      return { executionId: admission.executionId, result: await engine.client.workflow.getHandle(admission.executionId).result() };
    });
    assert.equal((result as { status: string }).status, 'completed');
    const execution = await engine.db.execution.findUniqueOrThrow({ where: { id: executionId } });
    assert.equal(execution.status, 'completed');
    assert.equal(execution.output, `${topic}!`);

    const history = await engine.client.workflow.getHandle(executionId).fetchHistory();
    const historyBytes = temporal.api.history.v1.History.encode(history).finish().byteLength;
    let references = 0;
    let largest = 0;
    const visit = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(visit);
      else if (value && typeof value === 'object') {
        const maybe = value as Payload;
        if (maybe.data instanceof Uint8Array && maybe.metadata) {
          largest = Math.max(largest, maybe.data.byteLength);
          if (encodingOf(maybe) === CLAIM_CHECK_ENCODING) references += 1;
        } else Object.values(value).forEach(visit);
      }
    };
    visit(history.events);
    assert.ok(references >= 2, `offloaded payloads referenced in history: ${references}`);
    assert.ok(largest <= 256 * 1024, `largest payload in history: ${largest} bytes`);
    assert.ok(historyBytes < 256 * 1024, `history is ${historyBytes} bytes`);
    console.log(`      (5 MB input and output: history ${(historyBytes / 1024).toFixed(1)} KB, ${references} offloaded payloads, largest inline payload ${largest} bytes)`);
  });
});
