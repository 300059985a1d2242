// The MCP Streamable HTTP endpoint at /mcp (stateless: one server and transport per request),
// authenticated with the account's API key (`x-api-key` or `Authorization: Bearer`). Its tools call
// the public API of this same process over the listening socket, with the caller's key, so an MCP
// call is authorised, rate-limited and counted exactly like the API call it makes.
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { AppDeps, AppState } from '../context';
import { requireApiKey } from '../middleware/apiKey';
import { readBody } from '../middleware/bodyParser';
import { MAX_JSON_DEPTH, nestsDeeperThan, tooDeepMessage } from '../../domain/jsonDepth';
import { BuilderApiClient } from '../../client/apiClient';
import { checkAgentToken } from './agent';
import { createMcpServer } from '../../mcp/tools';

/** The largest MCP request body read, as for the other JSON routes. */
const MAX_MCP_BODY_BYTES = 1024 * 1024;

/** A JSON-RPC error answer, as the transport gives for a malformed message. */
class JsonRpcRefusal extends Error {
  override readonly name = 'JsonRpcRefusal';
  constructor(
    readonly rpcCode: number,
    message: string,
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** The parsed JSON-RPC body; throws {@link JsonRpcRefusal} for invalid JSON or nesting deeper than the limit. */
function parseMcpBody(raw: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new JsonRpcRefusal(-32700, 'Parse error: Invalid JSON');
  }
  if (nestsDeeperThan(parsed, MAX_JSON_DEPTH)) throw new JsonRpcRefusal(-32602, tooDeepMessage(MAX_JSON_DEPTH), { code: 'INVALID_INPUTS', maxDepth: MAX_JSON_DEPTH });
  return parsed;
}

/** Routes of the MCP transport (mounted before the JSON body parser: the transport reads the body). */
export function mcpRoutes(deps: AppDeps): Router {
  const router = new Router<AppState>();
  const authenticate = requireApiKey(deps.db);

  router.all('/mcp', async (ctx, next) => {
    const bearer = ctx.get('authorization').match(/^Bearer\s+(.+)$/i)?.[1];
    if (!ctx.get('x-api-key') && bearer) ctx.request.headers['x-api-key'] = bearer;
    checkAgentToken(deps.studioAgentToken, ctx.get('x-builder-agent-token'));
    await authenticate(ctx, next);
  }, async (ctx) => {
    // Read and checked here (the transport would parse it itself): a deeply nested JSON-RPC body is a
    // 400 naming the depth limit before the SDK's validation walks it.
    let parsedBody: unknown;
    try {
      parsedBody = ctx.method === 'POST' ? parseMcpBody(await readBody(ctx, MAX_MCP_BODY_BYTES, 'MCP request bodies')) : undefined;
    } catch (err) {
      if (!(err instanceof JsonRpcRefusal)) throw err;
      ctx.status = 400;
      ctx.body = { jsonrpc: '2.0', id: null, error: { code: err.rpcCode, message: err.message, ...(err.data ? { data: err.data } : {}) } };
      return;
    }
    const local = ctx.req.socket.address() as AddressInfo;
    const host = local.family === 'IPv6' ? `[${local.address}]` : local.address;
    const agentToken = ctx.get('x-builder-agent-token');
    const api = new BuilderApiClient({ baseUrl: `http://${host}:${local.port}`, apiKey: ctx.get('x-api-key'), ...(agentToken ? { agentToken } : {}) });
    const server = createMcpServer(api);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    ctx.res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    ctx.status = 200;
    ctx.respond = false;
    await transport.handleRequest(ctx.req, ctx.res, parsedBody);
  });

  return router;
}
