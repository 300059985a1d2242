// The import graph of src/ (and temporal/, web/), read with the TypeScript compiler's own parser: static imports,
// `export … from`, `import x = require(…)`, dynamic `import()` with a literal source, and
// type-only imports (a type a folder needs from another is still a dependency between them).
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { layerOfFile } from '../../eslint/layers.js';

/** One import of one file: where it points (a project file) and how it is written. */
export interface ImportEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: 'static' | 're-export' | 'dynamic' | 'require';
  readonly typeOnly: boolean;
}

const SOURCE = /\.(ts|tsx|mts)$/;

/** Every .ts/.tsx file under `dir`, generated code excluded. */
export function sourceFiles(dir: string, skip: readonly string[] = ['generated', 'node_modules', 'dist']): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!skip.includes(entry.name)) found.push(...sourceFiles(full, skip));
    } else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) {
      found.push(full);
    }
  }
  return found;
}

/** Resolves a relative specifier the way the bundler does (extension optional, folder index). */
function resolveRelative(fromFile: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(fromFile), specifier);
  const stem = base.replace(/\.(js|ts|tsx|mjs)$/, '');
  const candidates = [base, `${stem}.ts`, `${stem}.tsx`, `${stem}.d.ts`, path.join(base, 'index.ts'), path.join(base, 'index.tsx')];
  return candidates.find((candidate) => fs.existsSync(candidate) && fs.statSync(candidate).isFile());
}

/** The imports of one file that point at other files of the project. */
export function importsOf(file: string, text = fs.readFileSync(file, 'utf8')): ImportEdge[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const edges: ImportEdge[] = [];
  const add = (specifier: ts.Node | undefined, kind: ImportEdge['kind'], typeOnly: boolean) => {
    if (!specifier || !ts.isStringLiteralLike(specifier)) return;
    const to = resolveRelative(file, specifier.text);
    if (to) edges.push({ from: file, to, kind, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const typeOnly = !!clause && (clause.isTypeOnly || (!clause.name && !!clause.namedBindings && ts.isNamedImports(clause.namedBindings) && clause.namedBindings.elements.length > 0 && clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier, 'static', typeOnly);
    } else if (ts.isExportDeclaration(node)) {
      add(node.moduleSpecifier, 're-export', node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, 'require', node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node.arguments[0], 'dynamic', false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      // `typeof import('./x')` in a type position.
      add(node.argument.literal, 'static', true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

/** Every import between project files of the given folders (relative to root). */
export function importEdges(root: string, folders: readonly string[]): ImportEdge[] {
  return folders.flatMap((folder) => sourceFiles(path.join(root, folder))).flatMap((file) => importsOf(file));
}

/** Folder-level graph: layer → layers it imports, with one example edge per pair. */
export function layerGraph(root: string, edges: readonly ImportEdge[]): Map<string, Map<string, ImportEdge>> {
  const graph = new Map<string, Map<string, ImportEdge>>();
  for (const edge of edges) {
    const from = layerOfFile(root, edge.from)?.layer;
    const to = layerOfFile(root, edge.to)?.layer;
    if (!from || !to) continue;
    if (!graph.has(from)) graph.set(from, new Map());
    if (to !== from && !graph.get(from)!.has(to)) graph.get(from)!.set(to, edge);
  }
  return graph;
}

/** The strongly connected components with more than one member (Tarjan), each sorted. */
export function cycles(graph: ReadonlyMap<string, ReadonlyMap<string, unknown>>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (node: string): void => {
    indices.set(node, index);
    low.set(node, index);
    index += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      if (!indices.has(next)) {
        connect(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, indices.get(next)!));
      }
    }
    if (low.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!indices.has(node)) connect(node);
  return found;
}

/** One closed path through a component, as example edges: "a/x.ts → b/y.ts". */
export function describeCycle(graph: ReadonlyMap<string, ReadonlyMap<string, ImportEdge>>, component: readonly string[], root: string): string {
  const members = new Set(component);
  const start = component[0]!;
  // Breadth-first from start back to start, inside the component.
  const previous = new Map<string, string>();
  const queue = [start];
  let closing: string | undefined;
  while (queue.length > 0 && !closing) {
    const node = queue.shift()!;
    for (const next of graph.get(node)?.keys() ?? []) {
      if (!members.has(next)) continue;
      if (next === start) { closing = node; break; }
      if (!previous.has(next)) { previous.set(next, node); queue.push(next); }
    }
  }
  const pathNodes = [start];
  for (let node = closing; node && node !== start; node = previous.get(node)) pathNodes.splice(1, 0, node);
  pathNodes.push(start);
  const steps = pathNodes.slice(0, -1).map((node, i) => {
    const edge = graph.get(node)!.get(pathNodes[i + 1]!)!;
    return `${path.relative(root, edge.from)} → ${path.relative(root, edge.to)}`;
  });
  return `${pathNodes.join(' → ')} (${steps.join('; ')})`;
}
