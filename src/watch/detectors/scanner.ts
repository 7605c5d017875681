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

/**
 * Per source: numeric accounts named recently, in the order first named (a number named again
 * keeps its place and takes the newer event), with the event that named each.
 */
class Numbers {
  nums: number[] = [];
  kept: Kept[] = [];

  indexOf(n: number): number {
    const a = this.nums;
    for (let i = 0; i < a.length; i++) if (a[i] === n) return i;
    return -1;
  }

  has(n: number): boolean {
    return this.indexOf(n) >= 0;
  }

  set(n: number, k: Kept): void {
    const i = this.indexOf(n);
    if (i >= 0) this.kept[i] = k;
    else {
      this.nums.push(n);
      this.kept.push(k);
    }
  }

  /** Drops the first `d` entries. */
  dropFirst(d: number): void {
    const len = this.nums.length;
    for (let i = d; i < len; i++) {
      this.nums[i - d] = this.nums[i]!;
      this.kept[i - d] = this.kept[i]!;
    }
    this.nums.length = len - d;
    this.kept.length = len - d;
  }

  clear(): void {
    this.nums.length = 0;
    this.kept.length = 0;
  }
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
    const busy = new BusyState<Numbers, number>(
      ctx.sourceSlab(1, 3),
      windowMs,
      c.sequential > 1,
      (_t, k, n) => {
        const st = new Numbers();
        if (n !== undefined) st.set(n, k as Kept);
        return st;
      },
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
        const numbers = busy.take(ev.time, kept, n);
        if (!numbers) return;
        numbers.set(n, kept);
        // forget the oldest while they are out of the window or too many (as a Map in insertion
        // order would: a number named again keeps its place)
        let d = 0;
        const len = numbers.nums.length;
        while (d < len && (ev.time - numbers.kept[d]!.time > windowMs || len - d > 4 * c.sequential)) d++;
        if (d) numbers.dropFirst(d);
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
        for (let k = lo; k <= hi; k++) run.push(numbers.kept[numbers.indexOf(k)]!);
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
