// OpenAPI descriptions of the MCP routes (see ../api/openapi/registry.ts).
import { z } from 'zod';
import { API_KEY_ERRORS, errorResponse, RATE_LIMIT_HEADERS } from '../api/openapi/common';
import { describeRoute } from '../api/openapi/registry';
import { idempotencyKeyHeaderSchema } from '../api/idempotency';
import { runQuerySchema } from '../api/workflows/schema';

const ok = (description: string) => ({
  description,
  body: z.object({ success: z.literal(true) }).catchall(z.unknown()),
  headers: RATE_LIMIT_HEADERS,
});

describeRoute({
  method: 'all', path: '/mcp', summary: 'MCP server (Streamable HTTP) for agents', tags: ['MCP'],
  auth: { description: 'x-api-key or Authorization: Bearer <API key>.' },
  // Streamable HTTP: POST carries JSON-RPC messages; GET (an event stream) and DELETE (end a session) answer 405 in stateless mode.
  methods: ['post'],
  responses: { 200: { description: 'MCP JSON-RPC / event stream.' }, ...API_KEY_ERRORS },
});
describeRoute({
  method: 'get', path: '/api/mcp/workflows', summary: 'Workflows for MCP agents', tags: ['MCP'], auth: 'apiKey',
  responses: { 200: ok('The account’s workflows.'), ...API_KEY_ERRORS },
});
describeRoute({
  method: 'post', path: '/api/mcp/workflows/:slug/run', summary: 'Run a workflow as an MCP agent (trigger mcp / user-mcp)', tags: ['MCP'],
  auth: 'apiKey', params: z.object({ slug: z.string() }), query: runQuerySchema, headers: z.object({ 'idempotency-key': idempotencyKeyHeaderSchema }),
  body: z.object({ inputs: z.record(z.string(), z.unknown()) }).catchall(z.unknown()),
  responses: { 202: ok('Admitted.'), 200: ok('Completed.'), 400: errorResponse('INVALID_INPUTS.'), 402: errorResponse('INSUFFICIENT_CREDITS or grant_exhausted.'), 403: errorResponse('CAPABILITY_DENIED.'), 404: errorResponse('No such workflow.'), ...API_KEY_ERRORS },
});
