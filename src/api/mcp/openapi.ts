// OpenAPI descriptions of the MCP routes (see ../api/openapi/registry.ts); the run route is declared
// once in the contract (mcpRunWorkflowRoute, src/contract/workflows.ts).
import { z } from 'zod';
import { mcpWorkflowListResponseSchema } from '../../contract/workflows';
import { API_KEY_ERRORS, RATE_LIMIT_HEADERS } from '../openapi/common';
import { describeRoute } from '../openapi/registry';

/** A JSON-RPC 2.0 error answer of the MCP transport. */
const jsonRpcErrorSchema = z.object({
  jsonrpc: z.literal('2.0'),
  id: z.union([z.string(), z.number(), z.null()]),
  error: z.object({ code: z.number().int(), message: z.string(), data: z.unknown().optional() }),
});

describeRoute({
  method: 'all', path: '/mcp', summary: 'MCP server (Streamable HTTP) for agents', tags: ['MCP'],
  auth: { description: 'x-api-key or Authorization: Bearer <API key>.' },
  description: 'POST carries JSON-RPC messages (send `Accept: application/json, text/event-stream`); the answer is an event stream whose `message` events are JSON-RPC responses.',
  // Streamable HTTP: GET (an event stream) and DELETE (end a session) answer 405 in stateless mode.
  methods: ['post'],
  ownBody: true,
  body: z.record(z.string(), z.unknown()).describe('A JSON-RPC 2.0 request or notification.'),
  responses: {
    200: { description: 'An event stream of JSON-RPC responses.', contentType: 'text/event-stream' },
    202: { description: 'A notification was accepted (no response).' },
    400: { description: 'A JSON-RPC error: the message is not valid JSON-RPC (-32700 for invalid JSON), or it nests deeper than the JSON depth limit (-32602, `data.code` INVALID_INPUTS, `data.maxDepth`).', body: jsonRpcErrorSchema },
    406: { description: 'A JSON-RPC error: the client must accept both application/json and text/event-stream.', body: jsonRpcErrorSchema },
    ...API_KEY_ERRORS,
  },
});
describeRoute({
  method: 'get', path: '/api/mcp/workflows', summary: 'Workflows for MCP agents', tags: ['MCP'], auth: 'apiKey',
  responses: { 200: { description: 'The account’s workflows the key may run.', body: mcpWorkflowListResponseSchema, headers: RATE_LIMIT_HEADERS }, ...API_KEY_ERRORS },
});
