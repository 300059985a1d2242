// The OpenAPI document covers every route the app serves, and the docs page renders it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Koa from 'koa';
import { isDescribed, routeSpecOf } from '../../src/api/openapi/registry';
import { openApiPath } from '../../src/api/openapi/document';
import { declaredRoutes } from '../../src/contract/routes';
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
      if (routeSpecOf(route.method, route.path)?.notAnOperation) {
        assert.equal(doc.paths[openApiPath(route.path)], undefined, `${route.path} is no operation`);
        continue;
      }
      const methods = doc.paths[openApiPath(route.path)];
      assert.ok(methods, `path ${route.path} in /openapi.json`);
      if (route.method !== 'ALL' && !methods[route.method.toLowerCase()]) {
        // router.all() registers every method; the document lists the usual ones.
        assert.ok(['OPTIONS', 'TRACE', 'CONNECT', 'PURGE'].includes(route.method) || isDescribed('ALL', route.path), `${route.method} ${route.path}`);
      }
    }
  });

  it('mounts every route declared in the contract, at its method and path', () => {
    const app = api.appWith({ log: { error: () => undefined, info: () => undefined } });
    const mounted = new Set(mountedRoutes(app).map((r) => `${r.method} ${r.path}`));
    const declared = declaredRoutes().map((route) => `${route.method.toUpperCase()} ${route.path}`);
    assert.ok(declared.includes('POST /api/execute/start'));
    assert.deepEqual(declared.filter((route) => !mounted.has(route)), []);
  });

  it('generates request schemas from the zod schemas the routes validate with', async () => {
    const doc = (await api.request('GET', '/openapi.json')).body;
    const run = doc.paths['/api/workflows/{slug}/run'].post;
    assert.deepEqual(run.security, [{ apiKey: [] }]);
    assert.deepEqual(run.requestBody.content['application/json'].schema.required, ['inputs']);
    assert.ok(run.requestBody.content['application/json'].schema.properties.callbackUrl);
    assert.ok(run.responses['429'].headers['Retry-After']);
    assert.ok(run.responses['200'].headers['X-RateLimit-Reset']);
    assert.deepEqual(Object.keys(run.responses).sort(), ['200', '202', '400', '401', '402', '403', '404', '409', '413', '415', '422', '429', '500', '503']);
    const start = doc.paths['/api/execute/start'].post;
    assert.ok(start.parameters.some((p: any) => p.in === 'header' && p.name === 'x-trigger-type' && p.required));
    assert.ok(start.parameters.some((p: any) => p.in === 'header' && p.name === 'idempotency-key' && !p.required));
  });

  it('passes Redocly’s linter with its recommended rules: no errors (unique operationIds, no retired 410 route)', async function () {
    this.timeout(120_000);
    const doc = (await api.request('GET', '/openapi.json')).body;
    const dir = await mkdtemp(path.join(tmpdir(), 'builder-openapi-'));
    try {
      const file = path.join(dir, 'openapi.json');
      await writeFile(file, JSON.stringify(doc));
      const report = await new Promise<string>((resolve) =>
        execFile(
          path.resolve('node_modules/.bin/redocly'),
          ['lint', file, '--format', 'json'],
          { env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' }, maxBuffer: 20 * 1024 * 1024, timeout: 110_000 },
          (_err, stdout) => resolve(stdout),
        ),
      );
      const { totals, problems } = JSON.parse(report) as { totals: { errors: number }; problems: Array<{ ruleId: string; severity: string; message: string }> };
      const errors = problems.filter((problem) => problem.severity === 'error').map((problem) => `${problem.ruleId}: ${problem.message}`);
      assert.deepEqual(errors, []);
      assert.equal(totals.errors, 0);
      const ids = Object.values(doc.paths as Record<string, Record<string, { operationId: string }>>).flatMap((methods) => Object.values(methods).map((op) => op.operationId));
      assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
      assert.equal(doc.paths['/api/execute'], undefined, 'the retired 410 route is not an operation');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('gives every 2xx JSON answer its full schema: an object of named fields, none left open', async () => {
    const doc = (await api.request('GET', '/openapi.json')).body;
    const resolve = (schema: any): any => (schema?.$ref ? doc.components.schemas[schema.$ref.split('/').pop()] : schema);
    const open: string[] = [];
    let checked = 0;
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(item)) {
        for (const [status, response] of Object.entries(op.responses as Record<string, any>)) {
          const schema = resolve(response.content?.['application/json']?.schema);
          if (!status.startsWith('2') || !schema) continue;
          checked++;
          const fields = Object.keys(schema.properties ?? {});
          if (schema.type !== 'object' || schema.additionalProperties !== false || fields.filter((field) => field !== 'success').length === 0) {
            open.push(`${method.toUpperCase()} ${path} ${status}`);
          }
        }
      }
    }
    assert.ok(checked >= 25, `checked ${checked} answers`);
    assert.deepEqual(open, []);
  });

  it('serves an API reference page rendered on the server from the document, loading only this server’s own files, with no eval allowed', async () => {
    const response = await api.request('GET', '/docs');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-eval|unsafe-inline/);
    const html = String(response.body);
    const sources = [...html.matchAll(/(?:src|href)="([^"#]+)"/g)].map((match) => match[1]!);
    assert.deepEqual(sources, ['/docs/assets/docs.css', '/favicon.ico', '/openapi.json', '/docs/assets/docs.js']);
    // Every operation of the document is on the page, with its method, path and summary, before any script runs.
    const document = (await api.request('GET', '/openapi.json')).body as { paths: Record<string, Record<string, { operationId: string; summary: string }>> };
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, op] of Object.entries(item)) {
        assert.ok(html.includes(`id="op-${op.operationId}" data-method="${method}" data-path="${path}"`), `${method} ${path} on the page`);
      }
    }
    assert.match(html, /<body data-validation="ok">/);
    const script = await fetch(`${api.url}/docs/assets/docs.js`);
    assert.match(script.headers.get('content-type') ?? '', /javascript/);
    const style = await fetch(`${api.url}/docs/assets/docs.css`);
    assert.match(style.headers.get('content-type') ?? '', /text\/css/);
    assert.equal((await api.request('GET', '/docs/assets/other.js')).status, 404);
    const icon = await fetch(`${api.url}/favicon.ico`);
    assert.equal(icon.status, 200);
    assert.match(await icon.text(), /^<svg /);
  });
});
