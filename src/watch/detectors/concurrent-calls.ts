import { defineDetector, type Kept } from '../detector.js';

export default defineDetector({
  id: 'concurrent-calls',
  title: 'Toll fraud: spike of concurrent calls on one account',
  severity: 'high',
  docs: {
    why: 'Fraudsters run many calls in parallel through one compromised account; VoIPmonitor alerts on concurrent calls per source. A call is in progress from its start until its end is seen, or for `call_duration` when no end is logged.',
    tune: '`detection.toll_fraud.concurrent_calls` (default 10), `call_duration` (default 10m).',
  },
  enabled: (d) => d.toll_fraud.enabled,
  kinds: ['call-attempt', 'call-ended'],
  create(ctx) {
    const c = ctx.detection.toll_fraud;
    const durMs = c.call_duration * 1000;
    const calls = ctx.lru<string, Map<string, Kept>>();
    let seq = 0;
    return {
      onEvent(ev) {
        if (!ev.account || (ev.kind !== 'call-attempt' && ev.kind !== 'call-ended')) return;
        let active = calls.get(ev.account);
        if (!active) {
          active = new Map();
          calls.set(ev.account, active);
        }
        const id = ev.sip?.callId ?? `#${seq++}`;
        if (ev.kind === 'call-ended') {
          active.delete(id);
          return;
        }
        active.set(id, ctx.keep(ev));
        for (const [k, e] of active) {
          if (ev.time - e.time > durMs || active.size > c.concurrent_calls * 4) active.delete(k);
          else break;
        }
        if (active.size <= c.concurrent_calls) return;
        if (ctx.isCooling(ev.account, ev.time)) return; // raise() would drop it: skip decoding evidence
        const list = ctx.evidence([...active.values()]);
        ctx.raise({
          key: ev.account,
          subject: { kind: 'account', account: ev.account },
          summary: `account '${ev.account}' has ${active.size} calls in progress (limit ${c.concurrent_calls}); destinations: ${[
            ...new Set(list.map((e) => e.destination ?? '?')),
          ]
            .slice(0, 5)
            .join(', ')}`,
          events: list,
          count: active.size,
          alert: 'concurrent-call spike: possible toll fraud; check the account and its destinations',
          cooldown: c.call_duration,
        });
      },
    };
  },
});
