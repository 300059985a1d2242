// The client's types are generated from the document the server serves: when a route's schema
// changes and src/client/schema.d.ts was not regenerated, this fails and says how to fix it.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CLIENT_SCHEMA_FILE, REGENERATE_COMMAND, renderClientSchema } from '../../scripts/generate-client';
import { startTestApi, type TestApi } from '../support/api';

/** The first line where two texts differ, for a readable failure. */
function firstDifference(actual: string, expected: string): string {
  const a = actual.split('\n');
  const e = expected.split('\n');
  const line = a.findIndex((text, index) => text !== e[index]);
  const at = line < 0 ? Math.min(a.length, e.length) : line;
  return `line ${at + 1}:\n  committed: ${a[at] ?? '(end of file)'}\n  generated: ${e[at] ?? '(end of file)'}`;
}

describe('Typed API client', function () {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
  });
  after(async () => api?.close());

  it('has types generated from the OpenAPI document the server serves (else: regenerate them)', async () => {
    const served = await api.request('GET', '/openapi.json');
    assert.equal(served.status, 200);
    const generated = await renderClientSchema(served.body as Record<string, unknown>);
    const committed = await readFile(CLIENT_SCHEMA_FILE, 'utf8');
    assert.ok(
      committed === generated,
      `${path.relative(process.cwd(), CLIENT_SCHEMA_FILE)} differs from the types of the server's /openapi.json; run \`${REGENERATE_COMMAND}\` and commit it. First difference at ${firstDifference(committed, generated)}`,
    );
  });
});
