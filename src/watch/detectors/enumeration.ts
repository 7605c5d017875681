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
    // per source: the newest event naming each distinct account, oldest first (at most c.accounts)
    const state = ctx.lru<string, SecurityEvent[]>();
    return {
      onEvent(ev) {
        if (!ev.source || ev.account === undefined || !COUNTED.has(ev.kind)) return;
        const ip = ev.source.ip;
        let seen = state.get(ip);
        if (!seen) {
          seen = [];
          state.set(ip, seen);
        }
        for (let i = 0; i < seen.length; i++) {
          if (seen[i]!.account === ev.account) {
            seen.splice(i, 1);
            break;
          }
        }
        seen.push(ev);
        let drop = 0;
        while (
          drop < seen.length &&
          (ev.time - seen[drop]!.time > windowMs || seen.length - drop > c.accounts)
        )
          drop++;
        if (drop) seen.splice(0, drop);
        if (seen.length < c.accounts) return;
        if (ctx.isCooling(ip, ev.time)) {
          seen.length = 0;
          return;
        }
        const list = seen.slice();
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
        seen.length = 0;
      },
    };
  },
});
