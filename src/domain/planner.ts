// The planner: target node -> upstream subgraph of connected executable nodes -> parallel groups.
// Refuses, before anything runs, graphs with dangling edges, unknown ports, cycles or missing inputs.
import { findNodeModule, nodeHasRole } from '../nodes/registry';
import type { NodeModule } from '../nodes/types';
import { inputFieldsOf } from './canvas';
import { PlanError } from './errors';
import { retryPolicyOf } from './retryPolicy';
import { findModel, modelProblem, type ModelSpec } from './models';
import type { CanvasGraph, CanvasNode, Plan, PlanStep } from './types';

type NodeTypeSpec = NodeModule;

/** Plans the run of `targetNodeId` (default: every Response Output node of the graph). */
export function planRun(graph: CanvasGraph, targetNodeId?: string): Plan {
  const nodes = new Map(graph.nodes.map((node) => [node.id, node]));
  const specs = new Map<string, NodeTypeSpec>();
  for (const node of graph.nodes) {
    const spec = findNodeModule(node.type);
    if (!spec) throw new PlanError('UNKNOWN_NODE_TYPE', `Node "${node.id}" has unknown type "${node.type}".`, { nodeId: node.id, type: node.type });
    specs.set(node.id, spec);
  }
  checkEdges(graph, nodes, specs);
  checkAcyclic(graph);

  const targets = resolveTargets(graph, nodes, specs, targetNodeId);
  const members = new Set(targets.flatMap((target) => [...upstreamOf(graph, target.id)]));
  const incoming = new Map<string, CanvasGraph['edges']>();
  for (const edge of graph.edges) {
    if (!members.has(edge.target)) continue;
    const list = incoming.get(edge.target) ?? [];
    list.push(edge);
    incoming.set(edge.target, list);
  }

  const levels = new Map<string, number>();
  const levelOf = (id: string): number => {
    const known = levels.get(id);
    if (known !== undefined) return known;
    const deps = (incoming.get(id) ?? []).map((edge) => edge.source);
    const level = deps.length === 0 ? 0 : 1 + Math.max(...deps.map(levelOf));
    levels.set(id, level);
    return level;
  };

  const steps: PlanStep[] = [];
  for (const node of graph.nodes) {
    if (!members.has(node.id)) continue;
    const spec = specs.get(node.id)!;
    const edges = incoming.get(node.id) ?? [];
    checkRequiredInputs(node, spec, edges.map((edge) => edge.targetPort));
    if (nodeHasRole(node.type, 'run-inputs')) inputFieldsOf(node.config, node.id);
    const config = parseConfig(node, spec);
    const model = modelOf(node, spec, config);
    const base = {
      id: node.id,
      name: node.name ?? `${spec.label} ${node.id}`,
      nodeType: node.type,
      groupIndex: levelOf(node.id),
      dependsOn: [...new Set(edges.map((edge) => edge.source))],
      inputs: edges.map((edge) => ({ port: edge.targetPort, sourceNodeId: edge.source, sourcePort: edge.sourcePort })),
      config: withoutSecrets(config, spec),
      ...(model ? { model: model.id } : {}),
      ...(spec.produces ? { media: spec.produces } : {}),
      ...creditsOf(spec, config, model),
      retry: retryPolicyOf(node, spec.retry),
      timeoutMs: positiveNumber(node.config.timeoutMs) ?? spec.timeoutMs,
    };
    steps.push({ ...base, ...spec.execution(config, model) });
  }

  const groups: string[][] = [];
  for (const step of steps) (groups[step.groupIndex] ??= []).push(step.id);
  return {
    targetNodeId: targets.map((target) => target.id).join(','),
    steps,
    groups,
    ...(targets.length > 1 ? { outputs: outputKeys(targets) } : {}),
  };
}

/** Ids of `stepId` and every step downstream of it within the plan. */
export function downstreamOf(plan: Plan, stepId: string): Set<string> {
  const result = new Set<string>([stepId]);
  for (const step of [...plan.steps].sort((a, b) => a.groupIndex - b.groupIndex)) {
    if (step.dependsOn.some((dep) => result.has(dep))) result.add(step.id);
  }
  return result;
}

function checkEdges(graph: CanvasGraph, nodes: Map<string, CanvasNode>, specs: Map<string, NodeTypeSpec>): void {
  graph.edges.forEach((edge, index) => {
    const source = nodes.get(edge.source);
    const target = nodes.get(edge.target);
    if (!source || !target) {
      const missing = !source ? edge.source : edge.target;
      throw new PlanError('DANGLING_EDGE', `Edge ${edge.id ?? index} points at node "${missing}", which is not on the canvas.`, {
        edge: edge.id ?? index,
        nodeId: missing,
      });
    }
    const sourceSpec = specs.get(source.id)!;
    const targetSpec = specs.get(target.id)!;
    if (!sourceSpec.outputs(source.config).includes(edge.sourcePort)) {
      throw new PlanError('UNKNOWN_PORT', `Node "${source.id}" (${sourceSpec.label}) has no output port "${edge.sourcePort}".`, {
        edge: edge.id ?? index,
        nodeId: source.id,
        port: edge.sourcePort,
      });
    }
    const accepts = targetSpec.variadicInputs || targetSpec.inputs.some((port) => port.name === edge.targetPort);
    if (!accepts || targetSpec.source || !targetSpec.executable) {
      throw new PlanError('UNKNOWN_PORT', `Node "${target.id}" (${targetSpec.label}) has no input port "${edge.targetPort}".`, {
        edge: edge.id ?? index,
        nodeId: target.id,
        port: edge.targetPort,
      });
    }
  });
}

function checkAcyclic(graph: CanvasGraph): void {
  const indegree = new Map(graph.nodes.map((node) => [node.id, 0]));
  const outgoing = new Map<string, string[]>();
  for (const edge of graph.edges) {
    indegree.set(edge.target, (indegree.get(edge.target) ?? 0) + 1);
    outgoing.set(edge.source, [...(outgoing.get(edge.source) ?? []), edge.target]);
  }
  const ready = [...indegree].filter(([, degree]) => degree === 0).map(([id]) => id);
  let visited = 0;
  while (ready.length > 0) {
    const id = ready.pop()!;
    visited += 1;
    for (const next of outgoing.get(id) ?? []) {
      const degree = indegree.get(next)! - 1;
      indegree.set(next, degree);
      if (degree === 0) ready.push(next);
    }
  }
  if (visited < graph.nodes.length) {
    // Kahn's leftovers include nodes merely downstream of a cycle; peel those off backwards.
    const left = new Set([...indegree].filter(([, degree]) => degree > 0).map(([id]) => id));
    let peeled = true;
    while (peeled) {
      peeled = false;
      for (const id of left) {
        if (!(outgoing.get(id) ?? []).some((next) => left.has(next))) {
          left.delete(id);
          peeled = true;
        }
      }
    }
    const cycle = [...left];
    throw new PlanError('CYCLE', `The graph has a cycle through nodes ${cycle.map((id) => `"${id}"`).join(', ')}.`, { nodeIds: cycle });
  }
}

/** The named target, or else every Response Output node (at least one). */
function resolveTargets(
  graph: CanvasGraph,
  nodes: Map<string, CanvasNode>,
  specs: Map<string, NodeTypeSpec>,
  targetNodeId: string | undefined,
): CanvasNode[] {
  if (targetNodeId !== undefined) {
    const node = nodes.get(targetNodeId);
    if (!node) throw new PlanError('UNKNOWN_NODE', `Target node "${targetNodeId}" is not on the canvas.`, { nodeId: targetNodeId });
    if (!specs.get(node.id)!.executable) {
      throw new PlanError('NOT_EXECUTABLE', `Target node "${targetNodeId}" (${specs.get(node.id)!.label}) cannot be run.`, { nodeId: targetNodeId });
    }
    return [node];
  }
  const outputs = graph.nodes.filter((node) => nodeHasRole(node.type, 'run-output'));
  if (outputs.length === 0) {
    throw new PlanError('NO_TARGET', 'The workflow has no Response Output node; name a target node to run.', { responseOutputs: [] });
  }
  return outputs;
}

/** Output keys of several Response Output nodes: each node's name, or its id where names are missing or shared. */
function outputKeys(targets: CanvasNode[]): Array<{ nodeId: string; key: string }> {
  const names = targets.map((target) => target.name?.trim()).filter((name): name is string => !!name);
  const ids = new Set(targets.map((target) => target.id));
  return targets.map((target) => {
    const name = target.name?.trim();
    // A name another output shares (or another output's id) would overwrite a result: use the id.
    const unique = !!name && names.filter((other) => other === name).length === 1 && (!ids.has(name) || name === target.id);
    return { nodeId: target.id, key: unique ? name : target.id };
  });
}

function upstreamOf(graph: CanvasGraph, targetId: string): Set<string> {
  const members = new Set([targetId]);
  const queue = [targetId];
  while (queue.length > 0) {
    const id = queue.shift()!;
    for (const edge of graph.edges) {
      if (edge.target === id && !members.has(edge.source)) {
        members.add(edge.source);
        queue.push(edge.source);
      }
    }
  }
  return members;
}

function checkRequiredInputs(node: CanvasNode, spec: NodeTypeSpec, fedPorts: string[]): void {
  for (const port of spec.inputs) {
    if (!port.required || fedPorts.includes(port.name)) continue;
    const fallback = port.satisfiedByConfig ? node.config[port.satisfiedByConfig] : undefined;
    if (typeof fallback === 'string' && fallback.trim() !== '') continue;
    throw new PlanError(
      'MISSING_REQUIRED_INPUT',
      `Node "${node.id}" (${spec.label}) needs its "${port.name}" input: connect an edge to it${port.satisfiedByConfig ? ` or set config.${port.satisfiedByConfig}` : ''}.`,
      { nodeId: node.id, port: port.name },
    );
  }
  if (spec.role === 'run-output' && fedPorts.length === 0) {
    throw new PlanError('MISSING_REQUIRED_INPUT', `Response Output node "${node.id}" has no inputs connected.`, { nodeId: node.id, port: '*' });
  }
}

/** The node's config parsed by its type's schema; a failure names the node and the field. */
function parseConfig(node: CanvasNode, spec: NodeTypeSpec): Record<string, unknown> {
  const result = spec.config.safeParse(node.config);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.map(String).join('.');
  throw new PlanError('INVALID_CONFIG', `Node "${node.id}" (${spec.label}) has an invalid config${field ? `.${field}` : ''}: ${issue.message}.`, {
    nodeId: node.id,
    field,
    issues: result.error.issues.map((each) => ({ path: each.path.map(String).join('.'), message: each.message })),
  });
}

/** The model a node uses (its configured `model`, else its type's default), checked against the catalog. */
function modelOf(node: CanvasNode, spec: NodeTypeSpec, config: Record<string, unknown>): ModelSpec | undefined {
  if (!spec.modelKind) return undefined;
  const id = typeof config.model === 'string' ? config.model : spec.defaultModel!;
  const model = findModel(id);
  // Vendor models the catalog does not list (`media`) fit any media node; never a text node.
  const fits = model && (model.kind === spec.modelKind || (model.kind === 'media' && spec.modelKind !== 'text'));
  if (!fits) {
    const why = model ? `"${id}" is a ${model.kind} model, not a ${spec.modelKind} model.` : modelProblem(id);
    throw new PlanError('UNKNOWN_MODEL', `Node "${node.id}" cannot use model "${id}": ${why}`, { nodeId: node.id, model: id });
  }
  return model;
}

/** Secrets stay on the canvas (the route or activity resolves them by node id); the plan never holds them. */
function withoutSecrets(config: Record<string, unknown>, spec: NodeTypeSpec): Record<string, unknown> {
  if (!spec.secrets?.length) return config;
  return Object.fromEntries(Object.entries(config).filter(([key]) => !spec.secrets!.includes(key)));
}

function creditsOf(spec: NodeTypeSpec, config: Record<string, unknown>, model: ModelSpec | undefined): { credits?: number } {
  // An uncatalogued vendor model is priced at admission, from the provider's default in config.
  if (!spec.price && model?.defaultPriced) return {};
  const credits = spec.price ? spec.price(config, model) : model?.credits;
  return credits !== undefined && credits > 0 ? { credits } : {};
}

function positiveNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}
