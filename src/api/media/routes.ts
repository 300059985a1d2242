// GET /api/media/:mediaId?exp=…&sig=…: the bytes of a stored piece of media, for whoever holds a
// signed URL (no API key: URLs end up in <img> tags and vendors' fetchers). Range requests are
// served from the store without reading the whole blob; with S3 the answer is a redirect to a
// presigned S3 URL instead.
import Router from '@koa/router';
import parseRange from 'range-parser';
import { z } from 'zod';
import { sha256OfMediaId } from '../../media/refs';
import type { ApiDeps } from '../context';
import { HttpError, notFound } from '../errors';
import { errorResponse } from '../openapi/common';
import { describeRoute } from '../openapi/registry';

/** Longest lifetime S3 accepts for a presigned URL (7 days). */
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

describeRoute({
  method: 'get', path: '/api/media/:mediaId', summary: 'Download media by signed URL', tags: ['Media'],
  auth: { description: 'The signature in the URL (`exp`, `sig`), as given in a media reference’s `url`; no API key.' },
  description:
    'The bytes of a media reference (`{ mediaId, mimeType, sizeBytes, sha256, url }`). Supports `Range: bytes=…` (206 with `Content-Range`), ' +
    '`If-None-Match` with the ETag (the sha256). With an S3 media store the answer is a 302 to a presigned S3 URL.',
  params: z.object({ mediaId: z.string().describe('`med_<sha256>`') }),
  query: z.object({
    exp: z.string().describe('Expiry, unix seconds.'),
    sig: z.string().describe('Hex HMAC-SHA256 of `<mediaId>.<exp>` with the server’s MEDIA_URL_SECRET.'),
  }),
  headers: z.object({ Range: z.string().optional().describe('`bytes=start-end`, `bytes=start-` or `bytes=-suffix`.') }),
  responses: {
    200: { description: 'The whole blob.', contentType: 'application/octet-stream', headers: { 'Content-Type': 'The media’s mime type.', 'Content-Length': 'Size in bytes.', ETag: 'The sha256, quoted.', 'Accept-Ranges': '`bytes`.' } },
    206: { description: 'The requested byte range.', contentType: 'application/octet-stream', headers: { 'Content-Range': '`bytes start-end/size`.', 'Content-Length': 'Bytes in the range.' } },
    302: { description: 'S3 store: redirect to a presigned S3 URL of the blob.', headers: { Location: 'The presigned URL.' } },
    304: { description: 'Not modified (If-None-Match matched the ETag).' },
    403: errorResponse('MEDIA_URL_INVALID (signature missing or changed) or MEDIA_URL_EXPIRED (past `exp`).'),
    404: errorResponse('NOT_FOUND: no such media.'),
    416: errorResponse('RANGE_NOT_SATISFIABLE: the range lies outside the blob.', { 'Content-Range': '`bytes */size`.' }),
    503: errorResponse('MEDIA_UNAVAILABLE: this process serves no media store.'),
  },
});

/** Routes under /api/media. */
export function mediaRoutes(deps: ApiDeps): Router {
  const router = new Router({ prefix: '/api/media' });

  router.get('/:mediaId', async (ctx) => {
    const media = deps.media;
    if (!media) throw new HttpError(503, 'MEDIA_UNAVAILABLE', 'This API process has no media store configured.');
    const mediaId = String(ctx.params.mediaId).slice(0, 100);
    const exp = typeof ctx.query.exp === 'string' ? ctx.query.exp : undefined;
    const sig = typeof ctx.query.sig === 'string' ? ctx.query.sig : undefined;
    const verdict = media.signer.verify(mediaId, exp, sig);
    if (verdict === 'invalid') throw new HttpError(403, 'MEDIA_URL_INVALID', 'The media URL’s signature is missing or does not match; ask the API for a fresh URL.');
    if (verdict === 'expired') throw new HttpError(403, 'MEDIA_URL_EXPIRED', 'The media URL has expired; ask the API for a fresh URL.', { expiredAt: new Date(Number(exp) * 1000).toISOString() });

    const sha256 = sha256OfMediaId(mediaId);
    const row = sha256 ? await deps.db.media.findUnique({ where: { id: mediaId } }) : null;
    if (!sha256 || !row) throw notFound(`Media "${mediaId}"`);
    const size = Number(row.sizeBytes);
    const remainingSeconds = Math.max(1, Number(exp) - Math.floor(Date.now() / 1000));

    if (media.store.presignedUrl) {
      ctx.status = 302;
      ctx.set('Cache-Control', 'no-store');
      ctx.redirect(await media.store.presignedUrl(sha256, { expiresInSeconds: Math.min(remainingSeconds, MAX_PRESIGN_SECONDS), mimeType: row.mimeType }));
      return;
    }

    const etag = `"${sha256}"`;
    ctx.set('ETag', etag);
    ctx.set('Accept-Ranges', 'bytes');
    // Content-addressed: the bytes behind a URL never change, so caches may keep them until expiry.
    ctx.set('Cache-Control', `private, max-age=${remainingSeconds}, immutable`);
    // Stored bodies can be anything (an HTTP node's HTML): never let a browser run them on our origin.
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Content-Security-Policy', "sandbox; default-src 'none'");
    if (ctx.get('if-none-match') === etag) {
      ctx.status = 304;
      return;
    }

    const rangeHeader = ctx.get('range');
    const ifRange = ctx.get('if-range');
    const ranges = rangeHeader && (!ifRange || ifRange === etag) ? parseRange(size, rangeHeader, { combine: true }) : undefined;
    if (ranges === -1) {
      throw new HttpError(416, 'RANGE_NOT_SATISFIABLE', `The range "${rangeHeader.slice(0, 100)}" lies outside the ${size} bytes of this media.`, { sizeBytes: size }, {
        'Content-Range': `bytes */${size}`,
      });
    }
    // A malformed header or several ranges: answer with the whole blob, as RFC 9110 allows.
    const range = Array.isArray(ranges) && ranges.type === 'bytes' && ranges.length === 1 ? ranges[0]! : undefined;
    const isHead = ctx.method === 'HEAD';
    if (range) {
      ctx.status = 206;
      ctx.set('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
      if (!isHead) ctx.body = await media.store.get(sha256, range);
      ctx.type = row.mimeType;
      ctx.length = range.end - range.start + 1;
      return;
    }
    ctx.status = 200;
    if (!isHead) ctx.body = await media.store.get(sha256);
    ctx.type = row.mimeType;
    ctx.length = size;
  });

  return router;
}
