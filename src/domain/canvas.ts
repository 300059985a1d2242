// The canvas JSON format and its validation (zod). Not imported by workflow code.
import { z } from 'zod';
import { PlanError } from './errors';
import { inputFieldSchema, type InputField } from '../nodes/requestInput';
import type { CanvasGraph } from './types';

export { inputFieldSchema, type InputField };

const id = z.string().min(1).max(128).regex(/^[A-Za-z0-9_-]+$/, 'ids are letters, digits, _ and -');

/** A node: id, type and a type-specific config. */
export const canvasNodeSchema = z.object({
  id,
  type: z.string().min(1).max(64),
  name: z.string().max(200).optional(),
  config: z.record(z.string(), z.unknown()).default({}),
  position: z.object({ x: z.number(), y: z.number() }).optional(),
});

/** An edge from `source`'s output port `sourcePort` to `target`'s input port `targetPort`. */
export const canvasEdgeSchema = z.object({
  id: z.string().max(128).optional(),
  source: id,
  sourcePort: z.string().min(1).max(64),
  target: id,
  targetPort: z.string().min(1).max(64),
});

/** The canvas graph stored with a workflow. */
export const canvasGraphSchema = z
  .object({
    nodes: z.array(canvasNodeSchema).min(1).max(500),
    edges: z.array(canvasEdgeSchema).max(2000).default([]),
  })
  .superRefine((graph, ctx) => {
    const seen = new Set<string>();
    graph.nodes.forEach((node, index) => {
      if (seen.has(node.id)) ctx.addIssue({ code: 'custom', path: ['nodes', index, 'id'], message: `duplicate node id "${node.id}"` });
      seen.add(node.id);
    });
  });

/** Parses an unknown value as a canvas graph, or throws PlanError INVALID_GRAPH with the issues. */
export function parseCanvasGraph(value: unknown): CanvasGraph {
  const result = canvasGraphSchema.safeParse(value);
  if (!result.success) {
    throw new PlanError('INVALID_GRAPH', 'The canvas graph is not valid.', {
      issues: result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    });
  }
  return result.data as CanvasGraph;
}

/** The Request Input fields declared by a node's config (invalid entries are a graph error). */
export function inputFieldsOf(config: Record<string, unknown>, nodeId: string): InputField[] {
  const result = z.array(inputFieldSchema).safeParse(config.fields ?? []);
  if (!result.success) {
    throw new PlanError('INVALID_GRAPH', `Request Input node "${nodeId}" declares invalid fields.`, {
      nodeId,
      issues: result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    });
  }
  const names = new Set<string>();
  for (const field of result.data) {
    if (names.has(field.name)) {
      throw new PlanError('INVALID_GRAPH', `Request Input node "${nodeId}" declares the field "${field.name}" twice.`, { nodeId, field: field.name });
    }
    names.add(field.name);
  }
  return result.data;
}
