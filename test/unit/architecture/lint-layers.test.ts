// The lint rules that keep the layers apart report a deliberate upward import, dynamic import()
// included, with the project's own ESLint configuration (eslint.config.js, eslint/layers.js).
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';
import { projectPath } from '../../../src/paths';

/** `rule: message` of every problem ESLint reports for `text` as if it were the file at `file`. */
async function lint(file: string, text: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: projectPath() });
  const [result] = await eslint.lintText(text, { filePath: projectPath(file) });
  return result!.messages.map((message) => `${message.ruleId}: ${message.message}`);
}

describe('layer lint rules', function () {
  // The typed rules build a TypeScript program for the file the first time.
  this.timeout(120_000);

  it('report the domain importing the API, statically and with import()', async () => {
    const problems = await lint(
      'src/domain/planner.ts',
      ["import { createApp } from '../api/app';", "export const load = () => import('../services/admission');", 'export const app = createApp;', ''].join('\n'),
    );
    assert.deepEqual(problems, [
      "layers/imports: domain may not import api ('../api/app'). The domain is pure: it imports only the contract and node modules.",
      "layers/imports: domain may not import services ('../services/admission'). The domain is pure: it imports only the contract and node modules.",
      'no-restricted-syntax: Pure code loads nothing at run time: import it statically.',
    ]);
  });

  it('report a production entry point loading local bootstrapping, and let the launcher do it', async () => {
    const text = "export const start = async () => (await import('./local/services')).startLocalServices;\n";
    assert.deepEqual(await lint('src/server.ts', text), [
      "layers/imports: server may not import local ('./local/services'). The API entry point wires config and runtime only: no local bootstrapping.",
    ]);
    assert.deepEqual(await lint('src/start.ts', text), []);
  });

  it('let the run viewer import contract types only', async () => {
    const problems = await lint(
      'web/src/format.ts',
      [
        "import type { ExecutionView } from '../../src/contract/executions';",
        "import { executionViewSchema } from '../../src/contract/executions';",
        "import { Admissions } from '../../src/services/admission';",
        'export type View = ExecutionView;',
        'export const parts = [executionViewSchema, Admissions];',
        '',
      ].join('\n'),
    );
    assert.deepEqual(problems, [
      "layers/imports: web may import only types from contract ('../../src/contract/executions'). The run viewer imports only its own files and types from src/contract and src/client.",
      "layers/imports: web may not import services ('../../src/services/admission'). The run viewer imports only its own files and types from src/contract and src/client.",
    ]);
  });
});
