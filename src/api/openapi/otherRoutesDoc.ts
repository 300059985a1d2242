// Descriptions of routes whose modules do not call describeRoute() themselves yet (executions,
// webhooks, provider callbacks, MCP). Owners: move each next to its route (a later description
// of the same method + path replaces the one here), then delete it from this file.
import { z } from 'zod';
import { API_KEY_ERRORS, errorResponse, RATE_LIMIT_HEADERS } from './common';
import { describeRoute } from './registry';

const ok = (description: string) => ({
  description,
  body: z.object({ success: z.literal(true) }).catchall(z.unknown()),
  headers: RATE_LIMIT_HEADERS,
});
const id = z.object({ id: z.string().describe('The execution id.') });

describeRoute({
  method: 'get', path: '/api/executions', summary: 'List your runs', tags: ['Executions'], auth: 'apiKey',
  responses: { 200: ok('Recent executions.'), 400: errorResponse('INVALID_REQUEST.'), ...API_KEY_ERRORS },
});
describeRoute({
  method: 'get', path: '/api/executions/:id', summary: 'A run and its steps', tags: ['Executions'], auth: 'apiKey', params: id,
  description: 'Status, output, credits used, duration, error, and each step’s status, attempts, output and error.',
  responses: { 200: ok('The execution.'), 404: errorResponse('No such execution in your account.'), ...API_KEY_ERRORS },
});
describeRoute({
  method: 'get', path: '/api/executions/:id/events', summary: 'Live step status and tokens (Server-Sent Events)', tags: ['Executions'],
  auth: 'apiKey', params: id,
  description: 'Resumable with Last-Event-ID.',
  responses: { 200: { description: 'An event stream.', contentType: 'text/event-stream' }, 404: errorResponse('No such execution.'), ...API_KEY_ERRORS },
});
describeRoute({
  method: 'post', path: '/api/executions/:id/cancel', summary: 'Cancel a run', tags: ['Executions'], auth: 'apiKey', params: id,
  responses: { 200: ok('Cancellation requested or already settled.'), 404: errorResponse('No such execution.'), ...API_KEY_ERRORS },
});
describeRoute({
  method: 'post', path: '/api/executions/:id/replay', summary: 'Replay a run in full or from a step', tags: ['Executions'], auth: 'apiKey',
  params: id, body: z.object({ fromStepId: z.string().optional() }).catchall(z.unknown()),
  responses: { 202: ok('The replay was admitted.'), 400: errorResponse('INVALID_REQUEST.'), 402: errorResponse('INSUFFICIENT_CREDITS.'), 404: errorResponse('No such execution.'), ...API_KEY_ERRORS },
});
describeRoute({
  method: 'post', path: '/api/hooks/:token', summary: 'Webhook Trigger: start a workflow from an inbound event', tags: ['Webhooks'],
  auth: { description: 'The secret token in the URL (and an optional signature).' },
  params: z.object({ token: z.string() }),
  responses: { 202: ok('The run was admitted.'), 401: errorResponse('Bad signature.'), 404: errorResponse('Unknown token.') },
});
describeRoute({
  method: 'get', path: '/api/workflows/:slug/webhooks', summary: 'A workflow’s Webhook Trigger URLs', tags: ['Webhooks'], auth: 'apiKey',
  params: z.object({ slug: z.string() }),
  responses: { 200: ok('The trigger URLs.'), 404: errorResponse('No such workflow.'), ...API_KEY_ERRORS },
});
describeRoute({
  method: 'post', path: '/api/providers/callbacks/:executionId/:stepId', summary: 'Async media provider result callback', tags: ['Providers'],
  auth: { description: 'Signed by the provider.' },
  params: z.object({ executionId: z.string(), stepId: z.string() }),
  responses: { 200: ok('Delivered to the waiting step.'), 400: errorResponse('INVALID_REQUEST.'), 401: errorResponse('Bad signature.'), 404: errorResponse('No such waiting step.') },
});
describeRoute({
  method: 'all', path: '/mcp', summary: 'MCP server (Streamable HTTP) for agents', tags: ['MCP'],
  auth: { description: 'x-api-key or Authorization: Bearer <API key>.' },
  responses: { 200: { description: 'MCP JSON-RPC / event stream.' }, ...API_KEY_ERRORS },
});
describeRoute({
  method: 'get', path: '/api/mcp/workflows', summary: 'Workflows for MCP agents', tags: ['MCP'], auth: 'apiKey',
  responses: { 200: ok('The account’s workflows.'), ...API_KEY_ERRORS },
});
describeRoute({
  method: 'post', path: '/api/mcp/workflows/:slug/run', summary: 'Run a workflow as an MCP agent (trigger mcp / user-mcp)', tags: ['MCP'],
  auth: 'apiKey', params: z.object({ slug: z.string() }), body: z.object({ inputs: z.record(z.string(), z.unknown()) }).catchall(z.unknown()),
  responses: { 202: ok('Admitted.'), 200: ok('Completed.'), 400: errorResponse('INVALID_INPUTS.'), 402: errorResponse('INSUFFICIENT_CREDITS or grant_exhausted.'), 403: errorResponse('CAPABILITY_DENIED.'), 404: errorResponse('No such workflow.'), ...API_KEY_ERRORS },
});
