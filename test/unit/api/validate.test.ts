import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import { z } from 'zod';
import type { AppState } from '../../../src/api/context';
import { jsonBody } from '../../../src/api/middleware/bodyParser';
import { errorHandler } from '../../../src/api/middleware/errorHandler';
import { validate } from '../../../src/api/middleware/validate';

describe('validate(schemas)', () => {
  let server: Server;
  let baseUrl: string;

  before(async () => {
    const app = new Koa<AppState>();
    app.use(async (ctx, next) => {
      ctx.state.requestId = 'req-1';
      ctx.state.receivedAtMs = Date.now();
      await next();
    });
    app.use(errorHandler(() => undefined));
    app.use(jsonBody());
    const router = new Router<AppState>();
    const schemas = {
      params: z.object({ id: z.string().regex(/^ex_/) }),
      query: z.object({ limit: z.coerce.number().int().max(10).default(5) }),
      body: z.object({ fromStepId: z.string().optional() }),
    };
    router.post('/items/:id', validate(schemas), (ctx) => {
      // Typed by the schemas: a number, a string and an optional string, no casts.
      const { params, query, body } = ctx.state.input;
      ctx.body = { id: params.id, limit: query.limit + 0, fromStepId: body.fromStepId ?? null };
    });
    app.use(router.routes());
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const post = (path: string, body?: unknown) =>
    fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

  it('puts the parsed params, query and body on ctx.state.input, defaults applied', async () => {
    const response = await post('/items/ex_1?limit=3', { fromStepId: 'b' });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { id: 'ex_1', limit: 3, fromStepId: 'b' });
    assert.deepEqual(await (await post('/items/ex_2')).json(), { id: 'ex_2', limit: 5, fromStepId: null });
  });

  it('answers 400 INVALID_REQUEST naming every failing field of the first part that does not match', async () => {
    const badBody = await post('/items/ex_1', { fromStepId: 7 });
    assert.equal(badBody.status, 400);
    assert.deepEqual(await badBody.json(), {
      success: false,
      error: { code: 'INVALID_REQUEST', message: 'The request is not valid: fromStepId must be a string.', fields: [{ field: 'fromStepId', message: 'must be a string' }] },
    });
    const badQuery = await post('/items/ex_1?limit=50', {});
    assert.equal(badQuery.status, 400);
    const { error } = (await badQuery.json()) as { error: { code: string; fields: Array<{ field: string }> } };
    assert.equal(error.code, 'INVALID_REQUEST');
    assert.deepEqual(error.fields.map((f) => f.field), ['limit']);
    const notANumber = await post('/items/ex_1?limit=abc', {});
    assert.equal(((await notANumber.json()) as { error: { message: string } }).error.message, 'The request is not valid: limit must be a number.');
    const badParams = await post('/items/nope', {});
    assert.equal(badParams.status, 400);
    assert.deepEqual(((await badParams.json()) as { error: { fields: Array<{ field: string }> } }).error.fields.map((f) => f.field), ['id']);
  });
});
