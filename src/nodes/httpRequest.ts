// HTTP Request: an outbound call; a binary or large response body is stored as media.
import { z } from 'zod';
import { executableConfig, PROVIDER_RETRY, ports, type NodeModule } from './types';

const config = executableConfig.extend({
  method: z.string().regex(/^[A-Za-z]+$/).optional(),
  url: z.string().optional(),
  headers: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  body: z.string().optional(),
});

/** The HTTP Request node type. */
export const httpRequest: NodeModule<z.infer<typeof config>> = {
  type: 'http-request',
  label: 'HTTP Request',
  executable: true,
  source: false,
  inputs: [
    { name: 'url', required: true, satisfiedByConfig: 'url' },
    { name: 'body', required: false },
  ],
  variadicInputs: true,
  outputs: ports('status', 'headers', 'body'),
  mediaOutputs: ['body'],
  config,
  retry: PROVIDER_RETRY,
  timeoutMs: 30_000,
  execution: () => ({ kind: 'activity', activity: 'httpRequest' }),
};
