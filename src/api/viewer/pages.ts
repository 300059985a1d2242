// The run viewer's pages: /runs (the list) and /runs/:executionId (one run) serve the built
// single-page app from web/dist (built by `npm install`, and by npm start/test when missing); its
// scripts and styles come from /runs/assets. The pages carry no data and no secrets: they read the
// API with the view token from their URL fragment.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Router, { type RouterContext } from '@koa/router';
import send from 'koa-send';
import { z } from 'zod';
import { projectPath } from '../../paths';
import { HttpError } from '../errors';
import { errorResponse } from '../openapi/common';
import { describeRoute } from '../openapi/registry';

/** Where `vite build` writes the viewer (web/vite.config.ts). */
export const VIEWER_DIST = projectPath('web', 'dist');

const PAGE_AUTH = { description: 'None for the page itself; it reads the API with a view token taken from its URL fragment (`#token=vt1.…`).' };
const notBuilt = errorResponse('VIEWER_NOT_BUILT: web/dist is missing (run `npm run build:web`).');
describeRoute({
  method: 'get', path: '/runs', summary: 'Run viewer: your runs (HTML)', tags: ['Run viewer'], auth: PAGE_AUTH,
  description: 'Filters by workflow, status and trigger; newest first. Open `/runs#token=<account view token>`.',
  responses: { 200: { description: 'The page.', contentType: 'text/html' }, 503: notBuilt },
});
describeRoute({
  method: 'get', path: '/runs/:executionId', summary: 'Run viewer: one run as its canvas, live (HTML)', tags: ['Run viewer'], auth: PAGE_AUTH,
  params: z.object({ executionId: z.string() }),
  description: 'Open the `viewUrl` of POST /api/executions/:id/view-token.',
  responses: { 200: { description: 'The page.', contentType: 'text/html' }, 503: notBuilt },
});
describeRoute({
  method: 'get', path: '/runs/assets/:file', summary: 'Run viewer: scripts, styles and fonts', tags: ['Run viewer'], auth: 'none',
  params: z.object({ file: z.string() }),
  responses: { 200: { description: 'A static file (content-hashed name, cached for a year).', contentType: 'application/octet-stream' }, 404: errorResponse('No such file.') },
});

// The page may load media from the media store's signed URLs wherever they live; nothing else leaves the origin.
const CSP = "default-src 'self'; img-src 'self' data: blob: https: http:; media-src 'self' data: blob: https: http:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** The viewer's page and asset routes. */
export function viewerPageRoutes(dist = VIEWER_DIST): Router {
  const router = new Router();
  const page = async (ctx: RouterContext) => {
    // Read on every request (it is tiny): a rebuild renames the assets it points at.
    const file = path.join(dist, 'index.html');
    if (!existsSync(file)) throw new HttpError(503, 'VIEWER_NOT_BUILT', 'The run viewer is not built: run `npm run build:web` (npm install and npm start do it).');
    const html = await readFile(file, 'utf8');
    ctx.type = 'text/html; charset=utf-8';
    ctx.set({ 'Cache-Control': 'no-cache', 'Content-Security-Policy': CSP, 'Referrer-Policy': 'no-referrer', 'X-Content-Type-Options': 'nosniff' });
    ctx.body = html;
  };
  router.get('/runs', page);
  router.get('/runs/:executionId', page);
  router.get('/runs/assets/:file', async (ctx) => {
    const file = String(ctx.params.file);
    if (!/^[\w.-]+$/.test(file)) throw new HttpError(404, 'NOT_FOUND', 'No such file.');
    const served = await send(ctx, file, { root: path.join(dist, 'assets'), maxage: 365 * 24 * 3600_000, immutable: true }).catch(() => null);
    if (!served) throw new HttpError(404, 'NOT_FOUND', `No such file: ${file}.`);
  });
  return router;
}
