// Encrypted payloads: with PAYLOAD_ENCRYPTION_KEY, a run's Temporal history (read with the Temporal
// CLI, as ops with UI access would) holds neither its inputs nor an HTTP node's header secret, in
// clear or in base64, nor do offloaded blobs; the codec endpoint decodes for the admin and refuses
// everyone else; the CLI reads the run through it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Payload } from '@temporalio/common';
import { createEncryptionCodec, EncryptionKeyUnknown, parseEncryptionKeys } from '../../src/media/encryptionCodec';
import { locateTemporalCli } from '../../temporal/cli';
import { startTestApi, type TestApi } from '../support/api';
import { buildAccount, buildApiKey, buildWorkflow } from '../support/fixtures';
import { ended, executionReader } from '../support/executions';

const run = promisify(execFile);
const INPUT_SECRET = `topic-secret-${randomBytes(6).toString('hex')}`;
const HEADER_SECRET = `header-secret-${randomBytes(6).toString('hex')}`;
const KEY = randomBytes(32).toString('base64');

/** The secret and its base64 spellings at each of the three byte alignments. */
function spellings(secret: string): string[] {
  const forms = [secret];
  for (const prefix of ['', 'a', 'ab']) {
    const encoded = Buffer.from(prefix + secret).toString('base64');
    // Drop the characters that depend on the neighbouring bytes.
    forms.push(encoded.slice(prefix.length ? Math.ceil((prefix.length * 4) / 3) + 1 : 0, -4));
  }
  return forms;
}

describe('encrypted Temporal payloads', function () {
  this.timeout(120_000);
  let api: TestApi;
  let origin: Server;
  let originUrl: string;
  let headersSeen: string[] = [];
  let key: string;
  let accountId: string;

  before(async () => {
    origin = createServer((req, res) => {
      headersSeen.push(String(req.headers.authorization));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
    });
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
    // As in production: no private networks, the allowlist naming only the test's own receiver.
    api = await startTestApi({ allowPrivateNetworks: false, privateNetworkAllowlist: [new URL(originUrl).host], payloadEncryptionKey: KEY });
    const account = await buildAccount(api.engine.db, { tier: 'enterprise' });
    accountId = account.id;
    key = (await buildApiKey(api.engine.db, account.id)).secret;
  });
  after(async () => {
    await api?.close();
    origin?.close();
  });

  const executions = executionReader(() => api, () => ({ 'x-api-key': key }));

  async function runWithSecrets(): Promise<{ executionId: string; temporalWorkflowId: string }> {
    const workflow = await buildWorkflow(api.engine.db, accountId, {
      nodes: [
        { id: 'input', type: 'request-input', config: { fields: [{ name: 'topic', type: 'string', required: true }, { name: 'notes', type: 'string' }] } },
        { id: 'call', type: 'http-request', config: { url: `${originUrl}/lookup`, headers: { authorization: `Bearer ${HEADER_SECRET}` } } },
        { id: 'card', type: 'template', config: { template: 'About {{topic}}: {{notes}}' } },
        { id: 'output', type: 'response-output', config: {} },
      ],
      edges: [
        { source: 'input', sourcePort: 'topic', target: 'call', targetPort: 'topic' },
        { source: 'input', sourcePort: 'topic', target: 'card', targetPort: 'topic' },
        { source: 'input', sourcePort: 'notes', target: 'card', targetPort: 'notes' },
        { source: 'card', sourcePort: 'text', target: 'output', targetPort: 'card' },
        { source: 'call', sourcePort: 'body', target: 'output', targetPort: 'body' },
      ],
    });
    // A long note: the workflow input is offloaded by the claim-check codec, as ciphertext.
    const notes = `${INPUT_SECRET} `.repeat(12_000);
    const response = await api.request('POST', `/api/workflows/${workflow.slug}/run?async=true`, { body: { inputs: { topic: INPUT_SECRET, notes } }, headers: { 'x-api-key': key } });
    assert.equal(response.status, 202, JSON.stringify(response.body));
    const execution = await executions.waitFor(response.body.executionId, ended);
    assert.equal(execution.status, 'completed', JSON.stringify(execution.error));
    assert.deepEqual(headersSeen, [`Bearer ${HEADER_SECRET}`], 'the header reached the receiver');
    return { executionId: execution.id, temporalWorkflowId: execution.temporalWorkflowId };
  }

  it('keeps inputs and HTTP header secrets out of the history the Temporal CLI reads, and out of offloaded blobs', async () => {
    const { temporalWorkflowId } = await runWithSecrets();
    const cli = await locateTemporalCli();
    assert.ok(cli, 'the Temporal CLI');
    const { stdout } = await run(cli, ['workflow', 'show', '--workflow-id', temporalWorkflowId, '--address', api.engine.env.address, '--output', 'json'], { maxBuffer: 64 * 1024 * 1024 });
    assert.ok(stdout.includes('binary/encrypted') || stdout.includes(Buffer.from('binary/encrypted').toString('base64')), 'payloads are marked encrypted');
    for (const secret of [INPUT_SECRET, HEADER_SECRET]) {
      for (const form of spellings(secret)) assert.ok(!stdout.includes(form), `the history holds ${secret} as "${form}"`);
    }
    const blobs = (await readdir(path.join(api.engine.mediaDir, 'payloads'), { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile());
    assert.ok(blobs.length > 0, 'the long input was offloaded');
    for (const blob of blobs) {
      const bytes = await readFile(path.join(blob.parentPath, blob.name));
      for (const secret of [INPUT_SECRET, HEADER_SECRET]) assert.ok(!bytes.includes(secret), `offloaded blob ${blob.name} holds ${secret}`);
    }

    // Through the codec endpoint, with the admin's token, the CLI shows the run in clear.
    const { stdout: decoded } = await run(
      cli,
      ['workflow', 'show', '--workflow-id', temporalWorkflowId, '--address', api.engine.env.address, '--output', 'json', '--codec-endpoint', `${api.url}/api/temporal-codec`, '--codec-auth', `Bearer ${api.adminToken}`],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    // The CLI prints JSON payloads' data in base64.
    assert.ok(spellings(INPUT_SECRET).some((form) => decoded.includes(form)), 'the decoded history holds the input');
    assert.ok(spellings(HEADER_SECRET).some((form) => decoded.includes(form)), 'the decoded history holds the header');
  });

  it('decodes through the codec endpoint for the admin, in header or path form, refuses without credentials and answers CORS for the UI only', async () => {
    const codec = createEncryptionCodec(parseEncryptionKeys({ key: KEY }));
    const plain: Payload = { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify({ topic: INPUT_SECRET })) };
    const [sealed] = await codec.encode([plain]);
    const body = { payloads: [{ metadata: Object.fromEntries(Object.entries(sealed!.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])), data: Buffer.from(sealed!.data!).toString('base64') }] };
    const decode = (suffix: string, headers: Record<string, string> = {}) =>
      fetch(`${api.url}/api/temporal-codec${suffix}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

    const answer = await decode('/decode', { authorization: `Bearer ${api.adminToken}` });
    assert.equal(answer.status, 200);
    const decoded = (await answer.json()) as { payloads: Array<{ data: string }> };
    assert.equal(Buffer.from(decoded.payloads[0]!.data, 'base64').toString(), JSON.stringify({ topic: INPUT_SECRET }));
    assert.equal((await decode(`/${api.adminToken}/decode`)).status, 200, 'the Web UI form: token in the path');

    for (const attempt of [decode('/decode'), decode('/decode', { authorization: 'Bearer wrong-token-0123456789' }), decode('/wrong-token/decode')]) {
      const refused = await attempt;
      assert.equal(refused.status, 401);
      assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'UNAUTHORIZED');
    }
    // CORS: the Temporal UI's origin may call it from the browser; another origin gets no CORS headers.
    const withUi = createServer(api.appWith({ viewer: { temporalUiUrl: 'http://127.0.0.1:8233' }, payloadCodecs: api.engine.dataConverter.payloadCodecs! }).callback());
    await new Promise<void>((resolve) => withUi.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(withUi.address() as AddressInfo).port}/api/temporal-codec/decode`;
      const preflight = await fetch(base, { method: 'OPTIONS', headers: { origin: 'http://127.0.0.1:8233', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' } });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get('access-control-allow-origin'), 'http://127.0.0.1:8233');
      assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /x-namespace/);
      const foreign = await fetch(base, { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'application/json', authorization: `Bearer ${api.adminToken}` }, body: JSON.stringify(body) });
      assert.equal(foreign.headers.get('access-control-allow-origin'), null);
    } finally {
      withUi.close();
    }

    const tampered = structuredClone(body);
    tampered.payloads[0]!.data = Buffer.from(Buffer.from(body.payloads[0]!.data, 'base64').map((byte, i) => (i === 20 ? byte ^ 1 : byte))).toString('base64');
    const bad = await fetch(`${api.url}/api/temporal-codec/decode`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${api.adminToken}` }, body: JSON.stringify(tampered) });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'PAYLOAD_NOT_DECODABLE');
  });

  it('decrypts with any key of a rotation, passes unencrypted payloads of earlier releases through, and names a missing key', async () => {
    const oldKey = randomBytes(32).toString('base64');
    const newKey = randomBytes(32).toString('base64');
    const before = createEncryptionCodec(parseEncryptionKeys({ keys: `k1:${oldKey}` }));
    const after = createEncryptionCodec(parseEncryptionKeys({ keys: `k2:${newKey},k1:${oldKey}` }));
    const plain: Payload = { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"hello"') };
    const [sealedOld] = await before.encode([plain]);
    const [sealedNew] = await after.encode([plain]);
    assert.equal(Buffer.from(sealedNew!.metadata!['encryption-key-id']!).toString(), 'k2', 'the first key encrypts');
    for (const sealed of [sealedOld!, sealedNew!]) assert.equal(Buffer.from((await after.decode([sealed]))[0]!.data!).toString(), '"hello"');
    assert.deepEqual(await after.decode([plain]), [plain]);
    await assert.rejects(before.decode([sealedNew!]), EncryptionKeyUnknown);
    assert.throws(() => parseEncryptionKeys({ key: 'too-short' }), /32 bytes in base64/);
  });
});
