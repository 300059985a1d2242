// PRIVATE_NETWORK_ALLOWLIST, parsed: `host:port` entries (a name or an IP, IPv6 in brackets) and
// CIDR ranges that the guarded fetch (./guardedFetch.ts) may reach although they are private.
import ipaddr from 'ipaddr.js';

/** Thrown for an entry that is neither `host:port` nor a CIDR range. */
export class AllowlistEntryInvalid extends Error {
  override readonly name = 'AllowlistEntryInvalid';
}

/** A parsed allowlist. */
export interface NetworkAllowlist {
  /** `host:port`, host lowercased, IPv6 without brackets. */
  hostPorts: ReadonlySet<string>;
  ranges: ReadonlyArray<[ipaddr.IPv4 | ipaddr.IPv6, number]>;
}

/** Parses the entries; throws AllowlistEntryInvalid naming the first bad one. */
export function parseAllowlist(entries: readonly string[]): NetworkAllowlist {
  const hostPorts = new Set<string>();
  const ranges: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]> = [];
  for (const raw of entries) {
    const entry = raw.trim();
    if (!entry) continue;
    if (entry.includes('/')) {
      try {
        ranges.push(ipaddr.parseCIDR(entry));
        continue;
      } catch {
        throw new AllowlistEntryInvalid(`PRIVATE_NETWORK_ALLOWLIST entry "${entry}" is not a valid CIDR range.`);
      }
    }
    const match = /^(\[[0-9a-f:.]+\]|[^:\s/]+):(\d{1,5})$/i.exec(entry);
    if (!match || Number(match[2]) > 65535) throw new AllowlistEntryInvalid(`PRIVATE_NETWORK_ALLOWLIST entry "${entry}" is neither host:port nor a CIDR range.`);
    hostPorts.add(`${match[1]!.replace(/^\[|\]$/g, '').toLowerCase()}:${Number(match[2])}`);
  }
  return { hostPorts, ranges };
}
