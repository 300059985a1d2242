// The MCP Streamable HTTP endpoint at /mcp (stateless: one server and transport per request),
// authenticated with the account's API key (`x-api-key` or `Authorization: Bearer`). Its tools call
// the public API of this same process over the listening socket, with the caller's key, so an MCP
// call is authorised, rate-limited and counted exactly like the API call it makes.
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { AppDeps, AppState } from '../api/context';
import { requireApiKey } from '../api/middleware/apiKey';
import { BuilderApiClient } from '../client/apiClient';
import { checkAgentToken } from './agent';
import { createMcpServer } from './tools';

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
    await transport.handleRequest(ctx.req, ctx.res);
  });

  return router;
}
