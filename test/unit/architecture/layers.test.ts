// The layers hold: the folder-level import graph of src/ (with temporal/ and web/) has no cycle,
// every import is one the layer map (eslint/layers.js) allows, and the production entry points never
// reach local bootstrapping. The graph is read with the TypeScript compiler's parser: static imports,
// `export … from`, type-only imports and dynamic `import()` all count.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { allowed, LAYERS, layerOfFile } from '../../../eslint/layers.js';
import { projectPath } from '../../../src/paths';
import { cycles, describeCycle, importEdges, importsOf, layerGraph, type ImportEdge } from '../../support/importGraph';

const root = projectPath();
const LAYERED = ['src', 'temporal', 'web/src'];

describe('layers', () => {
  let edges: ImportEdge[];
  before(() => {
    edges = importEdges(root, LAYERED);
  });

  it('has no import cycle between folders of src/', () => {
    const graph = layerGraph(root, edges);
    const found = cycles(graph).map((component) => describeCycle(graph, component, root));
    assert.deepEqual(found, [], `folder-level import cycles:\n${found.join('\n')}`);
  });

  it('has every folder and top-level module of src/ in the layer map', () => {
    const layers = fs
      .readdirSync(path.join(root, 'src'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() || /\.tsx?$/.test(entry.name))
      .map((entry) => entry.name.replace(/\.tsx?$/, ''));
    assert.deepEqual(
      layers.filter((layer) => !LAYERS[layer]),
      [],
    );
  });

  it('has only imports the layer map allows', () => {
    const refused = edges.flatMap((edge) => {
      const from = layerOfFile(root, edge.from);
      const to = layerOfFile(root, edge.to);
      if (!from) return [];
      if (!to) return /^(test|bench|scripts)\//.test(path.relative(root, edge.to)) ? [`${path.relative(root, edge.from)} → ${path.relative(root, edge.to)}`] : [];
      return allowed(from, to, edge.typeOnly) ? [] : [`${path.relative(root, edge.from)} → ${path.relative(root, edge.to)} (${edge.kind}${edge.typeOnly ? ', types' : ''})`];
    });
    assert.deepEqual(refused, []);
  });

  it('keeps local bootstrapping (src/local, temporal/) out of everything the API and worker processes load', () => {
    const next = new Map<string, string[]>();
    for (const edge of edges) next.set(edge.from, [...(next.get(edge.from) ?? []), edge.to]);
    const production = ['src/server.ts', 'src/worker.ts', ...['api', 'activities', 'services', 'runtime'].flatMap((folder) => fs.readdirSync(path.join(root, 'src', folder), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts')).map((file) => `src/${folder}/${file}`))];
    // Breadth-first over every file reachable from a production module, remembering how.
    const via = new Map<string, string>(production.map((file) => [path.join(root, file), '']));
    const queue = [...via.keys()];
    while (queue.length > 0) {
      const file = queue.shift()!;
      for (const target of next.get(file) ?? []) {
        if (via.has(target)) continue;
        via.set(target, file);
        queue.push(target);
      }
    }
    const local = [...via.keys()].filter((file) => /^(src\/local|temporal)\//.test(path.relative(root, file)));
    const chains = local.map((file) => {
      const chain = [file];
      while (via.get(chain[0]!)) chain.unshift(via.get(chain[0]!)!);
      return chain.map((step) => path.relative(root, step)).join(' → ');
    });
    assert.deepEqual(chains, []);
    // The launcher does load it: the walk would see it if it were reachable.
    assert.ok((next.get(path.join(root, 'src/start.ts')) ?? []).some((file) => file.startsWith(path.join(root, 'src/local'))));
  });
});

describe('the import graph reader', () => {
  it('sees static, type-only, re-exported and dynamic imports, and imports in type positions', () => {
    const file = path.join(root, 'src/domain/fixture.ts');
    const found = importsOf(
      file,
      [
        "import { planRun } from './planner';",
        "import type { Plan } from './types';",
        "export { TIERS } from '../contract/statuses';",
        "export type { Db } from '../db/client';",
        "const load = () => import('../services/admission');",
        "type Cfg = typeof import('../config');",
        "import pg from 'pg';",
      ].join('\n'),
    ).map((edge) => `${edge.kind}${edge.typeOnly ? ' type' : ''} ${path.relative(root, edge.to)}`);
    assert.deepEqual(found, [
      'static src/domain/planner.ts',
      'static type src/domain/types.ts',
      're-export src/contract/statuses.ts',
      're-export type src/db/client.ts',
      'dynamic src/services/admission.ts',
      'static type src/config.ts',
    ]);
  });

  it('names the folders of a cycle and the imports that close it', () => {
    const edge = (from: string, to: string): ImportEdge => ({ from: path.join(root, from), to: path.join(root, to), kind: 'static', typeOnly: false });
    const graph = new Map([
      ['domain', new Map([['nodes', edge('src/domain/planner.ts', 'src/nodes/registry.ts')]])],
      ['nodes', new Map([['domain', edge('src/nodes/media.ts', 'src/domain/types.ts')]])],
      ['contract', new Map<string, ImportEdge>()],
    ]);
    const [component, ...others] = cycles(graph);
    assert.deepEqual(others, []);
    assert.equal(
      describeCycle(graph, component!, root),
      'domain → nodes → domain (src/domain/planner.ts → src/nodes/registry.ts; src/nodes/media.ts → src/domain/types.ts)',
    );
  });
});
