// The shared shape of media generation node types (image, video, audio): a prompt in, one media
// reference out; sync models run as one activity, async ones as a job (the model catalog says which).
import { z } from 'zod';
import { executableConfig, PROVIDER_RETRY, ports, type MediaKind, type NodeModule } from './types';

/** Config every media generation node accepts, besides its own parameters. */
export const mediaConfig = executableConfig.extend({
  model: z.string().optional(),
  prompt: z.string().optional(),
  /** Async models: wait this long for a callback before polling, then poll at this interval. */
  pollAfterMs: z.number().positive().optional(),
  pollIntervalMs: z.number().positive().optional(),
});

/** A media node's parsed config: the common keys and its own parameters. */
export type MediaConfig = z.infer<typeof mediaConfig> & Record<string, unknown>;

/** Describes one media generation node type. */
export interface MediaNodeSpec<Shape extends z.ZodRawShape> {
  type: string;
  label: string;
  kind: MediaKind;
  /** The output port carrying the media reference. */
  port: string;
  defaultModel: string;
  /** The node's own parameters (width, height, durationMs, voice…), passed to the provider. */
  params: Shape;
  timeoutMs: number;
}

/** Builds a media generation node type from its spec. */
export function mediaGenerationNode<Shape extends z.ZodRawShape>(spec: MediaNodeSpec<Shape>): NodeModule<MediaConfig> {
  return {
    type: spec.type,
    label: spec.label,
    executable: true,
    source: false,
    inputs: [{ name: 'prompt', required: true, satisfiedByConfig: 'prompt' }],
    variadicInputs: true,
    outputs: ports(spec.port),
    mediaOutputs: [spec.port],
    produces: { kind: spec.kind, port: spec.port },
    // The node's parameters join the common media config; the step reads them back by name.
    config: mediaConfig.extend(spec.params) as unknown as z.ZodType<MediaConfig>,
    modelKind: spec.kind,
    defaultModel: spec.defaultModel,
    retry: PROVIDER_RETRY,
    timeoutMs: spec.timeoutMs,
    execution: (config, model) =>
      model?.async
        ? {
            kind: 'job',
            job: {
              provider: model.provider,
              pollable: model.pollable,
              ...(config.pollAfterMs !== undefined ? { pollAfterMs: config.pollAfterMs } : {}),
              ...(config.pollIntervalMs !== undefined ? { pollIntervalMs: config.pollIntervalMs } : {}),
            },
          }
        : { kind: 'activity', activity: 'generateMedia' },
  };
}
