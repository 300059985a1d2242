// A route declared once (defineRoute) is mounted at its method and path, validated with its own
// schemas before its handler runs, refused with a route's own error where it has one, and listed in
// the OpenAPI document from the same object.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import Koa from 'koa';
import { z } from 'zod';
import type { AppState } from '../../../src/api/context';
import { HttpError } from '../../../src/api/errors';
import { jsonBody } from '../../../src/api/middleware/bodyParser';
import { errorHandler } from '../../../src/api/middleware/errorHandler';
import { routeSpecOf } from '../../../src/api/openapi/registry';
import { mountRoute } from '../../../src/api/openapi/route';
import { executeStartRoute } from '../../../src/contract/execute';
import { errorResponse, type RouteSpec } from '../../../src/contract/routes';

// Not declared with defineRoute, which would add this test route to the app's OpenAPI document.
const itemRoute = {
  method: 'post',
  path: '/things/:id/items',
  summary: 'Add an item (test route)',
  tags: ['Test'],
  auth: 'none',
  params: z.object({ id: z.string().regex(/^th_/) }),
  headers: z.object({ 'x-mode': z.literal('strict'), 'idempotency-key': z.string().max(8).optional() }),
  body: z.object({ name: z.string(), count: z.number().int().default(1) }),
  responses: { 201: { description: 'Added.', body: z.object({ id: z.string(), name: z.string(), count: z.number() }) }, 400: errorResponse('Bad request.') },
} satisfies RouteSpec;

describe('routes declared once', () => {
  let server: Server;
  let baseUrl: string;
  let handled = 0;

  before(async () => {
    const app = new Koa<AppState>();
    app.use(async (ctx, next) => {
      ctx.state.requestId = 'req-1';
      ctx.state.receivedAtMs = Date.now();
      await next();
    });
    app.use(errorHandler(() => undefined));
    app.use(jsonBody());
    const router = new Router<AppState>({ prefix: '/things' });
    mountRoute(router, itemRoute, { refuse: { headers: (raw, issues) => (issues.some((issue) => issue.path[0] === 'x-mode') ? new HttpError(400, 'INVALID_MODE', `X-Mode must be strict (got "${String(raw['x-mode'] ?? '')}").`) : undefined) } }, (ctx) => {
      handled += 1;
      // Typed by the declaration: no casts, defaults applied.
      const { params, body } = ctx.state.input;
      ctx.status = 201;
      ctx.body = { id: params.id, name: body.name, count: body.count + 0 };
    });
    app.use(router.routes());
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const post = (path: string, body: unknown, headers: Record<string, string> = { 'x-mode': 'strict' }) =>
    fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('hands the handler the parsed path parameters and body, defaults applied', async () => {
    const response = await post('/things/th_1/items', { name: 'a' });
    assert.equal(response.status, 201);
    assert.deepEqual(await response.json(), { id: 'th_1', name: 'a', count: 1 });
  });

  it("refuses a request that does not fit before the handler runs: with the route's own error for its header, else 400 INVALID_REQUEST", async () => {
    const before = handled;
    const mode = await post('/things/th_1/items', { name: 'a' }, { 'x-mode': 'loose' });
    assert.equal(mode.status, 400);
    assert.deepEqual(((await mode.json()) as { error: unknown }).error, { code: 'INVALID_MODE', message: 'X-Mode must be strict (got "loose").' });
    const key = await post('/things/th_1/items', { name: 'a' }, { 'x-mode': 'strict', 'idempotency-key': 'much-too-long' });
    assert.equal(((await key.json()) as { error: { code: string; fields: Array<{ field: string }> } }).error.fields[0]!.field, 'idempotency-key');
    const body = await post('/things/th_1/items', { name: 3 });
    assert.deepEqual(((await body.json()) as { error: { code: string; message: string } }).error, {
      code: 'INVALID_REQUEST',
      message: 'The request is not valid: name must be a string.',
      fields: [{ field: 'name', message: 'must be a string' }],
    });
    assert.equal((await post('/things/nope/items', { name: 'a' })).status, 400);
    assert.equal(handled, before);
  });

  it('lists a declared route in the OpenAPI registry as it was declared, without describing it again', () => {
    assert.equal(routeSpecOf('post', '/api/execute/start'), executeStartRoute);
  });
});
