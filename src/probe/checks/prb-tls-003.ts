import { tlsHandshake } from '../../sip/transport/index.js';
import { defineCheck, endpointId } from '../check.js';

const DAY = 86_400_000;

export default defineCheck({
  id: 'PRB-TLS-003',
  title: 'TLS certificate expired or about to expire',
  severity: 'high',
  step: 'transport',
  scope: 'endpoint',
  transports: ['tls', 'wss'],
  order: 72,
  sends:
    'One TLS handshake (no SIP); reads the validity dates of every certificate the server presents and of the chain built to a trusted root.',
  docs: {
    why: 'When the SIP certificate expires, phones that verify it stop registering (an outage), and the usual quick fix, turning verification off, leaves them open to interception for good. Renewal has to happen before, not after.',
    fix: 'Renew the certificate (automate it, e.g. ACME) and reload the SIP server (Kamailio: kamcmd tls.reload; Asterisk: module reload res_pjsip.so; FreeSWITCH: sofia profile restart). Alert 30 days before expiry.',
    refs: ['https://www.rfc-editor.org/rfc/rfc8555'],
  },
  messages: {
    expired: 'the certificate {subject} expired on {date}',
    soon: 'the certificate {subject} expires in {days} days ({date})',
    notYet: 'the certificate {subject} is not valid before {date}',
  },
  async run(ctx) {
    await ctx.pace();
    let info: Awaited<ReturnType<typeof tlsHandshake>>;
    try {
      info = await tlsHandshake(ctx.target, ctx.connectOptions);
    } catch (e) {
      return ctx.note(`no TLS handshake: ${(e as Error).message}`);
    }
    const now = Date.now();
    info.chain.forEach((c, i) => {
      const to = new Date(c.validTo).getTime();
      const from = new Date(c.validFrom).getTime();
      const target = `${endpointId(ctx.target)}/certificate/${i}`;
      const evidence = [
        `chain[${i}] subject ${c.subject}; valid ${c.validFrom} .. ${c.validTo}; sha256 ${c.fingerprint256}`,
      ];
      if (to < now)
        ctx.report({
          messageId: 'expired',
          data: { subject: c.subject, date: c.validTo.slice(0, 10) },
          severity: 'critical',
          target,
          evidence,
        });
      else if (from > now)
        ctx.report({
          messageId: 'notYet',
          data: { subject: c.subject, date: c.validFrom.slice(0, 10) },
          target,
          evidence,
        });
      else if (to - now < 30 * DAY)
        ctx.report({
          messageId: 'soon',
          data: { subject: c.subject, days: Math.floor((to - now) / DAY), date: c.validTo.slice(0, 10) },
          severity: 'medium',
          target,
          evidence,
        });
    });
  },
});
