// API keys: generated secrets shown once, stored as SHA-256 hashes, with capabilities.
import { createHash, randomBytes } from 'node:crypto';

const KEY_PREFIX = 'bsk_';

/** A new key's secret, its hash (stored) and a display prefix. */
export function generateApiKey(): { secret: string; hash: string; prefix: string } {
  const secret = KEY_PREFIX + randomBytes(24).toString('base64url');
  return { secret, hash: hashApiKey(secret), prefix: secret.slice(0, 12) };
}

/** The stored form of a key. Keys are long random strings, so a plain SHA-256 suffices (no salt). */
export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Capability strings: `workflow:run` or `workflow:<slug>:run` (defined in the public contract). */
export { CAPABILITY_PATTERN } from '../contract/admin';

/** True when the capabilities allow running the workflow `slug`. */
export function canRunWorkflow(capabilities: readonly string[], slug: string): boolean {
  return capabilities.includes('workflow:run') || capabilities.includes(`workflow:${slug}:run`);
}
