// Lint rules that guard the architecture: deterministic workflow code, and no forgotten promises.
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['fs', 'path', 'crypto', 'http', 'https', 'net', 'os', 'child_process', 'stream', 'timers', 'url', 'dns', 'worker_threads'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'src/generated/**', '.data/**', 'bin/**'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.base],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no I/O, no clocks but the workflow's,
    // nothing but types from the side-effecting layers.
    files: ['src/workflows/**/*.ts', 'bench/bareWorkflow.ts'],
    rules: {
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
          patterns: [
            { group: ['**/db/*', '**/api/*', '**/services/*', '**/generated/*', '**/events/*', '**/runtime/*'], message: 'Workflow code must not import I/O layers.' },
            { group: ['**/activities', '**/activities/*', '**/providers/*'], allowTypeImports: true, message: 'Workflows import only activity and provider types.' },
          ],
        },
      ],
    },
  },
);
