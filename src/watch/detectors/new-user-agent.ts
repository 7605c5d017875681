import { defineDetector } from '../detector.js';
import { formatEndpoint, isAuthSuccess } from '../event.js';

/** Product part of a User-Agent: the text without version-like tokens. */
export function uaProduct(ua: string): string {
  return ua
    .split(/\s+/)
    .map((t) => t.replace(/\/[^/\s]*\d[^/\s]*$/, ''))
    .filter((t) => t && !/^v?\d[\w.-]*$/i.test(t))
    .join(' ')
    .toLowerCase();
}

export default defineDetector({
  id: 'new-user-agent',
  title: 'New User-Agent or firmware on an account',
  severity: 'low',
  docs: {
    why: 'A registered account that suddenly presents another device (or softphone) may be used by someone else; a firmware change is worth knowing about (VoIPmonitor alerts on a new User-Agent). The User-Agent is data the client chooses: this is a signal, never a reason to ban.',
    tune: '`detection.new_user_agent.enabled`.',
  },
  enabled: (d) => d.new_user_agent.enabled,
  kinds: ['auth-success', 'registration'],
  create(ctx) {
    const known = ctx.lru<string, Map<string, string>>();
    return {
      onEvent(ev) {
        if (!ev.account || !ev.userAgent || !isAuthSuccess(ev.kind)) return;
        const ua = ev.userAgent.slice(0, 200);
        const key = `${ev.pbx ?? ''}/${ev.account}`;
        const uas = known.get(key);
        if (!uas) {
          known.set(key, new Map([[ua, uaProduct(ua)]]));
          return;
        }
        if (uas.has(ua)) return;
        const product = uaProduct(ua);
        const sameProduct = [...uas.values()].includes(product);
        const before = [...uas.keys()];
        if (uas.size >= 8) uas.delete(before[0]!);
        uas.set(ua, product);
        ctx.raise({
          key: `${key}:${ua}`,
          subject: { kind: 'account', account: ev.account, ...(ev.source ? { source: ev.source.ip } : {}) },
          severity: sameProduct ? 'info' : 'low',
          summary: sameProduct
            ? `account '${ev.account}' now runs '${ua}' (firmware change; before: '${before[before.length - 1]}')`
            : `account '${ev.account}' registered with a new device '${ua}' from ${formatEndpoint(ev.source)} (before: '${before[before.length - 1]}')`,
          events: [ev],
          alert: sameProduct
            ? 'firmware changed'
            : 'new device on this account: confirm it belongs to the user',
          cooldown: 86400,
        });
      },
    };
  },
});
