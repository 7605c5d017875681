import { type Cidr, cidrSizeLog2, parseCidr } from '../../net/address.js';
import type { ConfSection, ConfVar } from './config.js';

export interface AclRule {
  action: 'permit' | 'deny';
  cidr?: Cidr;
  text: string;
  at: ConfVar;
}

export interface AclSummary {
  rules: AclRule[];
  /** Named ACLs referenced with `acl=` (resolved elsewhere, e.g. acl.conf). */
  named: ConfVar[];
  /** Does any rule deny all IPv4 / all IPv6? */
  deniesAllV4: boolean;
  deniesAllV6: boolean;
  hasDeny: boolean;
  hasPermit: boolean;
  /** Permits of at least /8 (IPv4) or /32 (IPv6) after a deny. */
  broadPermits: AclRule[];
}

/**
 * Reads an Asterisk ACL from `permit`/`deny` options (or `contact_permit`/`contact_deny` with
 * prefix `contact_`). Asterisk ACLs allow by default and the last matching rule wins, so a list
 * without a deny restricts nothing.
 */
export function readAcl(section: ConfSection, prefix = ''): AclSummary {
  const rules: AclRule[] = [];
  const names = new Set([`${prefix}permit`, `${prefix}deny`]);
  for (const v of section.vars) {
    const n = v.name.toLowerCase();
    if (!names.has(n)) continue;
    for (const part of v.value.split(',')) {
      const text = part.trim().replace(/^!/, '');
      if (!text) continue;
      const cidr = parseCidr(text);
      rules.push({ action: n.endsWith('deny') ? 'deny' : 'permit', text, at: v, ...(cidr ? { cidr } : {}) });
    }
  }
  const named = section.all(`${prefix}acl`);
  const denies = rules.filter((r) => r.action === 'deny');
  return {
    rules,
    named,
    deniesAllV4: denies.some((r) => r.cidr?.addr.kind() === 'ipv4' && r.cidr.bits === 0),
    deniesAllV6: denies.some((r) => r.cidr?.addr.kind() === 'ipv6' && r.cidr.bits === 0),
    hasDeny: denies.length > 0,
    hasPermit: rules.some((r) => r.action === 'permit'),
    broadPermits: rules.filter(
      (r) =>
        r.action === 'permit' && r.cidr && cidrSizeLog2(r.cidr) >= (r.cidr.addr.kind() === 'ipv4' ? 24 : 96),
    ),
  };
}
