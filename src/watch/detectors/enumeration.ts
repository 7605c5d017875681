import { defineDetector } from '../detector.js';
import { type EventKind, formatEndpoint, type SecurityEvent } from '../event.js';

const COUNTED = new Set<EventKind>([
  'unknown-account',
  'auth-failure',
  'auth-challenge',
  'acl-reject',
  'request',
]);

export default defineDetector({
  id: 'enumeration',
  title: 'Account enumeration from one source',
  severity: 'high',
  docs: {
    why: 'svwar and nmap sip-enum-users walk extension ranges and tell existing accounts from answers that differ (404 vs 401); a phone only ever names its own account.',
    tune: '`detection.enumeration.accounts` distinct accounts named by one source within `window` (default 10 in 2m), `ban`.',
  },
  enabled: (d) => d.enumeration.enabled,
  create(ctx) {
    const c = ctx.detection.enumeration;
    const windowMs = c.window * 1000;
    // per source: account -> newest event naming it (at most c.accounts + 1 kept)
    const state = ctx.lru<string, Map<string, SecurityEvent>>();
    return {
      onEvent(ev) {
        if (!ev.source || ev.account === undefined || !COUNTED.has(ev.kind)) return;
        const ip = ev.source.ip;
        const seen = state.upsert(ip, () => new Map());
        seen.delete(ev.account);
        seen.set(ev.account, ev);
        for (const [acc, e] of seen) {
          if (ev.time - e.time <= windowMs && seen.size <= c.accounts) break;
          seen.delete(acc);
        }
        if (seen.size < c.accounts) return;
        const list = [...seen.values()];
        ctx.raise({
          key: ip,
          subject: { kind: 'source', source: ip },
          summary: `${formatEndpoint(ev.source)} named ${list.length} different accounts within ${c.window} s (${list
            .slice(0, 6)
            .map((e) => e.account)
            .join(', ')}, ...)`,
          events: list,
          count: list.length,
          ban: { source: ip, duration: c.ban ?? ctx.detection.ban, reason: 'account enumeration' },
          cooldown: c.window,
        });
        seen.clear();
      },
    };
  },
});
