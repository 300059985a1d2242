// Lint rules that guard the architecture: deterministic workflow code, no forgotten promises,
// exhaustive switches over closed unions, no `any` in src, and layers that import one way.
//
// The layer map is eslint/layers.js (one table: what each folder of src/, temporal/ and web/ may
// import); its `layers/imports` rule checks every relative import, re-export, type import and
// dynamic `import()` of every file in those folders, and test/unit/architecture/layers.test.ts
// checks the whole import graph against the same table. See README, "Layers".
import tseslint from 'typescript-eslint';
import { layersPlugin } from './eslint/layers.js';

const nodeBuiltins = ['fs', 'path', 'crypto', 'http', 'https', 'net', 'os', 'child_process', 'stream', 'timers', 'url', 'dns', 'worker_threads'];

/** Dynamic imports are banned where code must be pure or deterministic (packages included). */
const noDynamicImport = (message) => ['error', { selector: 'ImportExpression', message }];

export default tseslint.config(
  { ignores: ['node_modules/**', 'src/generated/**', '.data/**', 'bin/**', 'web/dist/**'] },
  {
    files: ['**/*.ts'],
    ignores: ['web/**'],
    extends: [tseslint.configs.base],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      // A switch over a closed union (refusal codes, statuses, node types) names every member.
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'error' },
  },
  {
    // Exception: the docs page walks the generated OpenAPI document as loose JSON. Typing it
    // belongs with the contract module that generates the document.
    files: ['src/api/openapi/docsPage.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Every file of the layers: imports follow eslint/layers.js.
    files: ['src/**/*.ts', 'temporal/**/*.ts', 'web/src/**/*.{ts,tsx}'],
    plugins: { layers: layersPlugin },
    rules: { 'layers/imports': 'error' },
  },
  {
    // The run viewer: TypeScript and JSX, linted for its imports only (web/tsconfig.json types it).
    files: ['web/src/**/*.{ts,tsx}'],
    extends: [tseslint.configs.base],
  },
  {
    // Pure code: the canvas, planner, pricing, statuses, refusals and the node type modules.
    files: ['src/domain/**/*.ts', 'src/nodes/**/*.ts', 'src/contract/**/*.ts'],
    rules: { 'no-restricted-syntax': noDynamicImport('Pure code loads nothing at run time: import it statically.') },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no I/O, no clocks but the workflow's,
    // nothing but types from the side-effecting layers (eslint/layers.js says which).
    files: ['src/workflows/**/*.ts', 'bench/bareWorkflow.ts'],
    rules: {
      'no-restricted-syntax': noDynamicImport('Workflow code must be deterministic: no dynamic import().'),
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.flatMap((name) => [name, `node:${name}`]).map((name) => ({ name, message: 'Workflow code must be deterministic: no Node I/O.' })),
            ...['koa', '@koa/router', 'pg', 'openai', 'undici', '@prisma/client', '@prisma/adapter-pg', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'].map((name) => ({
              name,
              message: 'Workflow code must not import I/O libraries; call an activity.',
            })),
          ],
          // bench/bareWorkflow.ts is outside the layer map: the same rule by pattern.
          patterns: [
            {
              group: ['**/db/*', '**/api/*', '**/services/*', '**/generated/*', '**/events/*', '**/runtime/*', '**/media/*', '**/cli/*', '**/client/*', '**/mcp/*', '**/local/*', '**/net/*'],
              message: 'Workflow code must not import I/O layers.',
            },
            { group: ['**/activities', '**/activities/*', '**/providers/*'], allowTypeImports: true, message: 'Workflows import only activity and provider types.' },
          ],
        },
      ],
    },
  },
);
