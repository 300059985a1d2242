// Note: a comment on the canvas; never runs.
import { z } from 'zod';
import { NO_RETRY, type NodeModule } from './types';

/** The Note node type. */
export const note: NodeModule = {
  type: 'note',
  label: 'Note',
  executable: false,
  source: false,
  inputs: [],
  variadicInputs: false,
  outputs: () => [],
  config: z.record(z.string(), z.unknown()),
  retry: NO_RETRY,
  timeoutMs: 1_000,
  execution: () => ({ kind: 'inline' }),
};
