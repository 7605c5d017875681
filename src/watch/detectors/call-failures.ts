import { defineDetector, type Kept } from '../detector.js';
import { RateRing, RecentRing } from '../state.js';

export default defineDetector({
  id: 'call-failures',
  title: 'Spike of call failures with one SIP code',
  severity: 'medium',
  docs: {
    why: 'A burst of 404/403/503 answers to calls means probing for dialable numbers, a broken trunk or an overloaded PBX; either way someone should look.',
    tune: '`detection.call_failures.max` failures with one SIP code within `window` (default 20 in 1m).',
  },
  enabled: (d) => d.call_failures.enabled,
  create(ctx) {
    const c = ctx.detection.call_failures;
    const windowMs = c.window * 1000;
    const byCode = ctx.lru<number, { rate: RateRing; recent: RecentRing<Kept> }>(1000);
    return {
      onEvent(ev) {
        const code = ev.sip?.code;
        if (code === undefined || code < 400) return;
        if (ev.kind !== 'call-rejected' && ev.sip?.method !== 'INVITE') return;
        let st = byCode.get(code);
        if (!st) {
          st = { rate: new RateRing(c.max), recent: new RecentRing(20) };
          byCode.set(code, st);
        }
        st.recent.push(ev.time, ctx.keep(ev));
        if (!st.rate.hit(ev.time, windowMs)) return;
        if (ctx.isCooling(`code:${code}`, ev.time)) {
          st.rate.reset(); // raise() would drop it: skip decoding evidence
          return;
        }
        const list = ctx.evidence(st.recent.list());
        const sources = [...new Set(list.flatMap((e) => (e.source ? [e.source.ip] : [])))];
        ctx.raise({
          key: `code:${code}`,
          subject: { kind: 'global' },
          summary: `${c.max} calls failed with SIP ${code} within ${c.window} s (${sources.length} sources among the last ${list.length})`,
          events: list,
          count: c.max,
          sources,
          alert: `call failures with SIP ${code} above the usual rate`,
          cooldown: c.window * 5,
        });
        st.rate.reset();
      },
    };
  },
});
