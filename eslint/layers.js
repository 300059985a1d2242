// The layer map: which folders of src/ (and temporal/, web/) may import which, in one table that
// the lint rule below enforces file by file and test/unit/architecture/layers.test.ts checks against
// the whole import graph (no cycle, no edge the table does not allow, no folder missing from it).
//
// A layer is a folder of src/ (`src/api/**` is `api`), a top-level file of src/ (`src/config.ts` is
// `config`), `temporal/` (the local Temporal dev server and cluster) or `web/` (the run viewer).
// `may` lists what a layer imports; an entry with a slash (`domain/statuses`) allows that one module.
// `types` lists layers it may import types from and nothing else. A layer always imports itself.
import path from 'node:path';

const PURE = ['contract', 'nodes', 'domain'];
/** Production infrastructure below the services. */
const INFRA = [...PURE, 'paths', 'net', 'generated', 'db', 'media', 'providers', 'events', 'config'];
/** Everything a production process is made of (the API's and the worker's code paths). */
const PRODUCTION = [...INFRA, 'activities', 'workflows', 'services', 'observability', 'client', 'mcp', 'api'];

/** @type {Record<string, { may: string[]; types?: string[]; why: string }>} */
export const LAYERS = {
  contract: { may: [], why: 'The public contract is zod schemas only: it imports nothing of ours.' },
  nodes: { may: ['contract'], why: 'Node type modules import only each other and the contract: the domain (planner, pricing) builds on them.' },
  domain: { may: ['contract', 'nodes'], why: 'The domain is pure: it imports only the contract and node modules.' },
  paths: { may: [], why: 'paths.ts finds the project root and nothing else.' },
  net: { may: [], why: 'src/net (guarded fetch, allowlists, port probes) imports nothing of ours.' },
  generated: { may: [], why: 'Generated code.' },
  db: {
    may: ['contract', 'nodes', 'domain', 'paths', 'net', 'generated'],
    why: 'src/db (Prisma client, the RunStore, migrations, ledger) imports only pure code (the RunStore writes what the domain defines), generated code and paths.',
  },
  media: { may: ['contract', 'nodes', 'domain', 'paths', 'net', 'generated', 'db'], why: 'The media store imports only pure code, db and net: not the layers that call it.' },
  providers: { may: ['contract', 'nodes', 'domain', 'paths', 'net', 'generated', 'db', 'media'], why: 'Providers import only pure code, db, media and net: not the layers that call them.' },
  events: { may: ['contract', 'nodes', 'domain', 'paths', 'generated', 'db'], why: 'Events import only pure code and db.' },
  config: { may: ['contract', 'nodes', 'domain', 'net', 'media'], why: 'config.ts parses the environment with the parsers of the layers below it; only entry points and wiring read it.' },
  activities: { may: ['contract', 'nodes', 'domain', 'paths', 'net', 'generated', 'db', 'media', 'providers', 'events'], why: 'Activities import pure code, db, media, providers, net and events: not services, the API or the wiring.' },
  workflows: {
    may: ['contract', 'nodes', 'domain'],
    types: ['activities', 'providers', 'media'],
    why: 'Workflow code is deterministic: pure code, and only types from activities, providers and media.',
  },
  services: { may: [...INFRA, 'activities', 'workflows'], why: 'Services do not import the API, MCP, the CLI, the wiring or local bootstrapping (refuse with src/domain/refusals.ts).' },
  observability: { may: ['contract', 'nodes', 'domain', 'paths', 'net'], types: ['activities', 'services'], why: 'Observability (logs, metrics, traces) is imported by the layers it observes, and imports only their types.' },
  client: { may: ['domain/statuses'], types: ['contract', 'generated'], why: 'The client ships in the CLI bundle: types from the contract and generated code, and the shared status list.' },
  mcp: { may: ['contract', 'nodes', 'domain', 'client'], why: 'The MCP server talks to the engine through src/client, never to server layers.' },
  cli: { may: ['contract', 'domain/statuses', 'client', 'mcp'], why: 'The CLI talks to the API through src/client, never to server layers.' },
  api: { may: PRODUCTION.filter((layer) => layer !== 'api'), why: 'The API does not import the CLI, the wiring (runtime), demo data or local bootstrapping.' },
  demo: { may: [...INFRA, 'services'], why: 'Demo data is built with the services; nothing in production imports it.' },
  runtime: { may: PRODUCTION, why: 'The wiring (runtime) builds production processes: no CLI, demo data or local bootstrapping (src/local, temporal/).' },
  server: { may: ['config', 'runtime'], why: 'The API entry point wires config and runtime only: no local bootstrapping.' },
  worker: { may: ['config', 'runtime'], why: 'The worker entry point wires config and runtime only: no local bootstrapping.' },
  local: { may: [...PRODUCTION, 'runtime', 'temporal'], why: 'Local bootstrapping may use anything below it.' },
  temporal: { may: ['paths', 'net', 'config', 'workflows', 'runtime'], why: 'The local Temporal launchers use the wiring, never the other way round.' },
  start: { may: ['config', 'paths', 'runtime', 'local', 'demo'], why: '`npm start` is the local launcher.' },
  web: { may: [], types: ['contract', 'client'], why: 'The run viewer imports only its own files and types from src/contract and src/client.' },
};

/**
 * The layer and module of a file: `{ layer: 'api', module: 'api/mcp/http' }`, or undefined for files
 * outside the layers (tests, bench, scripts).
 */
export function layerOfFile(root, file) {
  const relative = path.relative(root, file).split(path.sep).join('/');
  const stem = relative.replace(/(\/index)?\.(d\.ts|ts|tsx|mts|js|mjs)$/, '');
  let match = /^src\/([^/]+)\/(.+)$/.exec(stem);
  if (match) return { layer: match[1], module: `${match[1]}/${match[2]}` };
  match = /^src\/([^/]+)$/.exec(stem);
  if (match) return { layer: match[1], module: match[1] };
  if (relative.startsWith('temporal/')) return { layer: 'temporal', module: stem };
  if (relative.startsWith('web/')) return { layer: 'web', module: stem };
  return undefined;
}

/** Whether `from` may import `target` (a layerOfFile result); `typeOnly` for imports erased at compile time. */
export function allowed(from, target, typeOnly) {
  if (from.layer === target.layer) return true;
  const rule = LAYERS[from.layer];
  if (!rule) return false;
  const permits = (list) => list.some((entry) => entry === target.layer || entry === target.module);
  return permits(rule.may) || (typeOnly && permits(rule.types ?? []));
}

const UNGOVERNED_TARGETS = /^(test|bench|scripts)\//;

/** The `layers/imports` rule: every relative import, re-export, `import()` and `import('…')` type follows LAYERS. */
const importsRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Imports follow the layer map in eslint/layers.js, dynamic import() included.' },
    schema: [],
    messages: {
      upward: "{{from}} may not import {{target}} ('{{specifier}}'). {{why}}",
      typesOnly: "{{from}} may import only types from {{target}} ('{{specifier}}'). {{why}}",
      unknownLayer: '{{from}} is not in the layer map (eslint/layers.js): add it with what it may import.',
      outside: "{{from}} may not import '{{specifier}}': code under test/, bench/ and scripts/ is not part of the product.",
    },
  },
  create(context) {
    const filename = context.filename;
    const root = context.cwd;
    const from = layerOfFile(root, filename);
    if (!from) return {};
    if (!LAYERS[from.layer]) {
      return {
        Program(node) {
          context.report({ node, messageId: 'unknownLayer', data: { from: from.layer } });
        },
      };
    }
    const check = (node, source, typeOnly) => {
      const specifier = source.type === 'Literal' ? source.value : source.type === 'TemplateLiteral' && source.expressions.length === 0 ? source.quasis[0].value.cooked : undefined;
      if (typeof specifier !== 'string' || !specifier.startsWith('.')) return;
      const resolved = path.resolve(path.dirname(filename), specifier);
      const relative = path.relative(root, resolved).split(path.sep).join('/');
      if (UNGOVERNED_TARGETS.test(relative)) {
        context.report({ node, messageId: 'outside', data: { from: from.layer, specifier } });
        return;
      }
      const target = layerOfFile(root, resolved);
      if (!target || allowed(from, target, typeOnly)) return;
      const rule = LAYERS[from.layer];
      const typesWouldDo = !typeOnly && allowed(from, target, true);
      context.report({
        node,
        messageId: typesWouldDo ? 'typesOnly' : 'upward',
        data: { from: from.layer, target: target.layer, specifier, why: rule.why },
      });
    };
    const specifiersAllTypes = (specifiers, kindKey) => specifiers.length > 0 && specifiers.every((s) => s[kindKey] === 'type');
    return {
      ImportDeclaration(node) {
        check(node, node.source, node.importKind === 'type' || specifiersAllTypes(node.specifiers, 'importKind'));
      },
      ExportNamedDeclaration(node) {
        if (node.source) check(node, node.source, node.exportKind === 'type' || specifiersAllTypes(node.specifiers, 'exportKind'));
      },
      ExportAllDeclaration(node) {
        check(node, node.source, node.exportKind === 'type');
      },
      ImportExpression(node) {
        check(node, node.source, false);
      },
      TSImportType(node) {
        const argument = node.argument?.type === 'TSLiteralType' ? node.argument.literal : node.argument;
        if (argument) check(node, argument, true);
      },
      TSImportEqualsDeclaration(node) {
        if (node.moduleReference?.type === 'TSExternalModuleReference') check(node, node.moduleReference.expression, node.importKind === 'type');
      },
    };
  },
};

/** The local plugin: `layers/imports`. */
export const layersPlugin = { meta: { name: 'layers' }, rules: { imports: importsRule } };
