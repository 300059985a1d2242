// The Temporal remote codec endpoint: ops read encrypted and offloaded payloads in the Temporal Web
// UI and with `temporal … --codec-endpoint` through the same codecs our clients and workers use
// (decryption, claim-check retrieval). Admin-only: Bearer ADMIN_TOKEN or CODEC_AUTH_TOKEN, or the
// token as a path segment (`/api/temporal-codec/<token>/decode`) for the Web UI, which cannot send
// an Authorization header of its own to a codec endpoint. CORS answers only the Temporal UI's origin.
import Router from '@koa/router';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { codecBodySchema, type CodecBody } from '../../contract/codec';
import type { AppContext, AppMiddleware, AppState } from '../context';
import { sameSecret } from '../secrets';
import { HttpError } from '../errors';
import { readBody } from '../middleware/bodyParser';
import { parseRequest } from '../middleware/validate';
import { errorResponse } from '../openapi/common';
import { describeRoute } from '../openapi/registry';

/** What the codec routes need. */
export interface CodecRouteDeps {
  /** The codecs of our clients and workers (payloadCodecsFor); absent: the routes answer 503. */
  payloadCodecs?: PayloadCodec[];
  /** Tokens that may use the endpoint (ADMIN_TOKEN, CODEC_AUTH_TOKEN); none: 403 CODEC_DISABLED. */
  tokens: string[];
}

const MAX_BODY_BYTES = 32 * 1024 * 1024;
const ERRORS = {
  400: errorResponse('INVALID_REQUEST (not the codec protocol\'s `{ "payloads": [...] }`) or PAYLOAD_NOT_DECODABLE (a payload that does not decode: a key this process lacks, tampered ciphertext, an offloaded blob that is gone).'),
  401: errorResponse('UNAUTHORIZED: missing or wrong token.'),
  403: errorResponse('CODEC_DISABLED: neither ADMIN_TOKEN nor CODEC_AUTH_TOKEN is set.'),
  413: errorResponse('PAYLOAD_TOO_LARGE: more than 32 MiB.'),
};
for (const action of ['decode', 'encode'] as const) {
  for (const [path, params] of [
    [`/api/temporal-codec/${action}`, undefined],
    [`/api/temporal-codec/:token/${action}`, z.object({ token: z.string().describe('ADMIN_TOKEN or CODEC_AUTH_TOKEN, for the Web UI (which sends no Authorization header).') })],
  ] as const) {
    describeRoute({
      method: 'post',
      path,
      summary: action === 'decode' ? 'Decode Temporal payloads (remote codec)' : 'Encode Temporal payloads (remote codec)',
      description:
        action === 'decode'
          ? 'Temporal’s remote codec protocol: decrypts (PAYLOAD_ENCRYPTION_KEY/KEYS) and fetches offloaded payloads back, so the Web UI and `temporal workflow show --codec-endpoint` show plain JSON. Payloads that are not ours pass through unchanged.'
          : 'Temporal’s remote codec protocol: encodes payloads the way our clients do (encryption, then offloading of large ones), e.g. for `temporal workflow signal --codec-endpoint`.',
      tags: ['Ops'],
      auth: { description: '`Authorization: Bearer <ADMIN_TOKEN or CODEC_AUTH_TOKEN>`, or the token as the path segment.' },
      ...(params ? { params } : {}),
      body: codecBodySchema,
      ownBody: true,
      responses: { 200: { description: 'The payloads, encoded or decoded, in the same order.', body: codecBodySchema }, ...ERRORS },
    });
  }
}

/** Routes under /api/temporal-codec (mounted before the JSON body parser: bodies may be larger). */
export function codecRoutes(deps: CodecRouteDeps): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/api/temporal-codec' });

  const handle = (action: 'decode' | 'encode') => async (ctx: AppContext) => {
    authorize(ctx, deps.tokens, typeof ctx.params?.token === 'string' ? ctx.params.token : undefined);
    if (!deps.payloadCodecs) throw new HttpError(503, 'CODEC_UNAVAILABLE', 'This process has no payload codecs.');
    const body = parseRequest(codecBodySchema, parseJson(await readBody(ctx, MAX_BODY_BYTES, 'Codec requests')));
    const payloads = body.payloads.map(fromJson);
    let result: Payload[];
    try {
      result = payloads;
      // Temporal's order: encode through the codecs first to last, decode last to first.
      const codecs = action === 'decode' ? [...deps.payloadCodecs].reverse() : deps.payloadCodecs;
      for (const codec of codecs) result = action === 'decode' ? await codec.decode(result) : await codec.encode(result);
    } catch (err) {
      throw new HttpError(400, 'PAYLOAD_NOT_DECODABLE', `A payload could not be ${action}d: ${err instanceof Error ? err.message : String(err)}`);
    }
    ctx.body = { payloads: result.map(toJson) } satisfies CodecBody;
  };
  for (const action of ['decode', 'encode'] as const) {
    router.post(`/${action}`, handle(action));
    router.post(`/:token/${action}`, handle(action));
  }
  return router;
}

/**
 * CORS for the codec routes: the Temporal UI's origin gets CORS headers (other origins none), and its
 * preflight is answered 204 before any router runs (a preflight is no operation of the document).
 */
export function codecCors(temporalUiUrl: string | undefined): AppMiddleware {
  const uiOrigin = originOf(temporalUiUrl);
  return async (ctx, next) => {
    if (!ctx.path.startsWith('/api/temporal-codec/')) return next();
    const origin = ctx.get('origin');
    if (uiOrigin && origin === uiOrigin) {
      ctx.set('Access-Control-Allow-Origin', origin);
      ctx.set('Access-Control-Allow-Credentials', 'true');
      ctx.vary('Origin');
    }
    if (ctx.method === 'OPTIONS') {
      ctx.set('Access-Control-Allow-Methods', 'POST, OPTIONS');
      ctx.set('Access-Control-Allow-Headers', 'authorization, content-type, x-namespace');
      ctx.set('Access-Control-Max-Age', '600');
      ctx.status = 204;
      return;
    }
    return next();
  };
}

function authorize(ctx: AppContext, tokens: string[], pathToken: string | undefined): void {
  if (tokens.length === 0) throw new HttpError(403, 'CODEC_DISABLED', 'The codec endpoint is disabled: set ADMIN_TOKEN or CODEC_AUTH_TOKEN.');
  const given = pathToken ?? ctx.get('authorization').replace(/^Bearer\s+/i, '');
  if (!tokens.some((token) => sameSecret(given, token))) {
    throw new HttpError(401, 'UNAUTHORIZED', 'Send "Authorization: Bearer <ADMIN_TOKEN or CODEC_AUTH_TOKEN>" (or the token as the path segment before /decode).');
  }
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new HttpError(400, 'INVALID_JSON', 'The request body is not valid JSON.');
  }
}

function fromJson(payload: CodecBody['payloads'][number]): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
    data: Buffer.from(payload.data ?? '', 'base64'),
  };
}

function toJson(payload: Payload): CodecBody['payloads'][number] {
  return {
    metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value ?? new Uint8Array()).toString('base64')])),
    data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
  };
}


function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}
