// The one private-network guard for requests aimed at user-given URLs: HTTP Request nodes
// (./http.ts) and result callbacks (./callbackUrl.ts). A host passes when every address it
// resolves to is publicly routable, so neither can be pointed at the engine's own network.
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

// Ranges that are not publicly routable (RFC 6890 and friends). IPv4-mapped IPv6 addresses
// (::ffff:a.b.c.d) are matched against the IPv4 rules by BlockList itself; NAT64 and 6to4
// are refused whole because they embed an IPv4 address that may be private.
const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96], ['2002::', 16],
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv6');
}

/** True unless `ip` is a publicly routable IP literal; anything that is not an IP counts as private (fail closed). */
export function isPrivateAddress(ip: string): boolean {
  // Zone ids (fe80::1%eth0) only ever appear on link-local addresses.
  const address = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(address);
  if (family === 0) return true;
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** What {@link checkPublicHost} found: a public host, one that does not resolve, or one with a private address. */
export type HostCheck =
  | { verdict: 'public'; addresses: string[] }
  | { verdict: 'unresolved'; errorCode: string | undefined }
  | { verdict: 'private'; address: string };

/**
 * Resolves `hostname` (a URL's hostname; IPv6 brackets allowed) and checks every address it
 * resolves to. The caller fetches afterwards and the name is resolved again then: a rebinding DNS
 * server could still answer differently, which is why callers check again before each request.
 */
export async function checkPublicHost(hostname: string): Promise<HostCheck> {
  const host = hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);
    } catch (err) {
      return { verdict: 'unresolved', errorCode: (err as NodeJS.ErrnoException).code };
    }
  }
  if (addresses.length === 0) return { verdict: 'unresolved', errorCode: 'ENOTFOUND' };
  const blocked = addresses.find(isPrivateAddress);
  return blocked === undefined ? { verdict: 'public', addresses } : { verdict: 'private', address: blocked };
}
