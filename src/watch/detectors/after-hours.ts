import { defineDetector } from '../detector.js';
import { dialled } from './toll-destination.js';

export default defineDetector({
  id: 'after-hours',
  title: 'Toll fraud: international calls outside business hours',
  severity: 'high',
  docs: {
    why: 'Compromised accounts and PBXs are used for toll fraud at night and on weekends, when nobody watches; international calls then are the signal.',
    tune: '`detection.toll_fraud.business_hours` `{days, start, end, timezone}` (needed: without it this detector does not run), `international`, `premium`.',
  },
  enabled: (d) => d.toll_fraud.enabled && d.toll_fraud.business_hours !== undefined,
  kinds: ['call-attempt'],
  create(ctx) {
    const c = ctx.detection.toll_fraud;
    const bh = c.business_hours!;
    const patterns = [...c.international, ...c.premium].map((p) => new RegExp(p));
    const fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: bh.timezone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    const days = new Set<string>(bh.days);
    const inHours = (t: number): { open: boolean; local: string } => {
      const parts = fmt.formatToParts(new Date(t));
      const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
      const day = get('weekday').toLowerCase().slice(0, 3);
      const hm = `${get('hour')}:${get('minute')}`;
      const open =
        days.has(day) && (bh.start <= bh.end ? hm >= bh.start && hm < bh.end : hm >= bh.start || hm < bh.end);
      return { open, local: `${day} ${hm} ${bh.timezone}` };
    };
    return {
      onEvent(ev) {
        if (ev.kind !== 'call-attempt' || !ev.destination || !ev.account) return;
        const d = dialled(ev.destination);
        if (!patterns.some((r) => r.test(d))) return;
        const h = inHours(ev.time);
        if (h.open) return;
        ctx.raise({
          key: ev.account,
          subject: { kind: 'account', account: ev.account },
          summary: `account '${ev.account}' called ${d} at ${h.local}, outside business hours (${bh.days.join(',')} ${bh.start}-${bh.end})`,
          events: [ev],
          alert: 'international call outside business hours: possible toll fraud with a compromised account',
          cooldown: 3600,
        });
      },
    };
  },
});
