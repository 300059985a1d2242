// The workflow bundle's modules are evaluated again for every run a worker starts (Temporal's
// reusable V8 context gives each workflow a fresh module cache), so what the bundle holds is paid
// per run. Node config schemas (zod) cost ~10 ms of CPU per run there before inline computations
// moved to src/nodes/inlineRuns.ts; this keeps schema and database code out of it.
import assert from 'node:assert/strict';
import { bundleWorkflowsHere } from '../../../src/runtime/worker';

/** The module ids webpack wrote into the bundle (`/***\/ "./src/…"`), packages by name. */
function modulesOf(code: string): string[] {
  const ids = [...code.matchAll(/^\/\*{3}\/ "([^"]+)"/gm)].map((match) => match[1]!);
  return [...new Set(ids.map((id) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(id)?.[1] ?? id))].sort();
}

describe('the workflow bundle', function () {
  this.timeout(120_000);
  let modules: string[];
  before(async () => {
    modules = modulesOf((await bundleWorkflowsHere()).code);
  });

  it('holds no schema library, database client or node module with a config schema', () => {
    assert.ok(modules.includes('./src/workflows/runExecution.ts'), `the module list was read: ${modules.join(', ')}`);
    const refused = modules.filter((id) => ['zod', '@prisma/client', 'pg', '@asteasolutions/zod-to-openapi'].includes(id) || /^\.\/src\/(nodes\/(?!inlineRuns|templateText)|db\/|contract\/|services\/|api\/)/.test(id));
    assert.deepEqual(refused, []);
  });

  it('holds only the Temporal SDK, its helpers and our workflow code', () => {
    const packages = modules.filter((id) => !id.startsWith('./src/') && !id.startsWith('?'));
    assert.deepEqual(packages.filter((id) => !['@temporalio/common', '@temporalio/workflow', 'nexus-rpc', 'ms', 'long'].includes(id)), []);
  });
});
