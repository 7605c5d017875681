import { defineDetector, type Kept } from '../detector.js';
import { RecentRing } from '../state.js';

export default defineDetector({
  id: 'distributed-brute-force',
  title: 'Password guessing on one account from many sources',
  severity: 'high',
  docs: {
    why: 'Botnets spread guesses for one extension over many addresses so that no single address crosses a per-source threshold.',
    tune: '`detection.distributed_brute_force.failures` failures from at least `sources` distinct addresses within `window` (default 25 from 5 in 10m).',
  },
  enabled: (d) => d.distributed_brute_force.enabled,
  kinds: ['auth-failure', 'ami-auth-failure'],
  create(ctx) {
    const c = ctx.detection.distributed_brute_force;
    const windowMs = c.window * 1000;
    // per account: the last `failures` failures, each tagged with its source address
    const state = ctx.lru<string, RecentRing<Kept>>();
    return {
      onEvent(ev) {
        if (!ev.source || !ev.account) return;
        // AMI and SIP accounts are different things; SIP (the common case) is keyed by the bare name
        const key = ev.kind === 'ami-auth-failure' ? `AMI/${ev.account}` : ev.account;
        let ring = state.get(key);
        if (!ring) {
          ring = new RecentRing<Kept>(c.failures);
          state.set(key, ring);
        }
        ring.push(ev.time, ctx.keep(ev), ev.source.ip);
        if (!ring.full(ev.time, windowMs)) return;
        if (ctx.isCooling(`account:${key}`, ev.time)) {
          ring.clear();
          return;
        }
        if (!ring.tagsAtLeast(c.sources)) return;
        const sources = [...new Set(ring.tagList() as string[])];
        const list = ctx.evidence(ring.list());
        ctx.raise({
          key: `account:${key}`,
          subject: { kind: 'account', account: ev.account },
          summary: `${c.failures} failed logins for account '${ev.account}' from ${sources.length} sources within ${c.window} s`,
          events: list,
          count: c.failures,
          sources,
          alert:
            'distributed guessing: block the sources listed or change the password; no single source is banned',
          cooldown: c.window,
        });
        ring.clear();
      },
    };
  },
});
