import { defineDetector, type Kept } from '../detector.js';
import { type EventKind, formatEndpoint } from '../event.js';
import { BusyState } from '../state.js';

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

/** Per source: numeric accounts named recently (insertion order), with the event that named each. */
interface SourceState {
  numbers: Map<number, Kept>;
}

/** `^\d{1,9}$` */
function isSmallNumber(t: string): boolean {
  const n = t.length;
  if (n < 1 || n > 9) return false;
  for (let i = 0; i < n; i++) {
    const c = t.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
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
    // per source (only for sources with two probes of numeric accounts within the window)
    const busy = new BusyState<SourceState, number>(
      ctx.sourceSlab(1, 3),
      windowMs,
      c.sequential > 1,
      (_t, k, n) => ({ numbers: n === undefined ? new Map() : new Map([[n, k as Kept]]) }),
    );
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
        if (!PROBES.has(ev.kind) || !ev.account || !isSmallNumber(ev.account)) return;
        const n = Number(ev.account);
        const kept = ctx.keep(ev);
        const st = busy.take(ev.time, kept, n);
        if (!st) return;
        const numbers = st.numbers;
        numbers.set(n, kept);
        for (const k of numbers.keys()) {
          if (ev.time - numbers.get(k)!.time > windowMs || numbers.size > 4 * c.sequential) numbers.delete(k);
          else break;
        }
        let lo = n;
        let hi = n;
        while (numbers.has(lo - 1)) lo--;
        while (numbers.has(hi + 1)) hi++;
        if (hi - lo + 1 < c.sequential) return;
        if (ctx.isCooling(`sweep:${ip}`, ev.time)) {
          numbers.clear();
          return;
        }
        const run: Kept[] = [];
        for (let k = lo; k <= hi; k++) run.push(numbers.get(k)!);
        run.sort((a, b) => a.time - b.time);
        ctx.raise({
          key: `sweep:${ip}`,
          subject: { kind: 'source', source: ip },
          summary: `${formatEndpoint(ev.source)} swept ${hi - lo + 1} consecutive accounts (${lo}..${hi}) within ${c.window} s`,
          events: ctx.evidence(run),
          ban: { source: ip, duration: c.ban, reason: 'sequential account sweep' },
          cooldown: c.window,
        });
        numbers.clear();
      },
    };
  },
});
