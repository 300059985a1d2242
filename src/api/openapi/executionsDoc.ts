// Description of GET /api/executions/:id, kept here until src/api/executions/routes.ts calls
// describeRoute() itself (a later description of the same route replaces this one).
import { z } from 'zod';
import { API_KEY_ERRORS, errorResponse, RATE_LIMIT_HEADERS } from './common';
import { describeRoute } from './registry';

describeRoute({
  method: 'get',
  path: '/api/executions/:id',
  summary: 'A run and its steps',
  description: 'Status, output, credits used, duration, error, and each step’s status, attempts, output and error.',
  tags: ['Executions'],
  auth: 'apiKey',
  params: z.object({ id: z.string().describe('The execution id.') }),
  responses: {
    200: { description: 'The execution.', body: z.object({ success: z.literal(true), execution: z.record(z.string(), z.unknown()) }), headers: RATE_LIMIT_HEADERS },
    404: errorResponse('No such execution in your account.'),
    ...API_KEY_ERRORS,
  },
});
