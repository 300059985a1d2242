// OpenAPI descriptions of the webhook routes (see ../openapi/registry.ts).
import { z } from 'zod';
import { API_KEY_ERRORS, errorResponse, RATE_LIMIT_HEADERS } from '../openapi/common';
import { describeRoute } from '../openapi/registry';

const ok = (description: string) => ({
  description,
  body: z.object({ success: z.literal(true) }).catchall(z.unknown()),
  headers: RATE_LIMIT_HEADERS,
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
