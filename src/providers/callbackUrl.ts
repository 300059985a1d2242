// Result callback URLs: http(s) only, and never loopback or private addresses unless allowed.
// Checked by the run route at admission and by the callback activity before each delivery.
import { checkPublicHost } from './privateNetwork';

/** Thrown when a callback URL may not be used; the message says why. */
export class CallbackUrlError extends Error {
  override readonly name = 'CallbackUrlError';
}

/** Longest callback URL accepted. */
export const MAX_CALLBACK_URL_LENGTH = 2048;

/**
 * Checks a callback URL: absolute http(s), no credentials, and (unless `allowPrivateNetworks`)
 * a host whose every resolved address is public, so a callback cannot be aimed at our own network.
 * Called at admission and again before each delivery (DNS may change in between).
 */
export async function checkCallbackUrl(raw: string, allowPrivateNetworks: boolean): Promise<URL> {
  if (raw.length > MAX_CALLBACK_URL_LENGTH) throw new CallbackUrlError(`callbackUrl must be at most ${MAX_CALLBACK_URL_LENGTH} characters.`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CallbackUrlError('callbackUrl must be an absolute http(s) URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CallbackUrlError('callbackUrl must use http or https.');
  if (url.username || url.password) throw new CallbackUrlError('callbackUrl must not carry credentials.');
  if (allowPrivateNetworks) return url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const check = await checkPublicHost(host);
  if (check.verdict === 'unresolved') throw new CallbackUrlError(`callbackUrl host "${host}" does not resolve.`);
  if (check.verdict === 'private') {
    throw new CallbackUrlError(`callbackUrl host "${host}" is a loopback or private address; callbacks must reach a public address.`);
  }
  return url;
}
