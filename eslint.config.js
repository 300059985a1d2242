// Lint rules that guard the architecture: deterministic workflow code, no forgotten promises,
// exhaustive switches over closed unions, no `any` in src, and layers that import one way:
//
//   domain (+ nodes) ← providers / media ← activities ← workflows (types only)
//   domain ← services ← api (+ mcp) ;  client ← cli, mcp
//
// Nothing imports upward. db, events and config are infrastructure any server layer below the
// API may use (providers and media keep their vendor-job and media rows through db).
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['fs', 'path', 'crypto', 'http', 'https', 'net', 'os', 'child_process', 'stream', 'timers', 'url', 'dns', 'worker_threads'];

/** An import pattern for a folder of src: the folder's modules and its index. */
const folder = (name) => [`**/${name}/*`, ...(name === 'activities' ? ['**/activities'] : [])];

/** `no-restricted-imports` of whole folders, with the layer rule as the message. */
const layerRule = (message, folders, extra = []) => [
  'error',
  { patterns: [{ group: folders.flatMap(folder), message }, ...extra] },
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'src/generated/**', '.data/**', 'bin/**'] },
  {
    files: ['**/*.ts'],
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
    // Pure code: the canvas, planner, pricing, statuses, refusals and the node type modules.
    files: ['src/domain/**/*.ts', 'src/nodes/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': layerRule('The domain is pure: it imports only domain and node modules.', [
        'api', 'services', 'cli', 'client', 'mcp', 'activities', 'workflows', 'providers', 'media', 'db', 'events', 'runtime', 'observability', 'demo', 'generated',
      ]),
    },
  },
  {
    // Adapters: providers and the media store use the domain (and each other), never the layers that call them.
    files: ['src/providers/**/*.ts', 'src/media/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': layerRule('Providers and media import only domain, each other and db: not the layers that call them.', [
        'api', 'services', 'cli', 'client', 'mcp', 'activities', 'workflows', 'events', 'runtime', 'observability', 'demo',
      ]),
    },
  },
  {
    files: ['src/activities/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': layerRule('Activities import domain, providers, media, db and events: not api, services, workflows or the CLI/MCP.', [
        'api', 'services', 'cli', 'client', 'mcp', 'workflows', 'runtime', 'observability', 'demo',
      ]),
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
            {
              group: ['**/db/*', '**/api/*', '**/services/*', '**/generated/*', '**/events/*', '**/runtime/*', '**/media/*', '**/cli/*', '**/client/*', '**/mcp/*'],
              message: 'Workflow code must not import I/O layers.',
            },
            { group: ['**/activities', '**/activities/*', '**/providers/*'], allowTypeImports: true, message: 'Workflows import only activity and provider types.' },
          ],
        },
      ],
    },
  },
  {
    // Services refuse with domain Refusals; HTTP is the API's business.
    files: ['src/services/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': layerRule('Services do not import the API, the CLI or MCP (refuse with src/domain/refusals.ts).', [
        'api', 'cli', 'client', 'mcp', 'runtime', 'demo',
      ]),
    },
  },
  {
    files: ['src/api/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': layerRule('The API does not import the CLI or the process wiring (runtime).', ['cli', 'runtime', 'demo']),
    },
  },
  {
    files: ['src/mcp/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': layerRule('MCP does not import the CLI: both use src/client.', ['cli', 'runtime', 'demo']),
    },
  },
  {
    // The API client ships in the CLI bundle: no server code, only the contract's and generated types.
    files: ['src/client/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': layerRule(
        'The client imports no server code: only types from the contract and generated modules.',
        ['api', 'services', 'cli', 'mcp', 'activities', 'workflows', 'providers', 'media', 'db', 'events', 'runtime', 'observability', 'demo', 'nodes'],
        [
          { group: ['**/contract', '**/contract/*', '**/generated/*'], allowTypeImports: true, message: 'The client imports only types from the contract and generated modules.' },
          // The one list of run and step statuses is pure and shared, so "settled" means the same on both sides.
          { group: ['**/domain/*', '!**/domain/statuses'], message: 'The client imports no server code (domain/statuses, a pure list, is the one exception).' },
        ],
      ),
    },
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': layerRule('The CLI talks to the API through src/client, never to server layers.', [
        'api', 'services', 'mcp', 'activities', 'workflows', 'providers', 'media', 'db', 'events', 'runtime',
      ]),
    },
  },
);
