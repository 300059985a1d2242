// Result callback URLs: http(s) only, and never loopback or private addresses unless allowed
// (ALLOW_PRIVATE_NETWORKS, or PRIVATE_NETWORK_ALLOWLIST naming them).
// Checked by the run route at admission and by the callback activity before each delivery.
import { outboundGuard, PrivateNetworkRefused, type NetworkPolicy } from '../net/guardedFetch';

/** Thrown when a callback URL may not be used; the message says why. */
export class CallbackUrlError extends Error {
  override readonly name = 'CallbackUrlError';
}

/** Longest callback URL accepted. */
export const MAX_CALLBACK_URL_LENGTH = 2048;

/**
 * Checks a callback URL: absolute http(s), no credentials, and (unless the policy allows private
 * networks or allowlists it) a host whose every address is public, so a callback cannot be aimed
 * at our own network. Called at admission (a refusal is a 400 naming the host) and again by the
 * delivery, whose guarded fetch checks the address it connects to.
 */
export async function checkCallbackUrl(raw: string, network: NetworkPolicy): Promise<URL> {
  if (raw.length > MAX_CALLBACK_URL_LENGTH) throw new CallbackUrlError(`callbackUrl must be at most ${MAX_CALLBACK_URL_LENGTH} characters.`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CallbackUrlError('callbackUrl must be an absolute http(s) URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CallbackUrlError('callbackUrl must use http or https.');
  if (url.username || url.password) throw new CallbackUrlError('callbackUrl must not carry credentials.');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  try {
    await outboundGuard(network).check(url);
  } catch (err) {
    if (err instanceof PrivateNetworkRefused) {
      throw new CallbackUrlError(`callbackUrl host "${host}" is a loopback or private address (${err.address}); callbacks must reach a public address.`);
    }
    throw new CallbackUrlError(`callbackUrl host "${host}" does not resolve.`);
  }
  return url;
}
