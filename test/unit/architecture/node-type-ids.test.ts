// Node type ids are compared only inside src/nodes: elsewhere code asks the registry what a type
// does (`nodeHasRole(type, 'webhook')`, `findNodeModule(type)?.executable`), so a new type with the
// same role needs no edit outside its module. src/demo is the one exception: its canvases name
// types as data (`{ type: 'text-generation', … }`), which is not a comparison.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { NODE_MODULES } from '../../../src/nodes/registry';
import { projectPath } from '../../../src/paths';
import { sourceFiles } from '../../support/importGraph';

const TYPE_IDS = new Set(Object.keys(NODE_MODULES));
const EQUALITY = new Set([ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken, ts.SyntaxKind.EqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsToken]);
const MEMBERSHIP = new Set(['includes', 'has', 'indexOf']);

/** `line: text` of every comparison of a value with a node type id in `text`. */
function typeIdComparisons(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const found: string[] = [];
  const isTypeId = (node: ts.Node | undefined) => !!node && ts.isStringLiteralLike(node) && TYPE_IDS.has(node.text);
  const report = (node: ts.Node) => found.push(`${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}: ${node.getText()}`);
  const visit = (node: ts.Node): void => {
    if (ts.isBinaryExpression(node) && EQUALITY.has(node.operatorToken.kind) && (isTypeId(node.left) || isTypeId(node.right))) report(node);
    else if (ts.isCaseClause(node) && isTypeId(node.expression)) report(node.expression);
    else if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && MEMBERSHIP.has(node.expression.name.text) && node.arguments.some(isTypeId)) report(node);
    else if (ts.isArrayLiteralExpression(node) && node.elements.some(isTypeId)) report(node);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('node type ids', () => {
  it('are compared only inside src/nodes (src/demo may name them in the canvases it builds)', () => {
    const root = projectPath();
    const files = [...sourceFiles(path.join(root, 'src'), ['generated', 'nodes', 'demo']), ...sourceFiles(path.join(root, 'web', 'src'))];
    const comparisons = files.flatMap((file) => typeIdComparisons(file, fs.readFileSync(file, 'utf8')).map((hit) => `${path.relative(root, file)}:${hit}`));
    assert.deepEqual(comparisons, []);
  });

  it('are found in equality tests, switch cases, membership tests and lists', () => {
    const text = [
      "if (step.nodeType === 'webhook-trigger') go();",
      "switch (node.type) { case 'response-output': break; }",
      "const outputs = ['template', 'note'];",
      "if (new Set(types).has('request-input')) go();",
      "const label = 'template engine';",
    ].join('\n');
    assert.deepEqual(typeIdComparisons('fixture.ts', text), [
      "1: step.nodeType === 'webhook-trigger'",
      "2: 'response-output'",
      "3: ['template', 'note']",
      "4: new Set(types).has('request-input')",
    ]);
  });
});
