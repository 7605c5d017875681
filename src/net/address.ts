import ipaddr from 'ipaddr.js';

export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;
export interface Cidr {
  addr: IpAddress;
  bits: number;
  /** Canonical text, e.g. `10.0.0.0/8`. */
  text: string;
}

/** Parses a strict IPv4/IPv6 address (no octal or short IPv4 forms); unwraps ::ffff:a.b.c.d. */
export function parseIp(text: string): IpAddress | undefined {
  const t = text.trim().replace(/^\[(.*)\]$/, '$1');
  // (a dotted quad has no ':'; skipping the IPv4 check for IPv6 avoids ipaddr's slow throw path)
  if (!t.includes(':') && ipaddr.IPv4.isValidFourPartDecimal(t)) return ipaddr.IPv4.parse(t);
  if (t.includes(':') && ipaddr.IPv6.isValid(t)) return ipaddr.process(t);
  return undefined;
}

/**
 * Parses `addr`, `addr/bits` or Asterisk's `addr/netmask` form. A bare address is a host route.
 * Returns undefined when the text is not an address.
 */
export function parseCidr(text: string): Cidr | undefined {
  const t = text.trim();
  const slash = t.indexOf('/');
  const addrText = slash < 0 ? t : t.slice(0, slash);
  const addr = parseIp(addrText);
  if (!addr) return undefined;
  const max = addr.kind() === 'ipv4' ? 32 : 128;
  let bits = max;
  if (slash >= 0) {
    const m = t.slice(slash + 1).trim();
    if (/^\d{1,3}$/.test(m)) bits = Number(m);
    else if (addr.kind() === 'ipv4' && ipaddr.IPv4.isValidFourPartDecimal(m)) {
      const p = ipaddr.IPv4.parse(m).prefixLengthFromSubnetMask();
      if (p === null) return undefined;
      bits = p;
    } else return undefined;
    if (bits > max) return undefined;
  }
  const net = networkOf(addr, bits);
  return { addr: net, bits, text: `${net.toString()}/${bits}` };
}

function networkOf(addr: IpAddress, bits: number): IpAddress {
  const bytes = addr.toByteArray();
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    bytes[i] = (bytes[i] ?? 0) & ((0xff << (8 - keep)) & 0xff);
  }
  return ipaddr.fromByteArray(bytes) as IpAddress;
}

export function cidrContains(c: Cidr, ip: IpAddress): boolean {
  if (c.addr.kind() !== ip.kind()) return false;
  return (ip as ipaddr.IPv4).match(c.addr as ipaddr.IPv4, c.bits);
}

/** True when every address of `inner` lies inside `outer`. */
export function cidrCovers(outer: Cidr, inner: Cidr): boolean {
  return outer.bits <= inner.bits && cidrContains(outer, inner.addr);
}

/** Number of addresses as a power of two (IPv4 /8 -> 24). */
export function cidrSizeLog2(c: Cidr): number {
  return (c.addr.kind() === 'ipv4' ? 32 : 128) - c.bits;
}

const HOSTNAME =
  /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)(\.[a-z0-9_]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

export function isHostname(text: string): boolean {
  return HOSTNAME.test(text) && !/^[\d.]+$/.test(text);
}

/** True for loopback addresses (127/8, ::1). */
export function isLoopback(ip: IpAddress): boolean {
  return ip.range() === 'loopback';
}

/** True for the unspecified address (0.0.0.0, ::), which means "every interface" in a bind. */
export function isUnspecified(ip: IpAddress): boolean {
  return ip.range() === 'unspecified';
}
