import { type Cidr, cidrContains, parseCidr, parseIp } from '../../net/address.js';
import { defineDetector, wildcard } from '../detector.js';
import { formatEndpoint, isAuthSuccess } from '../event.js';

/** The network an address belongs to for first-seen tracking (`203.0.113.0/24`). */
export function networkKey(ip: string, v4: number, v6: number): string {
  if (!ip.includes(':')) {
    // dotted IPv4 (canonical from the decoders): integer masking, no parsing library
    const p = ip.split('.');
    if (p.length === 4) {
      const n = ((+p[0]! << 24) | (+p[1]! << 16) | (+p[2]! << 8) | +p[3]!) >>> 0;
      const m = v4 === 0 ? 0 : (n & (0xffffffff << (32 - v4))) >>> 0;
      return `${m >>> 24}.${(m >>> 16) & 255}.${(m >>> 8) & 255}.${m & 255}/${v4}`;
    }
  }
  return parseCidr(`${ip}/${ip.includes(':') ? v6 : v4}`)?.text ?? ip;
}

export default defineDetector({
  id: 'registration-network',
  title: 'Registration from an unexpected or never-seen network',
  severity: 'high',
  docs: {
    why: "A stolen password is used from the attacker's network: a successful registration from outside the networks an account should use, or from a network the account was never seen in, is the earliest sign (VoIPmonitor alerts on a change of REGISTER country).",
    tune: '`detection.registration_network.accounts` (`account` pattern -> `networks`: names from `networks` or CIDRs), `first_seen`, `prefix_v4`/`prefix_v6`.',
  },
  enabled: (d) => d.registration_network.enabled,
  kinds: ['auth-success', 'registration'],
  create(ctx) {
    const c = ctx.detection.registration_network;
    const rules = c.accounts.map((a) => ({
      match: wildcard(a.account),
      text: a.networks.join(', '),
      cidrs: a.networks.flatMap((n): Cidr[] => {
        const direct = parseCidr(n);
        if (direct) return [direct];
        return (ctx.policy.networks[n] ?? []).map((x) => parseCidr(x)).filter((x): x is Cidr => !!x);
      }),
    }));
    const seen = ctx.lru<string, Set<string>>();
    return {
      onEvent(ev) {
        if (!ev.source || !ev.account || !isAuthSuccess(ev.kind)) return;
        const ip = ev.source.ip;
        const rule = rules.find((r) => r.match.test(ev.account!));
        if (rule) {
          const addr = parseIp(ip);
          if (addr && !rule.cidrs.some((cidr) => cidrContains(cidr, addr))) {
            ctx.raise({
              key: `outside:${ev.account}:${ip}`,
              subject: { kind: 'account', account: ev.account, source: ip },
              summary: `account '${ev.account}' authenticated from ${formatEndpoint(ev.source)}, outside its expected networks (${rule.text})`,
              events: [ev],
              alert:
                'credentials used from outside the expected networks: verify with the user, rotate the password if unknown',
              cooldown: 86400,
            });
          }
        }
        if (!c.first_seen) return;
        const net = networkKey(ip, c.prefix_v4, c.prefix_v6);
        const nets = seen.get(ev.account);
        if (!nets) {
          seen.set(ev.account, new Set([net]));
          return;
        }
        if (nets.has(net)) return;
        if (nets.size >= 32) nets.delete(nets.values().next().value as string);
        nets.add(net);
        const known = ctx.classify(ip);
        ctx.raise({
          key: `first:${ev.account}:${net}`,
          subject: { kind: 'account', account: ev.account, source: ip },
          severity: known ? 'info' : 'medium',
          summary: `account '${ev.account}' seen for the first time from network ${net} (${formatEndpoint(ev.source)}${known ? `, ${known.kind} '${known.name}'` : ''}); known: ${[
            ...nets,
          ]
            .filter((n) => n !== net)
            .slice(0, 4)
            .join(', ')}`,
          events: [ev],
          alert: 'first registration of this account from this network',
          cooldown: 86400,
        });
      },
    };
  },
});
