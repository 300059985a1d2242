// The client and the server agree through the OpenAPI document: the client's types are generated
// from the document the server serves (when a route's schema changes and src/client/schema.d.ts
// was not regenerated, this fails and says how to fix it), and every answer the server gives the
// client's calls matches the schema the document states for it.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CLIENT_SCHEMA_FILE, REGENERATE_COMMAND, renderClientSchema } from '../../scripts/generate-client';
import { AdminApiClient } from '../../src/client/adminClient';
import { ApiError, BuilderApiClient } from '../../src/client/apiClient';
import { TEXT_CHAIN } from '../../src/demo/workflows';
import { startTestApi, type TestApi } from '../support/api';
import { ContractChecker } from '../support/contract';
import { buildAccount, buildApiKey, buildWorkflow } from '../support/fixtures';

type Document = ConstructorParameters<typeof ContractChecker>[0];

/** The first line where two texts differ, for a readable failure. */
function firstDifference(actual: string, expected: string): string {
  const a = actual.split('\n');
  const e = expected.split('\n');
  const line = a.findIndex((text, index) => text !== e[index]);
  const at = line < 0 ? Math.min(a.length, e.length) : line;
  return `line ${at + 1}:\n  committed: ${a[at] ?? '(end of file)'}\n  generated: ${e[at] ?? '(end of file)'}`;
}

/** A fetch that checks every answer against the document's operation, status and schema (test/support/contract.ts). */
function checkingFetch(document: Document, checked: string[], disagreements: string[]): typeof fetch {
  const checker = new ContractChecker(document);
  return async (input, init) => {
    const method = input instanceof Request ? input.method : (init?.method ?? 'GET');
    const { pathname } = new URL(input instanceof Request ? input.url : String(input));
    const response = await fetch(input, init);
    const operation = `${method} ${pathname} → ${response.status}`;
    if (!checker.operationOf(method, pathname)) {
      disagreements.push(`${operation}: the document has no such operation`);
      return response;
    }
    const contentType = response.headers.get('content-type') ?? '';
    const body: unknown = /json/.test(contentType) ? await response.clone().json() : undefined;
    disagreements.push(...checker.check({ method, path: pathname, status: response.status, contentType, body }));
    if (/json/.test(contentType)) checked.push(operation);
    return response;
  };
}

describe('Typed API client', function () {
  let api: TestApi;
  let document: Document;
  before(async () => {
    api = await startTestApi();
    const served = await api.request('GET', '/openapi.json');
    assert.equal(served.status, 200);
    document = served.body as Document;
  });
  after(async () => api?.close());

  it('has types generated from the OpenAPI document the server serves (else: regenerate them)', async () => {
    const generated = await renderClientSchema(document as unknown as Record<string, unknown>);
    const committed = await readFile(CLIENT_SCHEMA_FILE, 'utf8');
    assert.ok(
      committed === generated,
      `${path.relative(process.cwd(), CLIENT_SCHEMA_FILE)} differs from the types of the server's /openapi.json; run \`${REGENERATE_COMMAND}\` and commit it. First difference at ${firstDifference(committed, generated)}`,
    );
  });

  it('gets answers that match the document’s schemas, for every call the CLI and the MCP tools make', async () => {
    const checked: string[] = [];
    const disagreements: string[] = [];
    const fetch = checkingFetch(document, checked, disagreements);
    const account = await buildAccount(api.engine.db);
    const client = new BuilderApiClient({ baseUrl: api.url, apiKey: (await buildApiKey(api.engine.db, account.id)).secret, fetch });
    const { slug } = await buildWorkflow(api.engine.db, account.id, TEXT_CHAIN);

    await client.listWorkflows();
    await client.getSchema(slug);
    await client.estimate(slug, { topic: 'kites' });
    const run = await client.run(slug, { topic: 'kites' }, { idempotencyKey: `key-${Date.now()}` });
    const started = await client.start(slug, { topic: 'owls' });
    await client.waitForExecution(started.executionId);
    await client.listExecutions({ workflow: slug, limit: 5 });
    const replay = await client.replay(run.executionId, 'draft');
    await client.waitForExecution(replay.executionId);
    const cancelled = await client.cancel(replay.executionId).catch((err: unknown) => err);
    assert.ok(cancelled instanceof ApiError && cancelled.code === 'EXECUTION_FINISHED', String(cancelled));
    const agent = await client.runAsAgent(slug, { topic: 'tides' }, { async: true });
    await client.waitForExecution(agent.executionId);
    await client.runAsAgent(slug, { topic: 'tides' });
    await client.getExecution('ex_missing').catch((err: unknown) => assert.ok(err instanceof ApiError && err.status === 404));

    const admin = new AdminApiClient({ baseUrl: api.url, adminToken: api.adminToken, fetch });
    const created = await admin.createAccount({ name: 'Conformance', tier: 'business', creditBalance: 100 });
    await admin.createApiKey(created.id, { name: 'ci', capabilities: ['workflow:run'] });
    await admin.createGrant(created.id, { model: 'sandbox-image', credits: 5 });
    const workflow = await admin.createWorkflow(created.id, { slug: `conf-${Date.now()}`, name: 'Conformance', graph: TEXT_CHAIN });
    await admin.updateWorkflow(workflow.canvasId, { name: 'Renamed' });

    assert.deepEqual(disagreements, [], `the server answered what its document does not say (fix the route's schema or the route):\n${disagreements.join('\n')}`);
    assert.ok(checked.length >= 18, `checked ${checked.length} answers:\n${checked.join('\n')}`);
  });
});
