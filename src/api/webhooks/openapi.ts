// OpenAPI descriptions of the webhook routes (see ../openapi/registry.ts).
import { z } from 'zod';
import { slugParamsSchema, webhookAcceptedSchema, webhookListResponseSchema } from '../../contract/workflows';
import { API_KEY_ERRORS, errorResponse, RATE_LIMIT_HEADERS } from '../openapi/common';
import { describeRoute } from '../openapi/registry';

describeRoute({
  method: 'post', path: '/api/hooks/:token', summary: 'Webhook Trigger: start a workflow from an inbound event', tags: ['Webhooks'],
  auth: { description: 'The secret token in the URL (and, when the node has a secret, X-Webhook-Timestamp and X-Webhook-Signature).' },
  description: 'Any body and content type (at most 1 MiB): JSON bodies reach the run as values, others as text, with the request headers.',
  params: z.object({ token: z.string().describe('The URL token of one Webhook Trigger node.') }),
  ownBody: true,
  responses: {
    202: { description: 'The run was admitted.', body: webhookAcceptedSchema },
    400: errorResponse('INVALID_JSON (declared JSON but is not) or INVALID_INPUTS.'),
    401: errorResponse('WEBHOOK_SIGNATURE_MISSING, WEBHOOK_SIGNATURE_INVALID, WEBHOOK_TIMESTAMP_INVALID or WEBHOOK_TIMESTAMP_STALE.'),
    402: errorResponse('INSUFFICIENT_CREDITS or grant_exhausted.'),
    403: errorResponse('ACCOUNT_NOT_APPROVED or MODEL_TIER_REQUIRED.'),
    404: errorResponse('Unknown token.'),
    413: errorResponse('PAYLOAD_TOO_LARGE: the body is over 1 MiB.'),
    422: errorResponse('INVALID_WORKFLOW: the canvas cannot be planned.'),
  },
});
describeRoute({
  method: 'get', path: '/api/workflows/:slug/webhooks', summary: 'A workflow’s Webhook Trigger URLs', tags: ['Webhooks'], auth: 'apiKey',
  params: slugParamsSchema,
  responses: {
    200: { description: 'The trigger URLs.', body: webhookListResponseSchema, headers: RATE_LIMIT_HEADERS },
    403: errorResponse('CAPABILITY_DENIED: the key may not run this workflow.'),
    404: errorResponse('No such workflow.'),
    ...API_KEY_ERRORS,
  },
});
