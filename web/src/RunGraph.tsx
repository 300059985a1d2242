// The run's plan drawn as its canvas: nodes laid out left to right by dagre, edges from port to port.
import { Graph, layout } from '@dagrejs/dagre';
import { Background, Controls, ReactFlow, useReactFlow, useStore, type Edge, type NodeChange, type Rect } from '@xyflow/react';
import { useCallback, useEffect, useMemo, useReducer, useRef } from 'react';
import type { GraphView } from './api';
import { StepNode, type StepFlowNode, type StepNodeData } from './StepNode';

const NODE_WIDTH = 260;
const NODE_HEIGHT = 190;
const nodeTypes = { step: StepNode };

/** Positions of the plan's nodes and the box around them, computed once per graph. */
function layoutOf(graph: GraphView['graph']): { positions: Map<string, { x: number; y: number }>; bounds: Rect } {
  const g = new Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 40, ranksep: 70, marginx: 10, marginy: 10 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of graph.nodes) g.setNode(node.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const edge of graph.edges) g.setEdge(edge.source, edge.target);
  layout(g);
  const positions = new Map<string, { x: number; y: number }>();
  for (const node of graph.nodes) {
    const placed = g.node(node.id) as { x: number; y: number } | undefined;
    positions.set(node.id, { x: (placed?.x ?? 0) - NODE_WIDTH / 2, y: (placed?.y ?? 0) - NODE_HEIGHT / 2 });
  }
  const size = g.graph() as { width?: number; height?: number };
  return { positions, bounds: { x: 0, y: 0, width: size.width ?? NODE_WIDTH, height: size.height ?? NODE_HEIGHT } };
}

/**
 * Fits the laid-out plan in view whenever the canvas changes size. It fits the layout's box rather
 * than measured nodes, so it does not depend on when the nodes (whose outputs keep growing) are measured.
 */
function AutoFit({ bounds }: { bounds: Rect }) {
  const { fitBounds } = useReactFlow();
  const width = useStore((s) => s.width);
  const height = useStore((s) => s.height);
  // Fitting before the zoom behaviour exists does nothing: wait for it too.
  const ready = useStore((s) => s.panZoom !== null);
  useEffect(() => {
    if (ready && width > 0 && height > 0) void fitBounds(bounds, { padding: 0.06 });
  }, [ready, width, height, bounds, fitBounds]);
  return null;
}

/** The canvas of one run. */
export function RunGraph(props: {
  graph: GraphView['graph'];
  dataOf: (nodeId: string) => StepNodeData;
  selected: string | null;
  onSelect: (nodeId: string | null) => void;
}) {
  const { graph, dataOf, selected, onSelect } = props;
  // Laid out again only when the plan's shape changes, not when the graph is merely re-read.
  const shape = JSON.stringify([graph.nodes.map((n) => n.id), graph.edges.map((e) => e.id)]);
  const { positions, bounds } = useMemo(() => layoutOf(graph), [shape]);
  // The nodes are rebuilt on every render from the run; React Flow's measurements must be carried
  // over (a controlled flow keeps them in its nodes), or an unmeasured node stays hidden.
  const measured = useRef(new Map<string, { width: number; height: number }>());
  const [, remeasured] = useReducer((n: number) => n + 1, 0);
  const onNodesChange = useCallback((changes: NodeChange<StepFlowNode>[]) => {
    let changed = false;
    for (const change of changes) {
      if (change.type === 'dimensions' && change.dimensions) {
        measured.current.set(change.id, change.dimensions);
        changed = true;
      }
    }
    if (changed) remeasured();
  }, []);
  const nodes: StepFlowNode[] = graph.nodes.map((node) => ({
    id: node.id,
    type: 'step',
    position: positions.get(node.id) ?? { x: 0, y: 0 },
    data: dataOf(node.id),
    selected: node.id === selected,
    draggable: false,
    connectable: false,
    style: { width: NODE_WIDTH },
    ...(measured.current.has(node.id) ? { measured: measured.current.get(node.id) } : {}),
  }));
  // One line per pair of nodes, labelled with every port it feeds.
  const pairs = new Map<string, { source: string; target: string; ports: string[] }>();
  for (const edge of graph.edges) {
    const pair = pairs.get(`${edge.source}>${edge.target}`) ?? { source: edge.source, target: edge.target, ports: [] };
    pair.ports.push(edge.targetPort);
    pairs.set(`${edge.source}>${edge.target}`, pair);
  }
  const edges: Edge[] = [...pairs.entries()].map(([id, pair]) => {
    const active = ['running', 'streaming', 'waiting'].includes(dataOf(pair.target).step?.status ?? '');
    return { id, source: pair.source, target: pair.target, animated: active, label: pair.ports.join(', '), className: 'edge' };
  });
  return (
    <ReactFlow
      nodes={nodes}
      edges={edges}
      nodeTypes={nodeTypes}
      onNodesChange={onNodesChange}
      onNodeClick={(_, node) => onSelect(node.id)}
      onPaneClick={() => onSelect(null)}
      nodesDraggable={false}
      nodesConnectable={false}
      elementsSelectable
      minZoom={0.2}
    >
      <AutoFit bounds={bounds} />
      <Background gap={20} />
      <Controls showInteractive={false} />
    </ReactFlow>
  );
}
