// Small graph builders for the domain tests: a canvas reads like the picture a user draws.
import assert from 'node:assert/strict';
import { PlanError, type PlanErrorCode } from '../../../src/domain/errors';
import type { CanvasEdge, CanvasGraph, CanvasNode, PlanStep } from '../../../src/domain/types';

/** A canvas node of `type` with `config`. */
export function node(id: string, type: string, config: Record<string, unknown> = {}): CanvasNode {
  return { id, type, config };
}

/** An edge written as `'source.port' -> 'target.port'`. */
export function edge(from: string, to: string, id?: string): CanvasEdge {
  const [source, sourcePort] = from.split('.') as [string, string];
  const [target, targetPort] = to.split('.') as [string, string];
  return { ...(id !== undefined ? { id } : {}), source, sourcePort, target, targetPort };
}

/** A canvas graph of these nodes and edges. */
export function graph(nodes: CanvasNode[], edges: CanvasEdge[] = []): CanvasGraph {
  return { nodes, edges };
}

/** A Request Input node declaring `fields`. */
export function requestInput(id: string, fields: Array<Record<string, unknown>>): CanvasNode {
  return node(id, 'request-input', { fields });
}

/** The canonical small workflow: input(topic) -> text(prompt) -> output. */
export function linearGraph(): CanvasGraph {
  return graph(
    [requestInput('input', [{ name: 'topic', type: 'string' }]), node('writer', 'text-generation'), node('output', 'response-output')],
    [edge('input.topic', 'writer.prompt'), edge('writer.text', 'output.value')],
  );
}

/** Asserts `run` throws a PlanError with `code` (and exactly `details`, when given); returns it. */
export function expectPlanError(run: () => unknown, code: PlanErrorCode, details?: Record<string, unknown>): PlanError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof PlanError, `expected a PlanError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (details !== undefined) assert.deepEqual(caught.details, details);
  return caught;
}

/** A minimal plan step for functions that take one, with `overrides`. */
export function step(overrides: Partial<PlanStep> & Pick<PlanStep, 'id' | 'nodeType'>): PlanStep {
  return {
    name: overrides.id,
    kind: 'inline',
    groupIndex: 0,
    dependsOn: [],
    inputs: [],
    config: {},
    retry: { initialIntervalMs: 1_000, backoffCoefficient: 2, maximumIntervalMs: 30_000, maximumAttempts: 1, nonRetryableErrorTypes: [] },
    timeoutMs: 1_000,
    ...overrides,
  } as PlanStep;
}
