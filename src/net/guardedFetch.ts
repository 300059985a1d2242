// The one door for outbound requests to URLs a user or a vendor handed us: HTTP Request nodes,
// result callbacks, vendor output downloads. A name is resolved once, every address it resolves to
// must be publicly routable (ipaddr.js's classification: loopback, private, link-local and metadata
// services, unique-local, CGNAT, multicast, unspecified, reserved, and the IPv4 inside mapped,
// NAT64 and 6to4 IPv6 addresses), and the connection goes to the address that was checked: the
// check runs inside the connection's own lookup, so there is no second lookup a rebinding DNS server
// could answer differently. IP literals in any spelling (`2130706433`, `127.1`, `0177.0.0.1`,
// `[::ffff:127.0.0.1]`) reach us normalized by the URL parser and are checked before connecting.
// Redirects are followed by hand (at most 5), each hop checked the same way. A refused address
// receives no packet. PRIVATE_NETWORK_ALLOWLIST names exceptions; ALLOW_PRIVATE_NETWORKS=true
// turns the guard off (local work).
import { lookup as dnsLookup } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { AllowlistEntryInvalid, parseAllowlist, type NetworkAllowlist } from './networkAllowlist';
import { Agent, Headers, fetch as undiciFetch, type Dispatcher, type HeadersInit, type RequestInit, type Response } from 'undici';

/** What a guarded request answers (undici's Response: the same interface as the global one). */
export type GuardedResponse = Response;

/** Where outbound requests may go. */
export interface NetworkPolicy {
  /** ALLOW_PRIVATE_NETWORKS: everything may be reached (local work only). */
  allowPrivateNetworks: boolean;
  /** PRIVATE_NETWORK_ALLOWLIST: `host:port` or CIDR entries that may be reached although private. */
  allowlist?: readonly string[];
}

export { AllowlistEntryInvalid };

/** The policy of production: nothing private. */
export const PUBLIC_ONLY: NetworkPolicy = { allowPrivateNetworks: false };

/** Thrown when a URL's host is (or resolves to) an address the policy refuses; nothing was sent to it. */
export class PrivateNetworkRefused extends Error {
  override readonly name = 'PrivateNetworkRefused';
  constructor(
    readonly host: string,
    readonly address: string,
    readonly range: string,
  ) {
    super(`Refused to connect to "${host}": it ${host === address ? 'is' : `resolves to ${address}, which is`} a ${describeRange(range)} address, and private networks are not reachable from here (PRIVATE_NETWORK_ALLOWLIST names exceptions).`);
  }
}

/** Resolves a name to all its addresses (injectable, so tests can play a rebinding DNS server). */
export type ResolveAll = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

const systemResolveAll: ResolveAll = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));

/** Options of one guarded request, on top of fetch's own. */
export interface GuardedInit extends Omit<RequestInit, 'redirect' | 'dispatcher'> {
  /** Redirects followed, each checked (default 5); `0` returns the 3xx as it is. */
  maxRedirects?: number;
  /** Whole request, headers and body, in ms (default 10 minutes). */
  totalTimeoutMs?: number;
  /** Bytes of body read at most; the body stream errors past it (default: no limit here, the caller's). */
  maxBytes?: number;
}

/** Timeouts of every guarded connection. */
const CONNECT_TIMEOUT_MS = 10_000;
const IDLE_TIMEOUT_MS = 60_000;
const DEFAULT_TOTAL_TIMEOUT_MS = 10 * 60_000;

/** A guard for one policy: its parsed allowlist and its two connection pools (checked, and allowlisted). */
export class OutboundGuard {
  private readonly allowlist: NetworkAllowlist;
  private readonly checked: Agent;
  private readonly open: Agent;

  constructor(
    readonly policy: NetworkPolicy,
    private readonly resolveAll: ResolveAll = systemResolveAll,
  ) {
    this.allowlist = parseAllowlist(policy.allowlist ?? []);
    const lookup: LookupFunction = (hostname, options, callback) => {
      this.resolveChecked(hostname).then(
        ({ address, family }) => (options.all ? callback(null, [{ address, family }]) : callback(null, address, family)),
        (err: Error) => callback(err as NodeJS.ErrnoException, '', 0),
      );
    };
    const timeouts = { headersTimeout: IDLE_TIMEOUT_MS, bodyTimeout: IDLE_TIMEOUT_MS };
    this.checked = new Agent({ ...timeouts, connect: { timeout: CONNECT_TIMEOUT_MS, lookup } });
    this.open = new Agent({ ...timeouts, connect: { timeout: CONNECT_TIMEOUT_MS } });
  }

  /** Why `address` may not be reached (its range), or undefined when it may. */
  refusalOf(address: string): string | undefined {
    if (this.policy.allowPrivateNetworks) return undefined;
    let parsed: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      parsed = ipaddr.process(address.replace(/^\[|\]$/g, '').replace(/%.*$/, ''));
    } catch {
      return 'unparseable';
    }
    if (this.allowlist.ranges.some(([network, bits]) => network.kind() === parsed.kind() && parsed.match(network, bits))) return undefined;
    const range = parsed.range();
    if (range === 'unicast') return undefined;
    // IPv6 forms that carry an IPv4 address: judge the IPv4 inside.
    if (parsed.kind() === 'ipv6' && (range === 'rfc6052' || range === '6to4')) {
      const bytes = (parsed as ipaddr.IPv6).toByteArray();
      const inner = range === '6to4' ? bytes.slice(2, 6) : bytes.slice(12, 16);
      const refusal = this.refusalOf(inner.join('.'));
      return refusal === undefined ? undefined : `${range} (${refusal})`;
    }
    return range;
  }

  /** Throws PrivateNetworkRefused when the URL's host is an IP literal the policy refuses. */
  assertLiteralAllowed(url: URL): void {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!isIP(host) || this.allowlisted(url)) return;
    const refusal = this.refusalOf(host);
    if (refusal !== undefined) throw new PrivateNetworkRefused(host, host, refusal);
  }

  /**
   * Checks a URL without sending anything: an IP literal by itself, a name by resolving it. For
   * refusing a callback URL at admission; the request itself checks again, inside its connection.
   */
  async check(url: URL): Promise<void> {
    if (this.policy.allowPrivateNetworks || this.allowlisted(url)) return;
    this.assertLiteralAllowed(url);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!isIP(host)) await this.resolveChecked(host);
  }

  /**
   * fetch through the guard: http(s) only, redirects followed by hand (each hop checked, credentials
   * dropped across origins, 303 and a redirected POST become GET), timeouts and a byte limit.
   */
  async fetch(input: string | URL, init: GuardedInit = {}): Promise<Response> {
    const { maxRedirects = 5, totalTimeoutMs = DEFAULT_TOTAL_TIMEOUT_MS, maxBytes, signal, ...rest } = init;
    const total = AbortSignal.timeout(totalTimeoutMs);
    const combined = signal ? AbortSignal.any([signal, total]) : total;
    const headers = new Headers(rest.headers as HeadersInit | undefined);
    let method = (rest.method ?? 'GET').toUpperCase();
    let body = rest.body;
    let url = parseHttpUrl(input);
    for (let hop = 0; ; hop++) {
      this.assertLiteralAllowed(url);
      let response: Response;
      try {
        response = await undiciFetch(url, { ...rest, method, headers, body, signal: combined, redirect: 'manual', dispatcher: this.dispatcherFor(url) });
      } catch (err) {
        throw refusalInside(err) ?? err;
      }
      const location = response.headers.get('location');
      if (!REDIRECTS.has(response.status) || !location || maxRedirects === 0) return maxBytes === undefined ? response : limitBody(response, maxBytes);
      await response.body?.cancel().catch(() => undefined);
      if (hop >= maxRedirects) throw new TooManyRedirects(maxRedirects);
      const next = parseHttpUrl(new URL(location, url).href);
      if (next.origin !== url.origin) {
        headers.delete('authorization');
        headers.delete('cookie');
      }
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
        if (method !== 'HEAD') method = 'GET';
        body = undefined;
        headers.delete('content-type');
      }
      url = next;
    }
  }

  /** Closes the connection pools. */
  async close(): Promise<void> {
    await Promise.all([this.checked.close(), this.open.close()]);
  }

  private dispatcherFor(url: URL): Dispatcher {
    return this.policy.allowPrivateNetworks || this.allowlisted(url) ? this.open : this.checked;
  }

  private allowlisted(url: URL): boolean {
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    return this.allowlist.hostPorts.has(`${host}:${port}`);
  }

  /** Resolves once and returns the first address, all of them checked; throws PrivateNetworkRefused or the DNS error. */
  private async resolveChecked(hostname: string): Promise<{ address: string; family: number }> {
    const host = hostname.replace(/^\[|\]$/g, '');
    // RFC 6761: localhost and its subdomains are loopback whatever a resolver says (`localhost.` included).
    if (!this.policy.allowPrivateNetworks && /^(.+\.)?localhost\.*$/i.test(host)) throw new PrivateNetworkRefused(host, '127.0.0.1', 'loopback');
    const addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await this.resolveAll(host);
    if (addresses.length === 0) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    for (const { address } of addresses) {
      const refusal = this.refusalOf(address);
      if (refusal !== undefined) throw new PrivateNetworkRefused(host, address, refusal);
    }
    return addresses[0]!;
  }
}

/** Thrown after more redirects than allowed. */
export class TooManyRedirects extends Error {
  override readonly name = 'TooManyRedirects';
  constructor(readonly maxRedirects: number) {
    super(`Too many redirects (more than ${maxRedirects}).`);
  }
}

/** Thrown when a body passes the byte limit of a guarded request. */
export class ResponseTooLarge extends Error {
  override readonly name = 'ResponseTooLarge';
  constructor(readonly maxBytes: number) {
    super(`The response body exceeds ${maxBytes} bytes.`);
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

const guards = new WeakMap<NetworkPolicy, OutboundGuard>();
/** The guard of a policy (one per policy object, so its connection pools are shared). */
export function outboundGuard(policy: NetworkPolicy): OutboundGuard {
  let guard = guards.get(policy);
  if (!guard) guards.set(policy, (guard = new OutboundGuard(policy)));
  return guard;
}

function parseHttpUrl(input: string | URL): URL {
  const url = new URL(input);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`Unsupported URL scheme "${url.protocol}" (only http and https).`);
  return url;
}

/** The PrivateNetworkRefused behind a failed fetch (the connection's lookup threw it), if that is why it failed. */
function refusalInside(err: unknown): PrivateNetworkRefused | undefined {
  for (let cause: unknown = err, depth = 0; cause && depth < 5; cause = (cause as { cause?: unknown }).cause, depth++) {
    if (cause instanceof PrivateNetworkRefused) return cause;
  }
  return undefined;
}

/** The response with a body that errors once more than `maxBytes` arrived. */
function limitBody(response: Response, maxBytes: number): Response {
  if (!response.body) return response;
  let seen = 0;
  const counted = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > maxBytes) controller.error(new ResponseTooLarge(maxBytes));
        else controller.enqueue(chunk);
      },
    }),
  );
  const limited = new (response.constructor as typeof Response)(counted as never, { status: response.status, statusText: response.statusText, headers: response.headers });
  Object.defineProperty(limited, 'url', { value: response.url });
  return limited;
}

function describeRange(range: string): string {
  const names: Record<string, string> = {
    loopback: 'loopback',
    private: 'private',
    linkLocal: 'link-local (metadata services live here)',
    uniqueLocal: 'unique-local',
    carrierGradeNat: 'carrier-grade NAT',
    multicast: 'multicast',
    unspecified: 'unspecified',
    broadcast: 'broadcast',
    reserved: 'reserved',
  };
  return names[range] ?? `non-public (${range})`;
}
