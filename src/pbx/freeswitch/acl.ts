import type { Span } from '../../core/span.js';
import { type Cidr, parseCidr } from '../../net/address.js';
import { ALL_V4, ALL_V6, allowedByLongestPrefix, NON_PUBLIC, parseAll, subtract } from '../../net/cidrset.js';
import type { AclList, FreeswitchModel } from './model.js';

/**
 * What a FreeSWITCH ACL name admits. Network lists use longest-prefix match (FreeSWITCH
 * switch_network_list_validate_ip_token: the most specific matching node decides, a /0 node does
 * match, the first declared wins among equal prefixes, otherwise the list default). A `domain=`
 * node adds the `cidr` attribute of every user in that directory domain.
 */
export interface AclResolution {
  name: string;
  /** Addresses allowed. */
  allowed: Cidr[];
  /** The list is built in (`*.auto`), defined in acl.conf, a literal CIDR, or unknown. */
  origin: 'builtin' | 'acl.conf' | 'cidr' | 'unknown';
  /** The list depends on the server's own addresses (localnet.auto, nat.auto): treated as trusted. */
  hostDependent?: boolean;
  list?: AclList;
  /** Users whose `cidr` attribute widened the list (domain= nodes). */
  userSpans: Span[];
}

const RFC1918 = parseAll(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']);

const BUILTIN: Record<string, () => Cidr[]> = {
  'rfc1918.auto': () => RFC1918,
  'nat.auto': () => RFC1918,
  'localnet.auto': () => [],
  'loopback.auto': () => parseAll(['127.0.0.0/8', '::1/128']),
  'rfc6598.auto': () => parseAll(['100.64.0.0/10']),
  'wan.auto': () => subtract([ALL_V4, ALL_V6], NON_PUBLIC),
  'wan_v4.auto': () => subtract([ALL_V4], NON_PUBLIC),
  'wan_v6.auto': () => subtract([ALL_V6], NON_PUBLIC),
  'any_v4.auto': () => [ALL_V4],
  'any_v6.auto': () => [ALL_V6],
};

export function resolveAcl(m: FreeswitchModel, name: string): AclResolution {
  const n = name.trim();
  const builtin = BUILTIN[n.toLowerCase()];
  if (builtin) {
    return {
      name: n,
      allowed: builtin(),
      origin: 'builtin',
      ...(/^(localnet|nat)\.auto$/i.test(n) ? { hostDependent: true } : {}),
      userSpans: [],
    };
  }
  const list = m.acls.get(n);
  if (list) {
    const userSpans: Span[] = [];
    const nodes: { cidr: Cidr; allow: boolean }[] = [];
    for (const node of list.nodes) {
      if (node.cidr) nodes.push({ cidr: node.cidr, allow: node.allow });
      else if (node.domain !== undefined) {
        const dom = m.domains.find((d) => d.name === node.domain);
        for (const u of dom?.users ?? []) {
          for (const part of (u.cidr ?? '')
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)) {
            const c = parseCidr(part);
            if (!c) continue;
            nodes.push({ cidr: c, allow: node.allow });
            userSpans.push({ file: u.file, line: u.line });
          }
        }
      }
    }
    return {
      name: n,
      allowed: allowedByLongestPrefix(nodes, list.defaultAllow),
      origin: 'acl.conf',
      list,
      userSpans,
    };
  }
  if (n.includes('/')) {
    const cidrs = n
      .split(',')
      .map((s) => parseCidr(s.trim()))
      .filter((c): c is Cidr => c !== undefined);
    return { name: n, allowed: cidrs, origin: 'cidr', userSpans: [] };
  }
  return { name: n, allowed: [], origin: 'unknown', userSpans: [] };
}

/** Several ACL names (repeated params, comma lists): a source passes if any list allows it. */
export function resolveAcls(m: FreeswitchModel, names: string[]): AclResolution[] {
  return names
    .flatMap((v) => (v.includes('/') ? [v] : v.split(',')))
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => resolveAcl(m, s));
}
