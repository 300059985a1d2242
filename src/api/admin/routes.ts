// The admin API (Bearer ADMIN_TOKEN): accounts, API keys (secret returned once) and workflows.
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import Router from '@koa/router';
import { z } from 'zod';
import { Prisma, type Account, type Workflow } from '../../generated/prisma/client';
import { parseCanvasGraph } from '../../domain/canvas';
import { PlanError } from '../../domain/errors';
import { generateApiKey } from '../../services/apiKeys';
import { checkWorkflowGraph } from '../../services/runChecks';
import type { ApiDeps, AppMiddleware, AppState } from '../context';
import { HttpError, notFound } from '../errors';
import { mountRoute } from '../openapi/route';
import { findModel } from '../../domain/models';
import {
  createAccountRoute,
  createApiKeyRoute,
  createGrantRoute,
  createWorkflowRoute,
  revokeApiKeyRoute,
  updateWorkflowRoute,
  type AccountResponse,
  type ApiKeyCreated,
  type GrantResponse,
  type RevokedResponse,
  type WorkflowResponse,
} from '../../contract/admin';

/** Routes under /admin. */
export function adminRoutes(deps: ApiDeps): Router {
  const { db } = deps;
  const router = new Router<AppState>({ prefix: '/admin' });
  router.use(requireAdmin(deps.config.ADMIN_TOKEN));

  mountRoute(router, createAccountRoute, {}, async (ctx) => {
    const input = ctx.state.input.body;
    const id = input.id ?? `acct_${randomUUID()}`;
    const account = await unique(
      () => db.account.create({ data: { ...input, id, webhookSecret: `whsec_${randomBytes(24).toString('base64url')}` } }),
      `Account "${id}" already exists.`,
    );
    ctx.status = 201;
    ctx.body = { success: true, account: presentAccount(account) } satisfies AccountResponse;
  });

  mountRoute(router, createApiKeyRoute, {}, async (ctx) => {
    const input = ctx.state.input.body;
    const account = await db.account.findUnique({ where: { id: String(ctx.params.id) } });
    if (!account) throw notFound(`Account "${ctx.params.id}"`);
    const key = generateApiKey();
    const record = await db.apiKey.create({
      data: { id: `key_${randomUUID()}`, accountId: account.id, name: input.name, prefix: key.prefix, hash: key.hash, capabilities: input.capabilities },
    });
    ctx.status = 201;
    ctx.body = {
      success: true,
      apiKey: { id: record.id, name: record.name, prefix: record.prefix, capabilities: record.capabilities, active: record.active },
      secret: key.secret,
      note: 'Store this secret now: it is shown only once.',
    } satisfies ApiKeyCreated;
  });

  mountRoute(router, createGrantRoute, {}, async (ctx) => {
    const input = ctx.state.input.body;
    if (!findModel(input.model)) throw new HttpError(400, 'INVALID_REQUEST', `Unknown model "${input.model}".`, { field: 'model' });
    const account = await db.account.findUnique({ where: { id: String(ctx.params.id) } });
    if (!account) throw notFound(`Account "${ctx.params.id}"`);
    // Granting again for the same model adds to the grant (one row per account and model).
    const grant = await db.trialGrant.upsert({
      where: { accountId_model: { accountId: account.id, model: input.model } },
      create: { id: `grant_${randomUUID()}`, accountId: account.id, model: input.model, creditsGranted: input.credits, creditsRemaining: input.credits },
      update: { creditsGranted: { increment: input.credits }, creditsRemaining: { increment: input.credits } },
    });
    ctx.status = 201;
    ctx.body = { success: true, grant: { model: grant.model, creditsGranted: grant.creditsGranted, creditsRemaining: grant.creditsRemaining } } satisfies GrantResponse;
  });

  mountRoute(router, revokeApiKeyRoute, {}, async (ctx) => {
    const updated = await db.apiKey.updateMany({ where: { id: String(ctx.params.id) }, data: { active: false, revokedAt: new Date() } });
    if (updated.count === 0) throw notFound(`API key "${ctx.params.id}"`);
    const { id, name, prefix, capabilities, revokedAt } = await db.apiKey.findUniqueOrThrow({ where: { id: String(ctx.params.id) } });
    ctx.body = { success: true, apiKey: { id, name, prefix, capabilities, active: false, revokedAt: (revokedAt ?? new Date()).toISOString() } } satisfies RevokedResponse;
  });

  mountRoute(router, createWorkflowRoute, {}, async (ctx) => {
    const input = ctx.state.input.body;
    const graph = graphOrRefuse(input.graph);
    const account = await db.account.findUnique({ where: { id: String(ctx.params.id) } });
    if (!account) throw notFound(`Account "${ctx.params.id}"`);
    const workflow = await unique(
      () =>
        db.workflow.create({
          data: {
            id: `wf_${randomUUID()}`,
            accountId: account.id,
            slug: input.slug,
            name: input.name,
            canvasId: input.canvasId ?? `cnv_${randomUUID()}`,
            graph: graph as object,
          },
        }),
      `A workflow with slug "${input.slug}" (or that canvas id) already exists.`,
    );
    ctx.status = 201;
    ctx.body = { success: true, workflow: presentWorkflow(workflow) } satisfies WorkflowResponse;
  });

  mountRoute(router, updateWorkflowRoute, {}, async (ctx) => {
    const input = ctx.state.input.body;
    const data: { name?: string; graph?: object } = {};
    if (input.name !== undefined) data.name = input.name;
    if (input.graph !== undefined) data.graph = graphOrRefuse(input.graph) as object;
    const updated = await db.workflow.updateMany({ where: { canvasId: String(ctx.params.canvasId) }, data });
    if (updated.count === 0) throw notFound(`Workflow with canvas "${ctx.params.canvasId}"`);
    const workflow = await db.workflow.findUniqueOrThrow({ where: { canvasId: String(ctx.params.canvasId) } });
    ctx.body = { success: true, workflow: presentWorkflow(workflow) } satisfies WorkflowResponse;
  });

  return router;
}

/** An account as the admin API answers it. */
function presentAccount(account: Account): AccountResponse['account'] {
  const { id, name, tier, approved, creditBalance, webhookSecret, createdAt } = account;
  return { id, name, tier, approved, creditBalance, webhookSecret, createdAt: createdAt.toISOString() };
}

/** A workflow as the admin API answers it. */
function presentWorkflow(workflow: Workflow): WorkflowResponse['workflow'] {
  const { id, accountId, slug, name, canvasId, graph, createdAt, updatedAt } = workflow;
  return { id, accountId, slug, name, canvasId, graph, createdAt: createdAt.toISOString(), updatedAt: updatedAt.toISOString() };
}

function requireAdmin(token: string | undefined): AppMiddleware {
  return async (ctx, next) => {
    if (!token) throw new HttpError(403, 'ADMIN_DISABLED', 'The admin API is disabled: set ADMIN_TOKEN to enable it.');
    const sent = ctx.get('authorization').replace(/^Bearer\s+/i, '').trim();
    if (!sent) throw new HttpError(401, 'UNAUTHORIZED', 'No admin token: send it as "Authorization: Bearer <ADMIN_TOKEN>".');
    const given = Buffer.from(sent);
    const expected = Buffer.from(token);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      // A stale token (an old start's, another server's) is told apart from a missing one.
      throw new HttpError(401, 'UNAUTHORIZED', 'Wrong admin token: it is not this server’s ADMIN_TOKEN (npm start prints it; locally it is kept in the data folder’s admin-token file).');
    }
    return next();
  };
}

/** The graph as saved: a malformed one is 400 INVALID_REQUEST; one that parses but cannot be planned is the 422 INVALID_WORKFLOW its first run would get. */
function graphOrRefuse(graph: unknown) {
  let canvas;
  try {
    canvas = parseCanvasGraph(graph);
  } catch (err) {
    if (err instanceof PlanError) throw new HttpError(400, 'INVALID_REQUEST', err.message, { reason: err.code, ...err.details });
    throw err;
  }
  checkWorkflowGraph(graph);
  return canvas;
}

async function unique<T>(create: () => Promise<T>, conflict: string): Promise<T> {
  try {
    return await create();
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') throw new HttpError(409, 'CONFLICT', conflict);
    throw err;
  }
}
