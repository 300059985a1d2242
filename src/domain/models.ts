// The model catalog: which provider serves a model, what one call costs, and the tier it needs.
// Vendor models (`replicate:…`, `fal:…`) outside the catalog run at their provider's default price and tier.
import type { ModelSpec, UsagePricing } from '../nodes/types';
import { TIERS, type Tier } from '../contract/statuses';
import { parseVendorModel, type VendorProvider } from './vendorModels';

export type { MediaKind, ModelFit, ModelKind, ModelSpec, UsagePricing } from '../nodes/types';

/** Plan tiers, lowest first (defined in the public contract). */
export { TIERS, type Tier };

/** The base credits of a usage-priced call at its maximum: what a run holds for it. */
export function usageCeiling(pricing: UsagePricing): number {
  return pricing.unit === 'tokens'
    ? (pricing.maxInputTokens / 1000) * pricing.inputPer1k + (pricing.maxOutputTokens / 1000) * pricing.outputPer1k
    : pricing.perSecond * pricing.maxSeconds;
}

const SDXL_LIGHTNING_USAGE: UsagePricing = { unit: 'seconds', perSecond: 1, maxSeconds: 5 };
const GPT_41_MINI_USAGE: UsagePricing = { unit: 'tokens', inputPer1k: 0.5, outputPer1k: 2, maxInputTokens: 8_000, maxOutputTokens: 4_000 };

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
  // Priced per token: holds 12 credits (8,000 input and 4,000 output tokens), captures what the usage report says.
  { id: 'gpt-4.1-mini', kind: 'text', provider: 'openai', credits: usageCeiling(GPT_41_MINI_USAGE), minTier: 'pro', async: false, pollable: true, label: 'GPT-4.1 mini (priced per token)', usage: GPT_41_MINI_USAGE },
  { id: 'gpt-4.1', kind: 'text', provider: 'openai', credits: 10, minTier: 'business', async: false, pollable: true, label: 'GPT-4.1' },
  { id: 'gpt-image-1', kind: 'image', provider: 'openai-images', credits: 8, minTier: 'pro', async: false, pollable: true, label: 'OpenAI gpt-image-1' },
  { id: 'dall-e-3', kind: 'image', provider: 'openai-images', credits: 8, minTier: 'pro', async: false, pollable: true, label: 'OpenAI DALL·E 3' },
  // Known vendor models, priced and tiered here; any other replicate:/fal: name runs at its provider's defaults.
  { id: 'replicate:black-forest-labs/flux-schnell', kind: 'image', provider: 'replicate', credits: 3, minTier: 'pro', async: true, pollable: true, label: 'FLUX.1 [schnell] on Replicate' },
  { id: 'replicate:black-forest-labs/flux-dev', kind: 'image', provider: 'replicate', credits: 6, minTier: 'pro', async: true, pollable: true, label: 'FLUX.1 [dev] on Replicate' },
  // Priced per second of Replicate run time (`metrics.predict_time`): holds 5 credits (5 s); a job still running past them is cancelled.
  { id: 'replicate:bytedance/sdxl-lightning-4step', kind: 'image', provider: 'replicate', credits: usageCeiling(SDXL_LIGHTNING_USAGE), minTier: 'pro', async: true, pollable: true, label: 'SDXL-Lightning (4 steps) on Replicate, priced per second', usage: SDXL_LIGHTNING_USAGE },
  { id: 'replicate:minimax/video-01', kind: 'video', provider: 'replicate', credits: 60, minTier: 'business', async: true, pollable: true, label: 'MiniMax Video-01 on Replicate' },
  { id: 'fal:fal-ai/flux/schnell', kind: 'image', provider: 'fal', credits: 3, minTier: 'pro', async: true, pollable: true, label: 'FLUX.1 [schnell] on fal' },
  { id: 'fal:fal-ai/flux/dev', kind: 'image', provider: 'fal', credits: 6, minTier: 'pro', async: true, pollable: true, label: 'FLUX.1 [dev] on fal' },
  { id: 'fal:fal-ai/kling-video/v1/standard/text-to-video', kind: 'video', provider: 'fal', credits: 50, minTier: 'business', async: true, pollable: true, label: 'Kling 1.0 text-to-video on fal' },
];

/** Price and tier of vendor models the catalog does not list, per provider (set from config). */
export type VendorDefaults = Readonly<Record<VendorProvider, { credits: number; minTier: Tier }>>;

/** The defaults when config names none: REPLICATE_DEFAULT_CREDITS / FAL_DEFAULT_CREDITS document these. */
export const DEFAULT_VENDOR_DEFAULTS: VendorDefaults = {
  replicate: { credits: 10, minTier: 'pro' },
  fal: { credits: 10, minTier: 'pro' },
};

const LABELS: Readonly<Record<VendorProvider, string>> = { replicate: 'Replicate', fal: 'fal' };
const BY_ID = new Map(MODELS.map((model) => [model.id, model]));

/** The model with this id (a catalog entry, or any well-formed vendor model at its provider's defaults), or undefined. */
export function findModel(id: string, vendorDefaults: VendorDefaults = DEFAULT_VENDOR_DEFAULTS): ModelSpec | undefined {
  const known = BY_ID.get(id);
  if (known) return known;
  const parsed = parseVendorModel(id);
  if (!parsed || 'problem' in parsed) return undefined;
  const provider = parsed.model.provider;
  return { id, kind: 'media', provider, ...vendorDefaults[provider], async: true, pollable: true, label: `${id.slice(provider.length + 1)} on ${LABELS[provider]}`, defaultPriced: true };
}

/** Why `id` names no model: a malformed vendor name, an unknown provider prefix, or simply unknown. */
export function modelProblem(id: string): string {
  const parsed = parseVendorModel(id);
  return parsed && 'problem' in parsed ? parsed.problem : `Unknown model "${id}".`;
}

/** True when `tier` is at least `required`. */
export function tierAllows(tier: Tier, required: Tier): boolean {
  return TIERS.indexOf(tier) >= TIERS.indexOf(required);
}
