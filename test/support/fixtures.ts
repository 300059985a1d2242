// Fixture builders: real rows in the test database, with sensible defaults.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../../src/db/client';
import type { CanvasGraph } from '../../src/domain/types';
import { generateApiKey } from '../../src/services/apiKeys';

/** Creates an account (approved, pro, 10,000 credits unless told otherwise). */
export async function buildAccount(
  db: Db,
  overrides: Partial<{ id: string; tier: 'pro' | 'business' | 'enterprise'; approved: boolean; creditBalance: number }> = {},
) {
  return db.account.create({
    data: {
      id: overrides.id ?? `acct_${randomUUID()}`,
      name: 'Test account',
      tier: overrides.tier ?? 'pro',
      approved: overrides.approved ?? true,
      creditBalance: overrides.creditBalance ?? 10_000,
      webhookSecret: `whsec_${randomBytes(12).toString('hex')}`,
    },
  });
}

/** Creates an API key and returns its secret with the row. */
export async function buildApiKey(db: Db, accountId: string, capabilities: string[] = ['workflow:run'], active = true) {
  const key = generateApiKey();
  const row = await db.apiKey.create({
    data: { id: `key_${randomUUID()}`, accountId, prefix: key.prefix, hash: key.hash, capabilities, active },
  });
  return { secret: key.secret, row };
}

/** Creates a workflow with the given canvas. */
export async function buildWorkflow(db: Db, accountId: string, graph: CanvasGraph, slug = `wf-${randomBytes(4).toString('hex')}`) {
  return db.workflow.create({
    data: { id: `wf_${randomUUID()}`, accountId, slug, name: `Workflow ${slug}`, canvasId: `cnv_${randomUUID()}`, graph: graph as object },
  });
}

/** A canvas: Request Input `topic` → the given middle nodes (each fed by input.topic) → Response Output fed by `last`. */
export function chain(
  nodes: Array<{ id: string; type: string; config?: Record<string, unknown>; from?: string[] }>,
  last: string,
): CanvasGraph {
  const graph: CanvasGraph = {
    nodes: [
      { id: 'input', type: 'request-input', config: { fields: [{ name: 'topic', type: 'string', required: true }] } },
      ...nodes.map((node) => ({ id: node.id, type: node.type, config: node.config ?? {} })),
      { id: 'output', type: 'response-output', config: {} },
    ],
    edges: [],
  };
  for (const node of nodes) {
    for (const source of node.from ?? ['input']) {
      graph.edges.push(
        source === 'input'
          ? { source: 'input', sourcePort: 'topic', target: node.id, targetPort: 'topic' }
          : { source, sourcePort: outputPortOf(nodes, source), target: node.id, targetPort: source },
      );
    }
  }
  graph.edges.push({ source: last, sourcePort: outputPortOf(nodes, last), target: 'output', targetPort: 'result' });
  return graph;
}

/** Request Input (`topic`) → a sandbox video job (each call a new prompt, so no reuse) → Response Output. */
export function sandboxVideoCanvas(sandbox: Record<string, unknown>): CanvasGraph {
  return {
    nodes: [
      { id: 'input', type: 'request-input', config: { fields: [{ name: 'topic', type: 'string', required: true }] } },
      { id: 'clip', type: 'video-generation', config: { model: 'sandbox-video', prompt: `Clip ${Math.random()} of {{topic}}`, sandbox, pollAfterMs: 120_000 } },
      { id: 'output', type: 'response-output', config: {} },
    ],
    edges: [
      { source: 'input', sourcePort: 'topic', target: 'clip', targetPort: 'topic' },
      { source: 'clip', sourcePort: 'video', target: 'output', targetPort: 'video' },
    ],
  };
}

function outputPortOf(nodes: Array<{ id: string; type: string }>, id: string): string {
  const type = nodes.find((node) => node.id === id)?.type;
  return type === 'image-generation' ? 'image' : type === 'http-request' ? 'body' : 'text';
}

/**
 * An execution whose admission committed (credits debited, rows written) but whose workflow never
 * started: what an API process that died between the two leaves behind.
 */
export async function buildUnstartedExecution(db: Db, accountId: string, workflowId: string, credits = 1): Promise<string> {
  const id = `ex_unstarted_${randomUUID()}`;
  await db.$transaction(async (tx) => {
    await tx.account.update({ where: { id: accountId }, data: { creditBalance: { decrement: credits } } });
    await tx.execution.create({
      data: {
        id, accountId, workflowId, triggerType: 'api', targetNodeId: 'output', status: 'planning',
        inputs: {}, plan: {}, creditsUsed: credits, temporalWorkflowId: id, receivedAt: new Date(),
        steps: { createMany: { data: [{ stepId: 'a', nodeType: 'text-generation', groupIndex: 1 }] } },
      },
    });
    await tx.creditLedgerEntry.create({ data: { id: `debit-${id}`, accountId, executionId: id, kind: 'debit', amount: credits } });
  });
  return id;
}
