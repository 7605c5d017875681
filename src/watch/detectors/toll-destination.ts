import { defineDetector } from '../detector.js';
import { formatEndpoint } from '../event.js';

/** Dialled text reduced to what a pattern should see: digits, `+`, `*`, `#`. */
export function dialled(dest: string): string {
  for (let i = 0; i < dest.length; i++) {
    const c = dest.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || c === 43 || c === 42 || c === 35)) return dest.replace(/[^0-9+*#]/g, '');
  }
  return dest;
}

export default defineDetector({
  id: 'toll-destination',
  title: 'Toll fraud: calls to premium or (unauthenticated) international destinations',
  severity: 'high',
  docs: {
    why: 'Toll fraud pays the attacker per minute to premium and satellite ranges; scanners first probe with unauthenticated INVITEs to international numbers (sippts, "extension not found" rejections).',
    tune: '`detection.toll_fraud.international` and `premium` (regular expressions on the dialled number).',
  },
  enabled: (d) => d.toll_fraud.enabled,
  kinds: ['call-attempt', 'call-rejected'],
  create(ctx) {
    const c = ctx.detection.toll_fraud;
    const intl = c.international.map((p) => new RegExp(p));
    const premium = c.premium.map((p) => new RegExp(p));
    return {
      onEvent(ev) {
        if ((ev.kind !== 'call-attempt' && ev.kind !== 'call-rejected') || !ev.destination) return;
        const d = dialled(ev.destination);
        const isPremium = premium.some((r) => r.test(d));
        const isIntl = isPremium || intl.some((r) => r.test(d));
        if (!isIntl) return;
        const what = isPremium ? 'premium' : 'international';
        if (ev.kind === 'call-rejected' && ev.source) {
          const ip = ev.source.ip;
          ctx.raise({
            key: `probe:${ip}`,
            subject: { kind: 'source', source: ip, ...(ev.account ? { account: ev.account } : {}) },
            summary: `${formatEndpoint(ev.source)} tried a call to ${what} number ${d} that was rejected (toll-fraud probing)`,
            events: [ev],
            ban: {
              source: ip,
              duration: ctx.detection.ban,
              reason: `toll-fraud probe to ${what} destination`,
            },
            cooldown: 3600,
          });
        } else if (ev.kind === 'call-attempt' && isPremium && ev.account) {
          ctx.raise({
            key: `premium:${ev.account}:${d.slice(0, 6)}`,
            subject: { kind: 'account', account: ev.account },
            summary: `account '${ev.account}' is calling premium-rate number ${d}`,
            events: [ev],
            alert: 'call to a premium-rate destination: confirm it is legitimate or block the route',
            cooldown: 3600,
          });
        }
      },
    };
  },
});
