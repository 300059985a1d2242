// The run's plan drawn as its canvas: nodes laid out left to right by dagre, edges from port to port.
import { Graph, layout } from '@dagrejs/dagre';
import { Background, Controls, ReactFlow, useNodesInitialized, useReactFlow, type Edge } from '@xyflow/react';
import { useEffect, useMemo } from 'react';
import type { GraphView } from './api';
import { StepNode, type StepFlowNode, type StepNodeData } from './StepNode';

const NODE_WIDTH = 260;
const NODE_HEIGHT = 190;
const nodeTypes = { step: StepNode };

/** Positions of the plan's nodes, computed once per graph. */
function layoutOf(graph: GraphView['graph']): Map<string, { x: number; y: number }> {
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
  return positions;
}

/** Fits the whole plan in view once the nodes are measured, and again when the window resizes. */
function AutoFit({ nodeCount }: { nodeCount: number }) {
  const { fitView } = useReactFlow();
  const initialized = useNodesInitialized();
  useEffect(() => {
    if (initialized) void fitView({ padding: 0.08 });
  }, [initialized, nodeCount, fitView]);
  useEffect(() => {
    const refit = () => void fitView({ padding: 0.08 });
    window.addEventListener('resize', refit);
    return () => window.removeEventListener('resize', refit);
  }, [fitView]);
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
  const positions = useMemo(() => layoutOf(graph), [graph]);
  const nodes: StepFlowNode[] = graph.nodes.map((node) => ({
    id: node.id,
    type: 'step',
    position: positions.get(node.id) ?? { x: 0, y: 0 },
    data: dataOf(node.id),
    selected: node.id === selected,
    draggable: false,
    connectable: false,
    style: { width: NODE_WIDTH },
  }));
  const edges: Edge[] = graph.edges.map((edge) => {
    const active = ['running', 'streaming', 'waiting'].includes(dataOf(edge.target).step?.status ?? '');
    return { id: edge.id, source: edge.source, target: edge.target, animated: active, label: edge.targetPort, className: 'edge' };
  });
  return (
    <ReactFlow
      nodes={nodes}
      edges={edges}
      nodeTypes={nodeTypes}
      onNodeClick={(_, node) => onSelect(node.id)}
      onPaneClick={() => onSelect(null)}
      nodesDraggable={false}
      nodesConnectable={false}
      elementsSelectable
      fitView
      fitViewOptions={{ padding: 0.08 }}
      minZoom={0.2}
    >
      <AutoFit nodeCount={nodes.length} />
      <Background gap={20} />
      <Controls showInteractive={false} />
    </ReactFlow>
  );
}
