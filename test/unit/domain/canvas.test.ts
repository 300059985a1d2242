import assert from 'node:assert/strict';
import { parseCanvasGraph } from '../../../src/domain/canvas';
import { expectPlanError } from './builders';

function issuesOf(value: unknown): Array<{ path: string; message: string }> {
  const error = expectPlanError(() => parseCanvasGraph(value), 'INVALID_GRAPH');
  const issues = error.details.issues;
  assert.ok(Array.isArray(issues) && issues.length > 0, 'the error lists its issues');
  return issues as Array<{ path: string; message: string }>;
}

describe('canvas parsing', () => {
  it('accepts a well-formed graph and keeps its nodes and edges', () => {
    const graph = parseCanvasGraph({
      nodes: [
        { id: 'input', type: 'request-input', name: 'Inputs', config: { fields: [] }, position: { x: 1, y: 2 } },
        { id: 'output', type: 'response-output', config: {} },
      ],
      edges: [{ id: 'e1', source: 'input', sourcePort: 'topic', target: 'output', targetPort: 'value' }],
    });
    assert.equal(graph.nodes.length, 2);
    assert.deepEqual(graph.nodes[0], { id: 'input', type: 'request-input', name: 'Inputs', config: { fields: [] }, position: { x: 1, y: 2 } });
    assert.deepEqual(graph.edges, [{ id: 'e1', source: 'input', sourcePort: 'topic', target: 'output', targetPort: 'value' }]);
  });

  it('defaults a missing node config to an empty object', () => {
    const graph = parseCanvasGraph({ nodes: [{ id: 'n1', type: 'note' }], edges: [] });
    assert.deepEqual(graph.nodes[0]!.config, {});
  });

  it('defaults missing edges to none', () => {
    const graph = parseCanvasGraph({ nodes: [{ id: 'n1', type: 'note' }] });
    assert.deepEqual(graph.edges, []);
  });

  it('refuses two nodes with the same id and points at the second', () => {
    const issues = issuesOf({
      nodes: [
        { id: 'writer', type: 'text-generation' },
        { id: 'writer', type: 'template' },
      ],
    });
    assert.deepEqual(issues, [{ path: 'nodes.1.id', message: 'duplicate node id "writer"' }]);
  });

  it('refuses node ids with characters other than letters, digits, _ and -', () => {
    for (const id of ['has space', 'dot.ted', 'slash/ed', 'émoji', '']) {
      const issues = issuesOf({ nodes: [{ id, type: 'note' }] });
      assert.equal(issues[0]!.path, 'nodes.0.id', JSON.stringify(id));
    }
  });

  it('accepts node ids of letters, digits, _ and -', () => {
    assert.doesNotThrow(() => parseCanvasGraph({ nodes: [{ id: 'Node_1-a', type: 'note' }] }));
  });

  it('refuses node ids longer than 128 characters', () => {
    assert.doesNotThrow(() => parseCanvasGraph({ nodes: [{ id: 'a'.repeat(128), type: 'note' }] }));
    assert.equal(issuesOf({ nodes: [{ id: 'a'.repeat(129), type: 'note' }] })[0]!.path, 'nodes.0.id');
  });

  it('refuses edges whose endpoints are not valid node ids', () => {
    const issues = issuesOf({
      nodes: [{ id: 'a', type: 'note' }],
      edges: [{ source: 'a b', sourcePort: 'text', target: 'a', targetPort: 'value' }],
    });
    assert.equal(issues[0]!.path, 'edges.0.source');
  });

  it('refuses edges without ports', () => {
    const issues = issuesOf({
      nodes: [{ id: 'a', type: 'note' }],
      edges: [{ source: 'a', sourcePort: '', target: 'a' }],
    });
    assert.deepEqual(issues.map((issue) => issue.path).sort(), ['edges.0.sourcePort', 'edges.0.targetPort']);
  });

  it('refuses a graph without nodes', () => {
    assert.equal(issuesOf({ nodes: [], edges: [] })[0]!.path, 'nodes');
  });

  it('refuses values that are not a graph at all', () => {
    for (const value of [null, undefined, 'graph', 42, [], { edges: [] }]) issuesOf(value);
  });

  it('refuses a node config that is not an object', () => {
    assert.equal(issuesOf({ nodes: [{ id: 'a', type: 'note', config: 'x' }] })[0]!.path, 'nodes.0.config');
  });

  it('lists every issue, not just the first', () => {
    const issues = issuesOf({ nodes: [{ id: 'bad id', type: 'note' }, { id: 'ok', type: '' }] });
    assert.deepEqual(issues.map((issue) => issue.path).sort(), ['nodes.0.id', 'nodes.1.type']);
  });
});
