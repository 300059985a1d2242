// Response Output: its inputs become the run's output.
import { z } from 'zod';
import { responseOutputRun } from './inlineRuns';
import { NO_RETRY, type NodeModule } from './types';

const config = z.object({ wrap: z.boolean().optional() }).loose();

/** The Response Output node type: the single input's value, or an object of all inputs when there are several or `wrap: true`. */
export const responseOutput: NodeModule<z.infer<typeof config>> = {
  type: 'response-output',
  label: 'Response Output',
  executable: true,
  source: false,
  role: 'run-output',
  inputs: [],
  variadicInputs: true,
  outputs: () => [],
  config,
  retry: NO_RETRY,
  timeoutMs: 1_000,
  execution: () => ({ kind: 'inline' }),
  run: responseOutputRun,
};
