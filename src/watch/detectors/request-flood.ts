import { defineDetector, type Kept } from '../detector.js';
import { formatEndpoint, type SecurityEvent } from '../event.js';
import { BusyState, RateRing, RecentRing } from '../state.js';

interface SourceState {
  rate: RateRing;
  /** Evidence, kept only once the source gets busy. */
  recent: RecentRing<Kept> | undefined;
}

export default defineDetector({
  id: 'request-flood',
  title: 'Request flood from one source, or all sources together',
  severity: 'medium',
  docs: {
    why: 'Floods (REGISTER/OPTIONS/INVITE storms) exhaust the PBX; Kamailio pike and the FreePBX firewall ban at ~16 requests/2 s or 50 packets/10 s. The global rate catches floods spread over spoofed sources.',
    tune: '`detection.request_flood.per_source` and `global` `{max, window}` (defaults 50/10s and 2000/10s; `hardline baseline` proposes site values), `ban`.',
  },
  enabled: (d) => d.request_flood.enabled,
  create(ctx) {
    const c = ctx.detection.request_flood;
    const ps = c.per_source;
    const psMs = ps.window * 1000;
    const globalRing = new RateRing(c.global.max);
    const globalRecent = new RecentRing<SecurityEvent>(20);
    const busyFor = (st: SourceState, time: number, kept: Kept) => {
      // Keep evidence only for sources that are getting busy: one-shot (spoofed) sources cost
      // a few numbers, not events.
      if (st.rate.size * 2 >= ps.max) {
        st.recent ??= new RecentRing(10);
        st.recent.push(time, kept);
      }
    };
    // per source (the rate ring only for sources with two events within the window)
    const busy = new BusyState<SourceState, undefined>(ctx.sourceSlab(1, 3), psMs, ps.max > 1, (t, k) => {
      const st: SourceState = { rate: new RateRing(ps.max), recent: undefined };
      if (k !== undefined) {
        st.rate.hit(t, psMs);
        busyFor(st, t, k as Kept);
      }
      return st;
    });
    return {
      onEvent(ev) {
        globalRecent.push(ev.time, ev);
        if (globalRing.hit(ev.time, c.global.window * 1000)) {
          ctx.raise({
            key: 'global',
            subject: { kind: 'global' },
            summary: `${c.global.max} events within ${c.global.window} s from all sources together (above the site's rate)`,
            events: globalRecent.list(),
            count: c.global.max,
            alert:
              'global request rate above the baseline: a flood spread over many (possibly spoofed) sources',
            cooldown: c.global.window * 6,
          });
          globalRing.reset();
        }
        if (!ev.source) return;
        const ip = ev.source.ip;
        const kept = ctx.keep(ev);
        const st = busy.take(ev.time, kept, undefined);
        if (!st) return;
        const fired = st.rate.hit(ev.time, psMs);
        busyFor(st, ev.time, kept);
        if (!fired) return;
        if (ctx.isCooling(ip, ev.time)) {
          st.rate.reset();
          return;
        }
        ctx.raise({
          key: ip,
          subject: { kind: 'source', source: ip },
          summary: `${ps.max} requests from ${formatEndpoint(ev.source)} within ${ps.window} s`,
          events: st.recent ? ctx.evidence(st.recent.list()) : [ev],
          count: ps.max,
          ban: { source: ip, duration: c.ban, reason: 'request flood' },
          cooldown: ps.window * 6,
        });
        st.rate.reset();
      },
    };
  },
});
