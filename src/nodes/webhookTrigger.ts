// Webhook Trigger: an inbound HTTP event starts the graph downstream; its body and headers are the outputs.
import { z } from 'zod';
import { runInputsRun } from './inlineRuns';
import { NO_RETRY, ports, type NodeModule } from './types';

const config = z.object({ secret: z.string().max(500).optional() }).loose();

/** The Webhook Trigger node type. Its `secret` stays on the canvas: the hook route reads it there. */
export const webhookTrigger: NodeModule<z.infer<typeof config>> = {
  type: 'webhook-trigger',
  label: 'Webhook Trigger',
  executable: true,
  source: true,
  role: 'webhook',
  inputs: [],
  variadicInputs: false,
  outputs: ports('body', 'headers'),
  config,
  secrets: ['secret'],
  retry: NO_RETRY,
  timeoutMs: 1_000,
  execution: () => ({ kind: 'inline' }),
  run: runInputsRun,
};
