import { networkInterfaces } from 'node:os';
import { type Cidr, cidrContains, type IpAddress, parseCidr } from '../net/address.js';
import type { Policy } from '../policy/schema.js';
import type { ResolvedHosts } from './ruleset.js';

export interface AllowEntry {
  cidr: Cidr;
  /** Why this source is never banned, e.g. `trunk example-telecom (sip.provider.example)`. */
  why: string;
}

/** Sources hardline never bans, checked in code before any ban is issued. */
export class Allowlist {
  constructor(readonly entries: AllowEntry[]) {}

  /** The first entry covering `ip`, or undefined. */
  match(ip: IpAddress): AllowEntry | undefined {
    return this.entries.find((e) => cidrContains(e.cidr, ip));
  }
}

/** Addresses configured on this host's interfaces. */
export function hostAddresses(): { iface: string; address: string }[] {
  const out: { iface: string; address: string }[] = [];
  for (const [iface, list] of Object.entries(networkInterfaces()))
    for (const a of list ?? []) out.push({ iface, address: a.address.replace(/%.*$/, '') });
  return out;
}

export interface AllowlistOptions {
  resolved?: ResolvedHosts;
  /** This host's own addresses (default: read from the interfaces). */
  host?: { iface: string; address: string }[];
}

/**
 * Trunks (literal addresses, CIDRs and the addresses their hostnames resolved to), every trusted
 * network, `firewall.allow`, loopback and this host's own addresses.
 */
export function buildAllowlist(policy: Policy, opts: AllowlistOptions = {}): Allowlist {
  const entries: AllowEntry[] = [];
  const add = (text: string, why: string) => {
    const c = parseCidr(text);
    if (c) entries.push({ cidr: c, why });
  };
  for (const t of policy.trunks) {
    for (const a of t.addresses) {
      if (parseCidr(a)) add(a, `trunk ${t.name} (${a})`);
      else for (const x of opts.resolved?.addresses.get(a) ?? []) add(x, `trunk ${t.name} (${a} -> ${x})`);
    }
  }
  for (const [name, list] of Object.entries(policy.networks))
    for (const n of list) add(n, `trusted network ${name} (${n})`);
  for (const a of policy.firewall.allow) add(a, `firewall.allow (${a})`);
  add('127.0.0.0/8', 'loopback');
  add('::1', 'loopback');
  for (const h of opts.host ?? hostAddresses()) add(h.address, `this host (${h.iface} ${h.address})`);
  return new Allowlist(entries);
}
