import { defineDetector, type Kept } from '../detector.js';
import { type EventKind, formatEndpoint } from '../event.js';
import { BusyState } from '../state.js';

const COUNTED = new Set<EventKind>([
  'unknown-account',
  'auth-failure',
  'auth-challenge',
  'acl-reject',
  'request',
]);

/** Per source: the newest event naming each distinct account, oldest first (at most `accounts`). */
class Seen {
  accounts: string[] = [];
  times: number[] = [];
  kept: Kept[] = [];

  /** Removes entries [0, n) or the one at i (n = 1). */
  remove(i: number, n: number): void {
    const len = this.accounts.length;
    for (let k = i; k + n < len; k++) {
      this.accounts[k] = this.accounts[k + n]!;
      this.times[k] = this.times[k + n]!;
      this.kept[k] = this.kept[k + n]!;
    }
    this.accounts.length = len - n;
    this.times.length = len - n;
    this.kept.length = len - n;
  }

  clear(): void {
    this.accounts.length = 0;
    this.times.length = 0;
    this.kept.length = 0;
  }
}

export default defineDetector({
  id: 'enumeration',
  title: 'Account enumeration from one source',
  severity: 'high',
  docs: {
    why: 'svwar and nmap sip-enum-users walk extension ranges and tell existing accounts from answers that differ (404 vs 401); a phone only ever names its own account.',
    tune: '`detection.enumeration.accounts` distinct accounts named by one source within `window` (default 10 in 2m), `ban`.',
  },
  enabled: (d) => d.enumeration.enabled,
  kinds: [...COUNTED],
  create(ctx) {
    const c = ctx.detection.enumeration;
    const windowMs = c.window * 1000;
    // per source (only for sources with two counted events within the window)
    const busy = new BusyState<Seen, string>(
      ctx.sourceSlab(1, 3),
      windowMs,
      c.accounts > 1,
      (t, k, account) => {
        const seen = new Seen();
        if (account !== undefined) {
          seen.accounts.push(account);
          seen.times.push(t);
          seen.kept.push(k as Kept);
        }
        return seen;
      },
    );
    return {
      onEvent(ev) {
        const account = ev.account;
        if (!ev.source || account === undefined) return;
        const ip = ev.source.ip;
        const kept = ctx.keep(ev);
        const seen = busy.take(ev.time, kept, account);
        if (!seen) return;
        const accounts = seen.accounts;
        for (let i = 0; i < accounts.length; i++) {
          if (accounts[i] === account) {
            seen.remove(i, 1);
            break;
          }
        }
        accounts.push(account);
        seen.times.push(ev.time);
        seen.kept.push(kept);
        let drop = 0;
        const times = seen.times;
        while (drop < times.length && (ev.time - times[drop]! > windowMs || times.length - drop > c.accounts))
          drop++;
        if (drop) seen.remove(0, drop);
        if (accounts.length < c.accounts) return;
        if (ctx.isCooling(ip, ev.time)) {
          seen.clear();
          return;
        }
        const list = ctx.evidence(seen.kept);
        ctx.raise({
          key: ip,
          subject: { kind: 'source', source: ip },
          summary: `${formatEndpoint(ev.source)} named ${list.length} different accounts within ${c.window} s (${accounts
            .slice(0, 6)
            .join(', ')}, ...)`,
          events: list,
          count: accounts.length,
          ban: { source: ip, duration: c.ban ?? ctx.detection.ban, reason: 'account enumeration' },
          cooldown: c.window,
        });
        seen.clear();
      },
    };
  },
});
