/**
 * Where outgoing webhooks may go. A journey's webhook step names any URL, so without a
 * check it could reach the server's own network (127.0.0.1, 169.254.169.254 cloud
 * metadata, 10.x services) — server-side request forgery. Internal addresses are refused
 * unless the operator allows them (`TENURE_WEBHOOK_ALLOW`). The check is made on the
 * RESOLVED address, inside the socket's DNS lookup, so a name that resolves (or later
 * re-resolves) to an internal address is refused as well.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { fail, ok, type Failure, type Result } from '../lib/result.js';

/** Address ranges refused by default, each with the words used in the refusal. IPv4-mapped IPv6 (::ffff:a.b.c.d) matches the IPv4 ranges. */
const RANGES: Array<{ kind: string; v4: string[]; v6: string[] }> = [
  { kind: 'an unspecified', v4: ['0.0.0.0/8'], v6: ['::/128'] },
  { kind: 'a loopback', v4: ['127.0.0.0/8'], v6: ['::1/128'] },
  { kind: 'a link-local', v4: ['169.254.0.0/16'], v6: ['fe80::/10'] },
  { kind: 'a private', v4: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'], v6: ['fc00::/7'] },
  { kind: 'a multicast', v4: ['224.0.0.0/4'], v6: ['ff00::/8'] },
  { kind: 'a broadcast or reserved', v4: ['240.0.0.0/4'], v6: [] },
];

const BLOCKS = RANGES.map((r) => {
  const list = new BlockList();
  for (const c of r.v4) list.addSubnet(c.split('/')[0]!, Number(c.split('/')[1]), 'ipv4');
  for (const c of r.v6) list.addSubnet(c.split('/')[0]!, Number(c.split('/')[1]), 'ipv6');
  return { kind: r.kind, list };
});

/** What kind of internal address `ip` is ("a loopback", "a private", …), or null for a public one. */
export function internalKind(ip: string): string | null {
  const family = isIP(ip);
  if (family === 0) return null;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  return BLOCKS.find((b) => b.list.check(ip, type))?.kind ?? null;
}

/** One parsed `TENURE_WEBHOOK_ALLOW` entry. */
export type AllowEntry = { host: string } | { ip: string; prefix: number; family: 4 | 6 };

/**
 * Parse an allow list: comma-separated host names (matched exactly against the URL's
 * host, case-insensitive), IP addresses and CIDR ranges (matched against the resolved
 * address). Returns the entries, or the first bad entry with why.
 */
export function parseAllowList(text: string): Result<AllowEntry[], Failure<'bad_parameter'>> {
  const entries: AllowEntry[] = [];
  for (const raw of text.split(',')) {
    const item = raw
      .trim()
      .toLowerCase()
      .replace(/^\[(.*)\]$/, '$1');
    if (item === '') continue;
    const [addr, bits, extra] = item.split('/');
    const family = isIP(addr!);
    if (family !== 0) {
      const max = family === 4 ? 32 : 128;
      const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
      if (extra !== undefined || !(prefix >= 0 && prefix <= max)) return fail('bad_parameter', `"${raw.trim()}": the prefix length after "/" must be 0-${max}`);
      entries.push({ ip: addr!, prefix, family: family === 4 ? 4 : 6 });
    } else if (bits === undefined && /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/.test(item)) {
      entries.push({ host: item.replace(/\.$/, '') });
    } else {
      return fail('bad_parameter', `"${raw.trim()}" is neither a host name, an IP address nor a CIDR range (e.g. 127.0.0.1, 10.0.0.0/8, hooks.internal)`);
    }
  }
  return ok(entries);
}

/**
 * Thrown (inside the socket's lookup) when a destination is refused: a lookup can only fail
 * the connection, not return a value, so sendWebhook turns it into a permanent SendFailure.
 */
export class DestinationRefused extends Error {
  override name = 'DestinationRefused';
}

/** Decides which destinations webhooks may reach. */
export interface DestinationPolicy {
  /** Why `ip` (reached as `host`) is refused, or null when it may be reached. */
  refusal(host: string, ip: string): string | null;
  /** A DNS lookup for sockets that only answers allowed addresses (fails with DestinationRefused otherwise). */
  lookup: LookupFunction;
}

/** The policy: internal addresses refused except those `allow` names. */
export function destinationPolicy(allow: readonly AllowEntry[] = []): DestinationPolicy {
  const hosts = new Set(allow.flatMap((e) => ('host' in e ? [e.host] : [])));
  const nets = new BlockList();
  for (const e of allow) if ('ip' in e) nets.addSubnet(e.ip, e.prefix, e.family === 4 ? 'ipv4' : 'ipv6');
  const bare = (host: string) =>
    host
      .toLowerCase()
      .replace(/^\[(.*)\]$/, '$1')
      .replace(/\.$/, '');

  const refusal = (host: string, ip: string): string | null => {
    if (hosts.has(bare(host))) return null;
    const kind = internalKind(ip);
    if (!kind) return null;
    if (nets.check(ip, isIP(ip) === 4 ? 'ipv4' : 'ipv6')) return null;
    const via = bare(host) === ip ? '' : ` (${bare(host)})`;
    return `destination ${ip}${via} is ${kind} address; webhooks may not reach internal networks (allow it with TENURE_WEBHOOK_ALLOW)`;
  };

  const lookup = ((hostname: string, options: LookupOptions, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      const allowed = addresses.filter((a) => refusal(hostname, a.address) === null);
      if (allowed.length === 0) return callback(new DestinationRefused(refusal(hostname, addresses[0]!.address) ?? `no address for ${hostname}`), '');
      if (options.all) return callback(null, allowed);
      return callback(null, allowed[0]!.address, allowed[0]!.family);
    });
  }) as LookupFunction;

  return { refusal, lookup };
}
