// The model catalog: which provider serves a model, what one call costs, and the tier it needs.
import type { MediaKind } from './types';

export type { MediaKind } from './types';

/** Plan tiers, lowest first. */
export const TIERS = ['pro', 'business', 'enterprise'] as const;
export type Tier = (typeof TIERS)[number];

/** What a model produces. */
export type ModelKind = 'text' | MediaKind;

/** One model a node can be configured with. */
export interface ModelSpec {
  id: string;
  kind: ModelKind;
  /** Provider adapter id (`sandbox`, `openai`, …). */
  provider: string;
  /** Base credits per call, before tier pricing and markup. */
  credits: number;
  /** Lowest tier allowed to use the model. */
  minTier: Tier;
  /** Async models run as jobs: submitted, then called back or polled; pollable ones allow `?async=true`. */
  async: boolean;
  pollable: boolean;
  /** Shown wherever the model shows: the sandbox is a test mode, not a real model. */
  label: string;
}

/** Every model the engine knows. */
export const MODELS: readonly ModelSpec[] = [
  { id: 'sandbox-text', kind: 'text', provider: 'sandbox', credits: 1, minTier: 'pro', async: false, pollable: true, label: 'Sandbox text (test mode)' },
  { id: 'sandbox-text-large', kind: 'text', provider: 'sandbox', credits: 4, minTier: 'business', async: false, pollable: true, label: 'Sandbox large text (test mode)' },
  { id: 'sandbox-image', kind: 'image', provider: 'sandbox', credits: 5, minTier: 'pro', async: false, pollable: true, label: 'Sandbox image (test mode)' },
  { id: 'sandbox-image-hd', kind: 'image', provider: 'sandbox', credits: 12, minTier: 'enterprise', async: false, pollable: true, label: 'Sandbox HD image (test mode)' },
  { id: 'sandbox-video', kind: 'video', provider: 'sandbox', credits: 20, minTier: 'pro', async: true, pollable: true, label: 'Sandbox video (test mode)' },
  { id: 'sandbox-video-push', kind: 'video', provider: 'sandbox', credits: 20, minTier: 'pro', async: true, pollable: false, label: 'Sandbox callback-only video (test mode)' },
  { id: 'sandbox-audio', kind: 'audio', provider: 'sandbox', credits: 3, minTier: 'pro', async: false, pollable: true, label: 'Sandbox speech (test mode)' },
  { id: 'sandbox-audio-async', kind: 'audio', provider: 'sandbox', credits: 3, minTier: 'pro', async: true, pollable: true, label: 'Sandbox async speech (test mode)' },
  { id: 'gpt-4o-mini', kind: 'text', provider: 'openai', credits: 2, minTier: 'pro', async: false, pollable: true, label: 'GPT-4o mini' },
  { id: 'gpt-4.1', kind: 'text', provider: 'openai', credits: 10, minTier: 'business', async: false, pollable: true, label: 'GPT-4.1' },
];

const BY_ID = new Map(MODELS.map((model) => [model.id, model]));

/** The model with this id, or undefined. */
export function findModel(id: string): ModelSpec | undefined {
  return BY_ID.get(id);
}

/** True when `tier` is at least `required`. */
export function tierAllows(tier: Tier, required: Tier): boolean {
  return TIERS.indexOf(tier) >= TIERS.indexOf(required);
}
