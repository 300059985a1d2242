// The admin API (Bearer ADMIN_TOKEN): accounts, API keys (secret returned once) and workflows.
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import Router from '@koa/router';
import type { Middleware } from 'koa';
import { Prisma } from '../../generated/prisma/client';
import { parseCanvasGraph } from '../../domain/canvas';
import { PlanError } from '../../domain/errors';
import { generateApiKey } from '../../services/apiKeys';
import type { ApiDeps } from '../context';
import { HttpError, notFound } from '../errors';
import { parseRequest } from '../middleware/validate';
import { createAccountSchema, createApiKeySchema, createWorkflowSchema, updateWorkflowSchema } from './schema';

/** Routes under /admin. */
export function adminRoutes(deps: ApiDeps): Router {
  const { db } = deps;
  const router = new Router({ prefix: '/admin' });
  router.use(requireAdmin(deps.config.ADMIN_TOKEN));
  const body = (ctx: { request: unknown }) => (ctx.request as { body?: unknown }).body;

  router.post('/accounts', async (ctx) => {
    const input = parseRequest(createAccountSchema, body(ctx));
    const id = input.id ?? `acct_${randomUUID()}`;
    const account = await unique(
      () => db.account.create({ data: { ...input, id, webhookSecret: `whsec_${randomBytes(24).toString('base64url')}` } }),
      `Account "${id}" already exists.`,
    );
    ctx.status = 201;
    ctx.body = { success: true, account };
  });

  router.post('/accounts/:id/api-keys', async (ctx) => {
    const input = parseRequest(createApiKeySchema, body(ctx));
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
    };
  });

  router.post('/api-keys/:id/revoke', async (ctx) => {
    const updated = await db.apiKey.updateMany({ where: { id: String(ctx.params.id) }, data: { active: false, revokedAt: new Date() } });
    if (updated.count === 0) throw notFound(`API key "${ctx.params.id}"`);
    ctx.body = { success: true };
  });

  router.post('/accounts/:id/workflows', async (ctx) => {
    const input = parseRequest(createWorkflowSchema, body(ctx));
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
    ctx.body = { success: true, workflow };
  });

  router.patch('/workflows/:canvasId', async (ctx) => {
    const input = parseRequest(updateWorkflowSchema, body(ctx));
    const data: { name?: string; graph?: object } = {};
    if (input.name !== undefined) data.name = input.name;
    if (input.graph !== undefined) data.graph = graphOrRefuse(input.graph) as object;
    const updated = await db.workflow.updateMany({ where: { canvasId: String(ctx.params.canvasId) }, data });
    if (updated.count === 0) throw notFound(`Workflow with canvas "${ctx.params.canvasId}"`);
    ctx.body = { success: true, workflow: await db.workflow.findUnique({ where: { canvasId: String(ctx.params.canvasId) } }) };
  });

  return router;
}

function requireAdmin(token: string | undefined): Middleware {
  return async (ctx, next) => {
    if (!token) throw new HttpError(403, 'ADMIN_DISABLED', 'The admin API is disabled: set ADMIN_TOKEN to enable it.');
    const given = Buffer.from(ctx.get('authorization').replace(/^Bearer\s+/i, ''));
    const expected = Buffer.from(token);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new HttpError(401, 'UNAUTHORIZED', 'Send the admin token as "Authorization: Bearer <ADMIN_TOKEN>".');
    }
    return next();
  };
}

function graphOrRefuse(graph: unknown) {
  try {
    return parseCanvasGraph(graph);
  } catch (err) {
    if (err instanceof PlanError) throw new HttpError(400, 'INVALID_REQUEST', err.message, { reason: err.code, ...err.details });
    throw err;
  }
}

async function unique<T>(create: () => Promise<T>, conflict: string): Promise<T> {
  try {
    return await create();
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') throw new HttpError(409, 'CONFLICT', conflict);
    throw err;
  }
}
