import { lookup as dnsLookup } from 'node:dns/promises';
import { isHostname, parseCidr } from '../net/address.js';
import type { Policy } from '../policy/schema.js';
import { generateEgress } from './egress.js';
import type { L4, NftChain, NftRule, NftSet, NftSetElement, NftTable } from './nft.js';
import { intervalSet, portsOf, r, split, type Tagged } from './sets.js';

/** Port a SIP transport listens on when the policy's endpoint gives none. */
export const DEFAULT_SIP_PORTS: Record<string, number> = {
  udp: 5060,
  tcp: 5060,
  tls: 5061,
  ws: 8088,
  wss: 8089,
};

/** Resolves a hostname to its addresses (A and AAAA). Injected so tests need no DNS. */
export type Resolver = (host: string) => Promise<string[]>;

export const systemResolver: Resolver = async (host) => {
  const r = await dnsLookup(host, { all: true, verbatim: true });
  return r.map((a) => a.address);
};

export interface ResolvedHosts {
  /** hostname -> addresses it resolved to at generation time */
  addresses: Map<string, string[]>;
  failures: { host: string; trunk: string; error: string }[];
  at: string;
}

/** Resolves every trunk hostname once (literal addresses and CIDRs are used as they are). */
export async function resolveTrunkHosts(
  policy: Policy,
  resolver: Resolver = systemResolver,
  now: Date = new Date(),
): Promise<ResolvedHosts> {
  const addresses = new Map<string, string[]>();
  const failures: ResolvedHosts['failures'] = [];
  for (const t of policy.trunks) {
    for (const a of t.addresses) {
      if (parseCidr(a) || !isHostname(a) || addresses.has(a)) continue;
      try {
        const list = (await resolver(a)).filter((x) => parseCidr(x) !== undefined);
        if (list.length === 0) throw new Error('no addresses');
        addresses.set(a, list);
      } catch (e) {
        failures.push({
          host: a,
          trunk: t.name,
          error: (e as NodeJS.ErrnoException).code ?? (e as Error).message,
        });
      }
    }
  }
  return { addresses, failures, at: now.toISOString() };
}

export interface SipService {
  proto: L4;
  port: number;
  public: boolean;
  /** endpoint names/transports served, for comments */
  label: string;
}

export interface GeneratedRuleset {
  table: NftTable;
  /** Things the operator should know (printed as comments and on stderr). */
  warnings: string[];
  /** Risks of locking out the legitimate: `--apply` refuses while any remain (unless --force). */
  blockers: string[];
  /** Comment lines describing where each address came from. */
  notes: string[];
  sip: SipService[];
}

export interface GenerateOptions {
  resolved?: ResolvedHosts;
  /** Active bans to carry into the new table (remaining seconds), so an apply never unbans. */
  bans?: { address: string; remainingSec: number }[];
  /** Egress hostnames (PBX, NTP, update servers) resolved by resolveEgressHosts. */
  egressResolved?: ResolvedHosts;
}

/**
 * Builds hardline's nftables table from the policy. The table has its own input base chain with
 * policy accept: it only decides about the services it knows (SIP, RTP, management ports) and
 * leaves every other port to the host's own firewall.
 *
 * Order in `input`: loopback and foreign interfaces pass; trunks, trusted networks and
 * `firewall.allow` jump to `known` (before the ban check, so they are never dropped by a ban);
 * banned sources are dropped; then the public part: management ports dropped, SIP on public
 * endpoints rate-limited per source, SIP on private endpoints dropped, RTP admitted in the
 * declared range and dropped in the rest of `rtp_guard`.
 */
export function generateRuleset(policy: Policy, opts: GenerateOptions = {}): GeneratedRuleset {
  const fw = policy.firewall;
  const warnings: string[] = [];
  const blockers: string[] = [];
  const notes: string[] = [];
  const resolved = opts.resolved;

  // Sources.
  const trunk: Tagged[] = [];
  for (const t of policy.trunks) {
    for (const a of t.addresses) {
      const c = parseCidr(a);
      if (c) {
        trunk.push({ cidr: c });
        continue;
      }
      const got = resolved?.addresses.get(a);
      if (got?.length) {
        notes.push(`trunk ${t.name}: ${a} resolved to ${got.join(', ')} at ${resolved!.at}`);
        for (const x of got) trunk.push({ cidr: parseCidr(x)! });
      } else {
        const why = resolved?.failures.find((f) => f.host === a)?.error ?? 'not resolved';
        const msg = `trunk ${t.name}: hostname ${a} did not resolve (${why}); its addresses are not in the ruleset, so its SIP is handled like any stranger's (dropped on trunk-only endpoints)`;
        warnings.push(msg);
        blockers.push(msg);
      }
    }
  }
  const networks: Tagged[] = [];
  for (const [name, list] of Object.entries(policy.networks)) {
    for (const n of list) networks.push({ cidr: parseCidr(n)! });
    if (list.length) notes.push(`network ${name}: ${list.join(', ')}`);
  }
  const extra: Tagged[] = fw.allow.map((a) => ({ cidr: parseCidr(a)! }));
  if (fw.allow.length) notes.push(`firewall.allow: ${fw.allow.join(', ')}`);

  const mgmtNames = fw.management.networks ?? ['mgmt', 'vpn'].filter((n) => n in policy.networks);
  const mgmt: Tagged[] = mgmtNames.flatMap((n) =>
    (policy.networks[n] ?? []).map((c) => ({ cidr: parseCidr(c)! })),
  );
  const known = split([...trunk, ...networks, ...extra]);
  const mgmtSplit = split(mgmt);

  // Services.
  const sipMap = new Map<string, SipService>();
  for (const ep of policy.endpoints) {
    const proto: L4 = ep.transport === 'udp' ? 'udp' : 'tcp';
    const port = ep.port ?? DEFAULT_SIP_PORTS[ep.transport]!;
    const key = `${proto}/${port}`;
    const prev = sipMap.get(key);
    const label = `${ep.name ?? ep.host} (${ep.transport})`;
    if (prev) {
      prev.public ||= ep.public;
      prev.label += `, ${label}`;
    } else sipMap.set(key, { proto, port, public: ep.public, label });
  }
  const sip = [...sipMap.values()].sort((a, b) => a.proto.localeCompare(b.proto) || a.port - b.port);
  const mgmtPorts = { tcp: [] as number[], udp: [] as number[] };
  for (const p of fw.management.ports) {
    if (sipMap.has(`${p.protocol}/${p.port}`)) {
      warnings.push(
        `management port ${p.name} ${p.protocol}/${p.port} is also a SIP endpoint port; it is filtered as SIP (keep the management service on loopback)`,
      );
      continue;
    }
    mgmtPorts[p.protocol].push(p.port);
  }
  if (mgmt.length === 0 && fw.management.ports.length) {
    const msg = `no management network (${mgmtNames.length ? mgmtNames.join(', ') : 'mgmt or vpn'}) has an address: the management ports (${fw.management.ports.map((p) => `${p.name} ${p.port}`).join(', ')}) would be closed to every address but loopback`;
    warnings.push(msg);
    if (fw.management.ports.some((p) => p.port === 22 && p.protocol === 'tcp')) blockers.push(msg);
  }
  if (policy.endpoints.length === 0)
    warnings.push('the policy declares no SIP endpoints: no SIP rules were generated');
  if (!policy.rtp) warnings.push('the policy declares no rtp range: no RTP rules were generated');

  // Sets.
  const bans = { v4: [] as NftSetElement[], v6: [] as NftSetElement[] };
  for (const b of opts.bans ?? []) {
    const c = parseCidr(b.address);
    if (!c || b.remainingSec < 1) continue;
    (c.addr.kind() === 'ipv4' ? bans.v4 : bans.v6).push({
      value: c.text,
      timeoutSec: Math.ceil(b.remainingSec),
    });
  }
  const sets: NftSet[] = [
    {
      name: 'ban4',
      type: 'ipv4_addr',
      flags: ['timeout'],
      size: fw.bans.max_elements,
      elements: bans.v4,
      comment: 'banned IPv4 sources (hardline ban)',
    },
    {
      name: 'ban6',
      type: 'ipv6_addr',
      flags: ['timeout'],
      size: fw.bans.max_elements,
      elements: bans.v6,
      comment: 'banned IPv6 sources (hardline ban)',
    },
    intervalSet('known4', 'ipv4_addr', known.v4, 'trunks, trusted networks, firewall.allow: never banned'),
    intervalSet('known6', 'ipv6_addr', known.v6, 'trunks, trusted networks, firewall.allow (IPv6)'),
    intervalSet('mgmt4', 'ipv4_addr', mgmtSplit.v4, `management networks: ${mgmtNames.join(', ') || 'none'}`),
    intervalSet('mgmt6', 'ipv6_addr', mgmtSplit.v6, 'management networks (IPv6)'),
  ];
  const publicSip = sip.filter((s) => s.public);
  const rl = fw.rate_limit;
  const udpPublic = publicSip.filter((s) => s.proto === 'udp').map((s) => s.port);
  const tcpPublic = publicSip.filter((s) => s.proto === 'tcp').map((s) => s.port);
  const meter = (
    name: string,
    type: 'ipv4_addr' | 'ipv6_addr',
    timeoutSec: number,
    comment: string,
  ): NftSet => ({
    name,
    type,
    flags: ['dynamic', 'timeout'],
    size: 65535,
    timeoutSec,
    elements: [],
    comment,
  });
  if (udpPublic.length) {
    sets.push(meter('sip_pps4', 'ipv4_addr', 60, 'per-source SIP packet rate on public UDP endpoints'));
    sets.push(meter('sip_pps6', 'ipv6_addr', 60, 'per-source SIP packet rate (IPv6)'));
  }
  if (tcpPublic.length) {
    sets.push(
      meter('sip_cps4', 'ipv4_addr', 120, 'per-source new SIP connections on public TCP/TLS/WS endpoints'),
    );
    sets.push(meter('sip_cps6', 'ipv6_addr', 120, 'per-source new SIP connections (IPv6)'));
  }

  // Chains.
  const input: NftRule[] = [
    r([{ kind: 'iif', name: 'lo' }, { kind: 'accept' }], 'loopback is never filtered'),
  ];
  if (fw.interfaces.length)
    input.push(
      r(
        [{ kind: 'iifname', op: '!=', names: fw.interfaces }, { kind: 'accept' }],
        `only traffic arriving on ${fw.interfaces.join(', ')} is filtered`,
      ),
    );
  input.push(
    r(
      [
        { kind: 'saddr', family: 'ip', op: '==', set: 'known4' },
        { kind: 'goto', chain: 'known' },
      ],
      'trunks and trusted networks pass before the ban check',
    ),
    r([
      { kind: 'saddr', family: 'ip6', op: '==', set: 'known6' },
      { kind: 'goto', chain: 'known' },
    ]),
    r(
      [{ kind: 'icmpv6-nd' }, { kind: 'accept' }],
      'IPv6 neighbour discovery passes even from banned sources, so the path heals when a ban ends',
    ),
    r(
      [{ kind: 'saddr', family: 'ip', op: '==', set: 'ban4' }, { kind: 'counter' }, { kind: 'drop' }],
      'banned sources',
    ),
    r([{ kind: 'saddr', family: 'ip6', op: '==', set: 'ban6' }, { kind: 'counter' }, { kind: 'drop' }]),
  );
  const mgmtDrop = (): NftRule[] => {
    const out: NftRule[] = [];
    for (const proto of ['tcp', 'udp'] as const) {
      if (mgmtPorts[proto].length)
        out.push(
          r(
            [
              { kind: 'dport', proto, ports: portsOf(mgmtPorts[proto]) },
              { kind: 'counter' },
              { kind: 'drop' },
            ],
            proto === 'tcp' ? `management ports: only from ${mgmtNames.join(', ') || 'loopback'}` : undefined,
          ),
        );
    }
    return out;
  };
  input.push(...mgmtDrop());
  if (udpPublic.length) {
    const ports = portsOf(udpPublic);
    input.push(
      r(
        [
          { kind: 'dport', proto: 'udp', ports },
          {
            kind: 'limit-per-source',
            family: 'ip',
            set: 'sip_pps4',
            rate: rl.packets_per_second,
            per: 'second',
            burst: rl.burst,
          },
          { kind: 'counter' },
          { kind: 'drop' },
        ],
        `public SIP over UDP: at most ${rl.packets_per_second} packets/s per source (burst ${rl.burst})`,
      ),
      r([
        { kind: 'dport', proto: 'udp', ports },
        {
          kind: 'limit-per-source',
          family: 'ip6',
          set: 'sip_pps6',
          rate: rl.packets_per_second,
          per: 'second',
          burst: rl.burst,
        },
        { kind: 'counter' },
        { kind: 'drop' },
      ]),
    );
  }
  if (tcpPublic.length) {
    const ports = portsOf(tcpPublic);
    input.push(
      r(
        [
          { kind: 'dport', proto: 'tcp', ports },
          { kind: 'ctstate', states: ['new'] },
          {
            kind: 'limit-per-source',
            family: 'ip',
            set: 'sip_cps4',
            rate: rl.connections_per_minute,
            per: 'minute',
            burst: rl.connection_burst,
          },
          { kind: 'counter' },
          { kind: 'drop' },
        ],
        `public SIP over TCP/TLS/WS: at most ${rl.connections_per_minute} new connections/min per source (burst ${rl.connection_burst})`,
      ),
      r([
        { kind: 'dport', proto: 'tcp', ports },
        { kind: 'ctstate', states: ['new'] },
        {
          kind: 'limit-per-source',
          family: 'ip6',
          set: 'sip_cps6',
          rate: rl.connections_per_minute,
          per: 'minute',
          burst: rl.connection_burst,
        },
        { kind: 'counter' },
        { kind: 'drop' },
      ]),
    );
  }
  input.push(r([{ kind: 'ctstate', states: ['established', 'related'] }, { kind: 'accept' }]));
  for (const proto of ['udp', 'tcp'] as const) {
    const pub = publicSip.filter((s) => s.proto === proto).map((s) => s.port);
    if (pub.length)
      input.push(
        r(
          [{ kind: 'dport', proto, ports: portsOf(pub) }, { kind: 'accept' }],
          `public SIP: ${publicSip
            .filter((s) => s.proto === proto)
            .map((s) => s.label)
            .join(', ')}`,
        ),
      );
  }
  for (const proto of ['udp', 'tcp'] as const) {
    const priv = sip.filter((s) => !s.public && s.proto === proto);
    if (priv.length)
      input.push(
        r(
          [
            { kind: 'dport', proto, ports: portsOf(priv.map((s) => s.port)) },
            { kind: 'counter' },
            { kind: 'drop' },
          ],
          `SIP only from trunks and trusted networks: ${priv.map((s) => s.label).join(', ')}`,
        ),
      );
  }
  const rtpRules = (): NftRule[] => {
    const out: NftRule[] = [];
    if (!policy.rtp) return out;
    const { start, end } = policy.rtp;
    out.push(
      r(
        [{ kind: 'dport', proto: 'udp', ports: { from: start, to: end } }, { kind: 'accept' }],
        `RTP: ${start}-${end}`,
      ),
    );
    if (fw.rtp_guard) {
      const g = fw.rtp_guard;
      const pieces: { from: number; to: number }[] = [];
      if (g.start < start) pieces.push({ from: g.start, to: Math.min(g.end, start - 1) });
      if (g.end > end) pieces.push({ from: Math.max(g.start, end + 1), to: g.end });
      const sipUdp = new Set(sip.filter((s) => s.proto === 'udp').map((s) => s.port));
      for (const p of pieces) {
        // Never cut a SIP port out of the guard by accident: split around it.
        let from = p.from;
        for (const sp of [...sipUdp].sort((a, b) => a - b)) {
          if (sp < from || sp > p.to) continue;
          if (sp > from)
            out.push(
              r([
                { kind: 'dport', proto: 'udp', ports: { from, to: sp - 1 } },
                { kind: 'counter' },
                { kind: 'drop' },
              ]),
            );
          from = sp + 1;
        }
        if (from <= p.to)
          out.push(
            r([
              { kind: 'dport', proto: 'udp', ports: { from, to: p.to } },
              { kind: 'counter' },
              { kind: 'drop' },
            ]),
          );
      }
      if (out.length > 1) out[1]!.comment = `UDP outside the RTP range within rtp_guard ${g.start}-${g.end}`;
    }
    return out;
  };
  input.push(...rtpRules());

  const knownRules: NftRule[] = [
    r([{ kind: 'ctstate', states: ['established', 'related'] }, { kind: 'accept' }]),
  ];
  for (const proto of ['tcp', 'udp'] as const) {
    if (!mgmtPorts[proto].length) continue;
    const ports = portsOf(mgmtPorts[proto]);
    knownRules.push(
      r(
        [
          { kind: 'dport', proto, ports },
          { kind: 'saddr', family: 'ip', op: '==', set: 'mgmt4' },
          { kind: 'accept' },
        ],
        proto === 'tcp' ? 'management ports from the management networks' : undefined,
      ),
      r([
        { kind: 'dport', proto, ports },
        { kind: 'saddr', family: 'ip6', op: '==', set: 'mgmt6' },
        { kind: 'accept' },
      ]),
      r(
        [{ kind: 'dport', proto, ports }, { kind: 'counter' }, { kind: 'drop' }],
        proto === 'tcp' ? 'and from no other trusted network' : undefined,
      ),
    );
  }
  // Everything else from known sources (SIP, RTP) falls through to the chain policy: accept.

  const chains: NftChain[] = [
    { name: 'input', base: { hook: 'input', priority: fw.priority, policy: 'accept' }, rules: input },
    { name: 'known', rules: knownRules },
  ];
  // Outbound limits for the voice networks (firewall.egress), in the forward hook.
  const egress = generateEgress(policy, trunk, opts.egressResolved);
  if (egress) {
    sets.push(...egress.sets);
    chains.push(...egress.chains);
    warnings.push(...egress.warnings);
    blockers.push(...egress.blockers);
    notes.push(...egress.notes);
  }
  return { table: { family: 'inet', name: fw.table, sets, chains }, warnings, blockers, notes, sip };
}
