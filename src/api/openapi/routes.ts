// GET /openapi.json (the generated OpenAPI 3.1 document) and GET /docs (a readable page of it).
import Router from '@koa/router';
import { z } from 'zod';
import { buildOpenApiDocument } from './document';
import { renderDocsPage } from './docsPage';
import { describeRoute } from './registry';

describeRoute({
  method: 'get',
  path: '/openapi.json',
  summary: 'This API as an OpenAPI 3.1 document',
  tags: ['Docs'],
  auth: 'none',
  responses: { 200: { description: 'The OpenAPI document.', body: z.record(z.string(), z.unknown()) } },
});
describeRoute({
  method: 'get',
  path: '/docs',
  summary: 'Readable API documentation (HTML)',
  tags: ['Docs'],
  auth: 'none',
  responses: { 200: { description: 'An HTML page of every operation.', contentType: 'text/html' } },
});

/** The documentation routes. The document is built on first request, once every route module has loaded. */
export function openApiRoutes(): Router {
  const router = new Router();
  let cached: { doc: Record<string, unknown>; html: string } | undefined;
  const docs = () => {
    if (!cached) {
      const doc = buildOpenApiDocument();
      cached = { doc, html: renderDocsPage(doc) };
    }
    return cached;
  };
  router.get('/openapi.json', (ctx) => {
    ctx.body = docs().doc;
  });
  router.get('/docs', (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = docs().html;
  });
  return router;
}
