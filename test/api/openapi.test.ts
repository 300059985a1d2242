// The OpenAPI document covers every route the app serves, and the docs page renders it.
import assert from 'node:assert/strict';
import type Koa from 'koa';
import { isDescribed } from '../../src/api/openapi/registry';
import { openApiPath } from '../../src/api/openapi/document';
import { startTestApi, type TestApi } from '../support/api';

/** Every `METHOD path` of every router mounted in the app (walking router.stack). */
function mountedRoutes(app: Koa): Array<{ method: string; path: string }> {
  const out: Array<{ method: string; path: string }> = [];
  for (const middleware of app.middleware as Array<{ router?: { stack: Array<{ path: string; methods: string[] }> } }>) {
    for (const layer of middleware.router?.stack ?? []) {
      const methods = layer.methods.filter((m) => m !== 'HEAD');
      if (methods.length === 0) continue; // router.use() middleware, not a route
      if (methods.length > 10) out.push({ method: 'ALL', path: layer.path }); // router.all()
      else for (const method of methods) out.push({ method, path: layer.path });
    }
  }
  return out;
}

describe('OpenAPI document', function () {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
  });
  after(async () => api?.close());

  it('describes every route mounted in the app', async () => {
    const app = api.appWith({ log: { error: () => undefined, info: () => undefined } });
    const routes = mountedRoutes(app);
    assert.ok(routes.length >= 10, `found ${routes.length} routes`);
    const missing = routes.filter((r) => !isDescribed(r.method, r.path)).map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(missing, [], 'call describeRoute() for these routes (src/api/openapi/registry.ts)');

    const doc = (await api.request('GET', '/openapi.json')).body;
    assert.equal(doc.openapi, '3.1.0');
    for (const route of routes) {
      const methods = doc.paths[openApiPath(route.path)];
      assert.ok(methods, `path ${route.path} in /openapi.json`);
      if (route.method !== 'ALL' && !methods[route.method.toLowerCase()]) {
        // router.all() registers every method; the document lists the usual ones.
        assert.ok(['OPTIONS', 'TRACE', 'CONNECT', 'PURGE'].includes(route.method) || isDescribed('ALL', route.path), `${route.method} ${route.path}`);
      }
    }
  });

  it('generates request schemas from the zod schemas the routes validate with', async () => {
    const doc = (await api.request('GET', '/openapi.json')).body;
    const run = doc.paths['/api/workflows/{slug}/run'].post;
    assert.deepEqual(run.security, [{ apiKey: [] }]);
    assert.deepEqual(run.requestBody.content['application/json'].schema.required, ['inputs']);
    assert.ok(run.requestBody.content['application/json'].schema.properties.callbackUrl);
    assert.ok(run.responses['429'].headers['Retry-After']);
    assert.ok(run.responses['200'].headers['X-RateLimit-Reset']);
    assert.deepEqual(Object.keys(run.responses).sort(), ['200', '202', '400', '401', '402', '403', '404', '409', '422', '429', '500', '503']);
    const start = doc.paths['/api/execute/start'].post;
    assert.ok(start.parameters.some((p: any) => p.in === 'header' && p.name === 'x-trigger-type' && p.required));
    assert.ok(start.parameters.some((p: any) => p.in === 'header' && p.name === 'idempotency-key' && !p.required));
  });

  it('serves a self-contained, readable docs page', async () => {
    const response = await api.request('GET', '/docs');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    const html = String(response.body);
    assert.match(html, /POST<\/span> <code>\/api\/workflows\/\{slug\}\/run<\/code>/);
    assert.match(html, /\/api\/execute\/start/);
    assert.doesNotMatch(html, /<script|https?:\/\/(?!127)/, 'no scripts and no external resources');
  });
});
