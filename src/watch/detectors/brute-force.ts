import { defineDetector } from '../detector.js';
import { formatEndpoint, isAuthFailure, type SecurityEvent } from '../event.js';
import { RecentRing } from '../state.js';

export default defineDetector({
  id: 'brute-force',
  title: 'Password guessing from one source',
  severity: 'high',
  docs: {
    why: 'svcrack, sipvicious-style and AMI crackers try many passwords from one address; each failed digest or AMI login is logged with the socket address.',
    tune: '`detection.brute_force.failures` failed logins within `window` (default 10 in 5m, like fail2ban), `ban`.',
  },
  enabled: (d) => d.brute_force.enabled,
  create(ctx) {
    const c = ctx.detection.brute_force;
    const windowMs = c.window * 1000;
    const state = ctx.lru<string, RecentRing<SecurityEvent>>();
    return {
      onEvent(ev) {
        if (!ev.source || !isAuthFailure(ev.kind)) return;
        const ip = ev.source.ip;
        let ring = state.get(ip);
        if (!ring) {
          ring = new RecentRing<SecurityEvent>(c.failures);
          state.set(ip, ring);
        }
        ring.push(ev.time, ev);
        if (!ring.full(ev.time, windowMs)) return;
        if (ctx.isCooling(ip, ev.time)) {
          ring.clear();
          return;
        }
        const list = ring.list();
        const accounts = new Set(list.map((e) => e.account ?? '?'));
        ctx.raise({
          key: ip,
          subject: { kind: 'source', source: ip },
          summary: `${c.failures} failed logins from ${formatEndpoint(ev.source)} within ${c.window} s (accounts: ${[...accounts].slice(0, 5).join(', ')}${accounts.size > 5 ? ', ...' : ''})`,
          events: list,
          count: c.failures,
          ban: { source: ip, duration: c.ban ?? ctx.detection.ban, reason: 'password guessing' },
          cooldown: c.window,
        });
        ring.clear();
      },
    };
  },
});
