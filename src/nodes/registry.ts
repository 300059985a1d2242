// Every node type, one module each. Adding a type: write its module, add it to NodeTypeId and here;
// the compiler then names whatever else must change (e.g. a new execution kind in the workflow).
import { audioGeneration } from './audioGeneration';
import { httpRequest } from './httpRequest';
import { imageGeneration } from './imageGeneration';
import { note } from './note';
import { requestInput } from './requestInput';
import { responseOutput } from './responseOutput';
import { template } from './template';
import { textGeneration } from './textGeneration';
import type { NodeModule, NodeRole } from './types';
import { videoGeneration } from './videoGeneration';
import { webhookTrigger } from './webhookTrigger';

/** The id of every node type. */
export type NodeTypeId =
  | 'request-input'
  | 'webhook-trigger'
  | 'text-generation'
  | 'image-generation'
  | 'video-generation'
  | 'audio-generation'
  | 'http-request'
  | 'template'
  | 'response-output'
  | 'note';

/** Every node type, by type id. */
export const NODE_MODULES = {
  'request-input': requestInput,
  'webhook-trigger': webhookTrigger,
  'text-generation': textGeneration,
  'image-generation': imageGeneration,
  'video-generation': videoGeneration,
  'audio-generation': audioGeneration,
  'http-request': httpRequest,
  template,
  'response-output': responseOutput,
  note,
  // Each module keeps its own config type (checked where it is declared); here, every type has a
  // module, with the parts of a node module that do not depend on that config type.
} satisfies Record<NodeTypeId, Omit<NodeModule, 'config' | 'execution' | 'price'>>;

/** Whether nodes of `type` play `role` in a run (false for an unknown type). */
export function nodeHasRole(type: string, role: NodeRole): boolean {
  return findNodeModule(type)?.role === role;
}

/** The module of a node type, or undefined for an unknown type (inherited object keys included). */
export function findNodeModule(type: string): NodeModule | undefined {
  return Object.hasOwn(NODE_MODULES, type) ? (NODE_MODULES[type as NodeTypeId] as unknown as NodeModule) : undefined;
}
