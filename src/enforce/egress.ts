import { isHostname, parseCidr } from '../net/address.js';
import type { EgressPolicy, Policy } from '../policy/schema.js';
import type { L4, NftChain, NftRule, NftSet, PortValue } from './nft.js';
import type { ResolvedHosts, Resolver } from './ruleset.js';
import { systemResolver } from './ruleset.js';
import { intervalSet, portsOf, r, split, type Tagged } from './sets.js';

/**
 * Outbound limits for the voice networks (policy `firewall.egress`): a `forward` base chain sends
 * traffic from the voice networks to `voice_out`, which admits replies, traffic inside the voice
 * networks, the PBX and the trunks (every port), DNS (53), NTP (123/udp) and the declared update
 * servers on their ports, logs the rest (rate-limited) and drops it.
 *
 * The rules sit in the forward hook: they act on the host that routes the voice network (a Linux
 * router, or the PBX when it is the voice VLAN's gateway). Traffic the PBX host sends itself
 * (output hook) is not limited: the guide's concern is the voice devices.
 */

export interface EgressPart {
  sets: NftSet[];
  chains: NftChain[];
  warnings: string[];
  blockers: string[];
  notes: string[];
}

/** One group of update servers sharing protocol and ports. */
interface UpdateGroup {
  protocol: L4;
  ports: number[];
  hosts: string[];
}

function updateGroups(e: EgressPolicy): UpdateGroup[] {
  const groups = new Map<string, UpdateGroup>();
  for (const u of e.update_servers) {
    const host = typeof u === 'string' ? u : u.host;
    const protocol: L4 = typeof u === 'string' ? 'tcp' : u.protocol;
    const ports = [...new Set(typeof u === 'string' ? [80, 443] : u.ports)].sort((a, b) => a - b);
    const key = `${protocol}:${ports.join(',')}`;
    const g = groups.get(key) ?? { protocol, ports, hosts: [] };
    g.hosts.push(host);
    groups.set(key, g);
  }
  return [...groups.values()];
}

/** Every hostname the egress section names (PBX, NTP, update servers), for resolution. */
export function egressHostnames(policy: Policy): { host: string; role: string }[] {
  const e = policy.firewall.egress;
  if (!e) return [];
  const out: { host: string; role: string }[] = [];
  const add = (host: string, role: string) => {
    if (!parseCidr(host) && isHostname(host) && !out.some((o) => o.host === host)) out.push({ host, role });
  };
  for (const h of e.pbx) add(h, 'egress.pbx');
  for (const h of e.ntp) add(h, 'egress.ntp');
  for (const g of updateGroups(e)) for (const h of g.hosts) add(h, 'egress.update_servers');
  return out;
}

/** Resolves the egress hostnames once, like trunk hostnames (`failures[].trunk` holds the role). */
export async function resolveEgressHosts(
  policy: Policy,
  resolver: Resolver = systemResolver,
  now: Date = new Date(),
): Promise<ResolvedHosts> {
  const addresses = new Map<string, string[]>();
  const failures: ResolvedHosts['failures'] = [];
  for (const { host, role } of egressHostnames(policy)) {
    try {
      const list = (await resolver(host)).filter((x) => parseCidr(x) !== undefined);
      if (list.length === 0) throw new Error('no addresses');
      addresses.set(host, list);
    } catch (e) {
      failures.push({ host, trunk: role, error: (e as NodeJS.ErrnoException).code ?? (e as Error).message });
    }
  }
  return { addresses, failures, at: now.toISOString() };
}

/**
 * Builds the egress sets and chains. `trunkAddresses` are the trunks' addresses as the input part
 * resolved them (literal and resolved), so both parts agree.
 */
export function generateEgress(
  policy: Policy,
  trunkAddresses: Tagged[],
  resolved: ResolvedHosts | undefined,
): EgressPart | undefined {
  const e = policy.firewall.egress;
  if (!e) return undefined;
  const warnings: string[] = [];
  const blockers: string[] = [];
  const notes: string[] = [];
  const tag = (hosts: string[], role: string, blockOnFailure: boolean): Tagged[] => {
    const out: Tagged[] = [];
    for (const h of hosts) {
      const c = parseCidr(h);
      if (c) {
        out.push({ cidr: c });
        continue;
      }
      const got = resolved?.addresses.get(h);
      if (got?.length) {
        notes.push(`${role}: ${h} resolved to ${got.join(', ')} at ${resolved!.at}`);
        for (const x of got) out.push({ cidr: parseCidr(x)! });
      } else {
        const why = resolved?.failures.find((f) => f.host === h)?.error ?? 'not resolved';
        const msg = `${role}: hostname ${h} did not resolve (${why}); voice devices cannot reach it through the egress rules`;
        warnings.push(msg);
        if (blockOnFailure) blockers.push(msg);
      }
    }
    return out;
  };

  const from: Tagged[] = e.from.flatMap((n) =>
    (policy.networks[n] ?? []).map((c) => ({ cidr: parseCidr(c)! })),
  );
  const any = [...tag(e.pbx, 'egress.pbx', true), ...(e.trunks ? trunkAddresses : [])];
  const dns = tag(e.dns, 'egress.dns', false);
  const ntp = tag(e.ntp, 'egress.ntp', false);
  const groups = updateGroups(e).map((g) => ({ ...g, tagged: tag(g.hosts, 'egress.update_servers', false) }));

  notes.push(
    `egress: ${e.from.join(', ')} may reach the PBX${e.trunks ? ', the trunks' : ''}, DNS, NTP and ${groups.reduce((n, g) => n + g.hosts.length, 0)} update server(s); the rules act in the forward hook (on the host that routes these networks)`,
  );
  if (from.length === 0)
    warnings.push(`egress: the networks ${e.from.join(', ')} have no addresses: no egress rules apply`);
  if (e.dns.length === 0)
    warnings.push(
      'egress: no DNS resolvers declared (egress.dns): voice devices can resolve names only through the PBX',
    );
  if (e.ntp.length === 0)
    warnings.push(
      'egress: no NTP servers declared (egress.ntp): voice devices can set their clocks only from the PBX (wrong clocks break TLS certificate checks and log correlation)',
    );

  const sets: NftSet[] = [];
  const rules: NftRule[] = [
    r([{ kind: 'ctstate', states: ['established', 'related'] }, { kind: 'accept' }], 'replies'),
  ];
  /** Adds the v4/v6 sets for `list` and one rule per family (with `tail`), when not empty. */
  const allow = (
    name: string,
    list: Tagged[],
    comment: string,
    tails: { proto?: L4; ports?: PortValue }[],
  ) => {
    const { v4, v6 } = split(list);
    let first = true;
    for (const [fam, values, type] of [
      ['ip', v4, 'ipv4_addr'],
      ['ip6', v6, 'ipv6_addr'],
    ] as const) {
      if (values.length === 0) continue;
      const set = `${name}${fam === 'ip' ? '4' : '6'}`;
      sets.push(intervalSet(set, type, values, `${comment}${fam === 'ip6' ? ' (IPv6)' : ''}`));
      for (const t of tails) {
        rules.push(
          r(
            [
              { kind: 'daddr', family: fam, op: '==', set },
              ...(t.proto && t.ports !== undefined
                ? [{ kind: 'dport' as const, proto: t.proto, ports: t.ports }]
                : []),
              { kind: 'accept' },
            ],
            first ? comment : undefined,
          ),
        );
        first = false;
      }
    }
  };
  const voice = split(from);
  sets.push(
    intervalSet('voice4', 'ipv4_addr', voice.v4, `voice networks: ${e.from.join(', ')}`),
    intervalSet('voice6', 'ipv6_addr', voice.v6, 'voice networks (IPv6)'),
  );
  if (voice.v4.length)
    rules.push(
      r(
        [{ kind: 'daddr', family: 'ip', op: '==', set: 'voice4' }, { kind: 'accept' }],
        'within the voice networks (phone to phone media)',
      ),
    );
  if (voice.v6.length)
    rules.push(r([{ kind: 'daddr', family: 'ip6', op: '==', set: 'voice6' }, { kind: 'accept' }]));
  allow('egress_any', any, `the PBX${e.trunks ? ' and the trunks' : ''}: every port`, [{}]);
  allow('egress_dns', dns, 'DNS resolvers: 53/udp and 53/tcp', [
    { proto: 'udp', ports: 53 },
    { proto: 'tcp', ports: 53 },
  ]);
  allow('egress_ntp', ntp, 'NTP servers: 123/udp', [{ proto: 'udp', ports: 123 }]);
  for (const [i, g] of groups.entries())
    allow(
      `egress_upd${i + 1}_`,
      g.tagged,
      `update servers ${g.hosts.join(', ')}: ${g.ports.join(', ')}/${g.protocol}`,
      [{ proto: g.protocol, ports: portsOf(g.ports) }],
    );
  if (e.log)
    rules.push(
      r(
        [
          { kind: 'limit', rate: 10, per: 'minute', burst: 5 },
          { kind: 'log', prefix: 'hardline egress drop: ' },
        ],
        'everything else from the voice networks: logged (at most 10/min) and dropped',
      ),
    );
  rules.push(
    r(
      [{ kind: 'counter' }, { kind: 'drop' }],
      e.log ? undefined : 'everything else from the voice networks is dropped',
    ),
  );

  const forward: NftRule[] = [];
  if (voice.v4.length)
    forward.push(
      r(
        [
          { kind: 'saddr', family: 'ip', op: '==', set: 'voice4' },
          { kind: 'jump', chain: 'voice_out' },
        ],
        'outbound traffic of the voice networks',
      ),
    );
  if (voice.v6.length)
    forward.push(
      r([
        { kind: 'saddr', family: 'ip6', op: '==', set: 'voice6' },
        { kind: 'jump', chain: 'voice_out' },
      ]),
    );
  return {
    sets,
    chains: [
      {
        name: 'forward',
        base: { hook: 'forward', priority: policy.firewall.priority, policy: 'accept' },
        rules: forward,
      },
      { name: 'voice_out', rules },
    ],
    warnings,
    blockers,
    notes,
  };
}
