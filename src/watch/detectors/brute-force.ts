import { defineDetector, type Kept } from '../detector.js';
import { formatEndpoint } from '../event.js';
import { BusyState, RecentRing } from '../state.js';

export default defineDetector({
  id: 'brute-force',
  title: 'Password guessing from one source',
  severity: 'high',
  docs: {
    why: 'svcrack, sipvicious-style and AMI crackers try many passwords from one address; each failed digest or AMI login is logged with the socket address.',
    tune: '`detection.brute_force.failures` failed logins within `window` (default 10 in 5m, like fail2ban), `ban`.',
  },
  enabled: (d) => d.brute_force.enabled,
  kinds: ['auth-failure', 'ami-auth-failure'],
  create(ctx) {
    const c = ctx.detection.brute_force;
    const windowMs = c.window * 1000;
    // per source: the last `failures` failures (only for sources with two within the window)
    const busy = new BusyState<RecentRing<Kept>, undefined>(
      ctx.sourceSlab(1, 3),
      windowMs,
      c.failures > 1,
      (t, k) => {
        const ring = new RecentRing<Kept>(c.failures);
        if (k !== undefined) ring.push(t, k as Kept);
        return ring;
      },
    );
    return {
      onEvent(ev) {
        if (!ev.source) return;
        const ip = ev.source.ip;
        const kept = ctx.keep(ev);
        const ring = busy.take(ev.time, kept, undefined);
        if (!ring) return;
        ring.push(ev.time, kept);
        if (!ring.full(ev.time, windowMs)) return;
        if (ctx.isCooling(ip, ev.time)) {
          ring.clear();
          return;
        }
        const list = ctx.evidence(ring.list());
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
