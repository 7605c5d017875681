import { defineDetector } from '../detector.js';
import { type EventKind, formatEndpoint, type SecurityEvent } from '../event.js';

/** User-Agent substrings of SIP scanners and attack tools (lower case). A hint, not proof. */
export const SCANNER_USER_AGENTS = [
  'friendly-scanner',
  'sipvicious',
  'sipcli',
  'sip-scan',
  'sipsak',
  'sundayddr',
  'iwar',
  'sivus',
  'vaxsipuseragent',
  'pplsip',
  'nmap nse',
  'smap',
  'sipptk',
  'sip auditor',
  'voip sip v1',
  'cisco-sipgateway/ios-12.x',
];

const PROBES = new Set<EventKind>([
  'unknown-account',
  'auth-failure',
  'auth-challenge',
  'request',
  'acl-reject',
]);

interface SourceState {
  numbers: Map<number, SecurityEvent>;
  uaRaised: boolean;
}

export default defineDetector({
  id: 'scanner',
  title: 'SIP scanner: tool User-Agent or sequential account sweep',
  severity: 'medium',
  docs: {
    why: 'Scanners announce themselves (friendly-scanner, sipvicious, pplsip, Nmap NSE) unless the attacker changes the User-Agent; the sweep itself (100, 101, 102, ...) gives them away either way.',
    tune: '`detection.scanner.user_agents` (extra substrings), `sequential` consecutive numeric accounts within `window`, `ban`.',
  },
  enabled: (d) => d.scanner.enabled,
  create(ctx) {
    const c = ctx.detection.scanner;
    const windowMs = c.window * 1000;
    const uas = [...SCANNER_USER_AGENTS, ...c.user_agents.map((u) => u.toLowerCase())];
    const state = ctx.lru<string, SourceState>();
    return {
      onEvent(ev) {
        if (!ev.source) return;
        const ip = ev.source.ip;
        if (ev.userAgent) {
          const ua = ev.userAgent.toLowerCase();
          const hit = uas.find((u) => ua.includes(u));
          if (hit) {
            // A User-Agent is a hint: a ban needs behaviour (a failed or refused request).
            const behaved = ev.kind !== 'auth-success' && ev.kind !== 'registration';
            ctx.raise({
              key: `ua:${ip}`,
              subject: { kind: 'source', source: ip },
              severity: behaved ? 'medium' : 'low',
              summary: `${formatEndpoint(ev.source)} announces scanner User-Agent '${ev.userAgent.slice(0, 80)}' (${ev.kind})`,
              events: [ev],
              ...(behaved
                ? { ban: { source: ip, duration: c.ban, reason: `scanner User-Agent '${hit}'` } }
                : { alert: 'scanner User-Agent on a successful request: check the account' }),
              cooldown: c.window,
            });
          }
        }
        if (!PROBES.has(ev.kind) || !ev.account || !/^\d{1,9}$/.test(ev.account)) return;
        let st = state.get(ip);
        if (!st) {
          st = { numbers: new Map(), uaRaised: false };
          state.set(ip, st);
        }
        const n = Number(ev.account);
        st.numbers.set(n, ev);
        for (const [k, e] of st.numbers) {
          if (ev.time - e.time > windowMs || st.numbers.size > 4 * c.sequential) st.numbers.delete(k);
          else break;
        }
        let lo = n;
        let hi = n;
        while (st.numbers.has(lo - 1)) lo--;
        while (st.numbers.has(hi + 1)) hi++;
        if (hi - lo + 1 < c.sequential) return;
        if (ctx.isCooling(`sweep:${ip}`, ev.time)) {
          st.numbers.clear();
          return;
        }
        const run: SecurityEvent[] = [];
        for (let k = lo; k <= hi; k++) run.push(st.numbers.get(k)!);
        run.sort((a, b) => a.time - b.time);
        ctx.raise({
          key: `sweep:${ip}`,
          subject: { kind: 'source', source: ip },
          summary: `${formatEndpoint(ev.source)} swept ${hi - lo + 1} consecutive accounts (${lo}..${hi}) within ${c.window} s`,
          events: run,
          ban: { source: ip, duration: c.ban, reason: 'sequential account sweep' },
          cooldown: c.window,
        });
        st.numbers.clear();
      },
    };
  },
});
