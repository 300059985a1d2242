// Vendor model names: `replicate:<owner>/<name>[:<version>]` and `fal:<endpoint-id>` name any of the
// vendors' thousands of models. Pure parsing; the catalog decides price and tier.

/** A parsed vendor model name. */
export type VendorModel =
  | { provider: 'replicate'; owner: string; name: string; version?: string }
  | { provider: 'fal'; endpointId: string };

/** Vendor prefixes the engine has adapters for. */
export const VENDOR_PREFIXES = ['replicate', 'fal'] as const;
export type VendorProvider = (typeof VENDOR_PREFIXES)[number];

// Replicate owners and model names: letters, digits, `-`, `_`, `.`; versions are 64 hex digits (its docs).
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const REPLICATE = /^([^/:]+)\/([^/:]+)(?::([^/:]+))?$/;
const REPLICATE_VERSION = /^[a-f0-9]{64}$/;

/** The vendor model `id` names, or why it is not one (undefined for a name without a prefix). */
export function parseVendorModel(id: string): { model: VendorModel } | { problem: string } | undefined {
  const colon = id.indexOf(':');
  if (colon <= 0) return undefined;
  const prefix = id.slice(0, colon);
  const rest = id.slice(colon + 1);
  if (prefix === 'replicate') {
    const match = REPLICATE.exec(rest);
    const [, owner = '', name = '', version] = match ?? [];
    if (!match || !SEGMENT.test(owner) || !SEGMENT.test(name)) {
      return { problem: `"${id}" is not a Replicate model name: expected replicate:<owner>/<name> or replicate:<owner>/<name>:<version>.` };
    }
    if (version !== undefined && !REPLICATE_VERSION.test(version)) {
      return { problem: `"${id}" has a malformed Replicate version: expected 64 lowercase hex digits.` };
    }
    return { model: { provider: 'replicate', owner, name, ...(version ? { version } : {}) } };
  }
  if (prefix === 'fal') {
    const segments = rest.split('/');
    if (segments.length < 2 || !segments.every((segment) => SEGMENT.test(segment))) {
      return { problem: `"${id}" is not a fal endpoint: expected fal:<owner>/<alias>[/<path>], e.g. fal:fal-ai/flux/dev.` };
    }
    return { model: { provider: 'fal', endpointId: rest } };
  }
  if (/^[a-z][a-z0-9-]*$/.test(prefix) && !/\s/.test(rest)) {
    return { problem: `Unknown model provider "${prefix}" in "${id}": the vendor prefixes are ${VENDOR_PREFIXES.map((p) => `${p}:`).join(' and ')}.` };
  }
  return undefined;
}
