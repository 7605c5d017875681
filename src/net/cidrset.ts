import ipaddr from 'ipaddr.js';
import { type Cidr, cidrContains, cidrCovers, type IpAddress, parseCidr } from './address.js';

/**
 * Sets of addresses as lists of CIDRs, for reasoning about access lists: "which addresses does
 * this list allow that are neither a trunk nor a trusted network?". Operations are exact; the
 * output is bounded by (number of subtracted prefixes x address bits).
 */

function cidrOf(addr: IpAddress, bits: number): Cidr {
  const bytes = addr.toByteArray();
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    bytes[i] = (bytes[i] ?? 0) & ((0xff << (8 - keep)) & 0xff);
  }
  const net = ipaddr.fromByteArray(bytes) as IpAddress;
  return { addr: net, bits, text: `${net.toString()}/${bits}` };
}

/** The two halves of a prefix (one bit longer). */
function halves(c: Cidr): [Cidr, Cidr] {
  const max = c.addr.kind() === 'ipv4' ? 32 : 128;
  if (c.bits >= max) throw new Error(`cannot split host prefix ${c.text}`);
  const bytes = c.addr.toByteArray();
  const low = cidrOf(c.addr, c.bits + 1);
  const byte = Math.floor(c.bits / 8);
  bytes[byte] = (bytes[byte] ?? 0) | (0x80 >> (c.bits % 8));
  const high = cidrOf(ipaddr.fromByteArray(bytes) as IpAddress, c.bits + 1);
  return [low, high];
}

function overlaps(a: Cidr, b: Cidr): boolean {
  return a.addr.kind() === b.addr.kind() && (cidrCovers(a, b) || cidrCovers(b, a));
}

/** Addresses in `from` that are in none of `minus`. */
export function subtract(from: Cidr[], minus: Cidr[]): Cidr[] {
  const out: Cidr[] = [];
  const work = [...from];
  while (work.length) {
    const c = work.pop()!;
    const hits = minus.filter((m) => overlaps(c, m));
    if (hits.length === 0) {
      out.push(c);
      continue;
    }
    if (hits.some((m) => cidrCovers(m, c))) continue;
    work.push(...halves(c));
  }
  return out.sort((a, b) => a.text.localeCompare(b.text));
}

/** Number of addresses as log2 (sum over the list). */
export function sizeLog2(list: Cidr[]): number {
  let total = 0;
  for (const c of list) total += 2 ** ((c.addr.kind() === 'ipv4' ? 32 : 128) - c.bits);
  return total > 0 ? Math.log2(total) : Number.NEGATIVE_INFINITY;
}

export function parseAll(texts: string[]): Cidr[] {
  return texts.map((t) => parseCidr(t)).filter((c): c is Cidr => c !== undefined);
}

/**
 * Address space that is not reachable from the public Internet (RFC 1918, CGNAT, loopback,
 * link-local, ULA, multicast, reserved). The documentation ranges (192.0.2/24, 198.51.100/24,
 * 203.0.113/24, 2001:db8::/32) count as public on purpose: examples use them for Internet hosts.
 */
export const NON_PUBLIC: Cidr[] = parseAll([
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '224.0.0.0/3',
  '::/127',
  '::ffff:0:0/96',
  'fc00::/7',
  'fe80::/10',
  'ff00::/8',
]);

/** Addresses a packet can never come from (unspecified, multicast, reserved). */
export const NEVER_SOURCE: Cidr[] = parseAll(['0.0.0.0/8', '224.0.0.0/3', '::/128', 'ff00::/8']);

export const ALL_V4 = parseCidr('0.0.0.0/0')!;
export const ALL_V6 = parseCidr('::/0')!;

/** Public (Internet-routable) part of a set. */
export function publicPart(list: Cidr[]): Cidr[] {
  return subtract(list, NON_PUBLIC);
}

/** True when an address lies in any CIDR of the list. */
export function listContains(list: Cidr[], ip: IpAddress): boolean {
  return list.some((c) => cidrContains(c, ip));
}

/** Short human description of a set: the first few prefixes and the total. */
export function describe(list: Cidr[], max = 3): string {
  if (list.length === 0) return 'nothing';
  const shown = list.slice(0, max).map((c) => c.text);
  return list.length > max ? `${shown.join(', ')} and ${list.length - max} more` : shown.join(', ');
}

/**
 * Longest-prefix access list (FreeSWITCH network lists; Kamailio address tables are plain
 * allow lists). `nodes` in declaration order; among equal prefixes the first declared wins.
 * Returns the addresses the list allows.
 */
export function allowedByLongestPrefix(
  nodes: { cidr: Cidr; allow: boolean }[],
  defaultAllow: boolean,
): Cidr[] {
  const allowed: Cidr[] = [];
  const decided = (n: { cidr: Cidr }, i: number) =>
    nodes.filter(
      (m, j) =>
        m.cidr.addr.kind() === n.cidr.addr.kind() &&
        cidrCovers(n.cidr, m.cidr) &&
        (m.cidr.bits > n.cidr.bits || (m.cidr.bits === n.cidr.bits && j < i)),
    );
  nodes.forEach((n, i) => {
    if (!n.allow) return;
    const overriders = decided(n, i).map((m) => m.cidr);
    allowed.push(...subtract([n.cidr], overriders));
  });
  if (defaultAllow)
    allowed.push(
      ...subtract(
        [ALL_V4, ALL_V6],
        nodes.map((n) => n.cidr),
      ),
    );
  return allowed;
}
