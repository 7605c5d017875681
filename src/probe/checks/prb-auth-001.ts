import { defineCheck, endpointId } from '../check.js';
import { exchangeEvidence, randomExtension, sendRegister, withConnection } from '../util.js';

export default defineCheck({
  id: 'PRB-AUTH-001',
  title: 'REGISTER accepted without credentials',
  severity: 'critical',
  step: 'authentication',
  scope: 'endpoint',
  order: 50,
  sends:
    'REGISTER with Expires: 0 and no credentials, for a random extension and for probe.known_extension; a 2xx answer is reported. Expires: 0 asks the server to keep no binding even when it accepts.',
  docs: {
    why: 'A registrar that accepts REGISTER without a digest challenge lets anyone bind any extension to their own address: they receive its calls and, on most PBXs, may place calls as that extension, the classic route to toll fraud.',
    fix: 'Challenge every REGISTER: Kamailio: auth_check("$fd", "subscriber", "1") (or www_authorize) before save("location"); Asterisk pjsip: every endpoint has auth= and no anonymous endpoint; FreeSWITCH: auth-calls=true and no blind-reg.',
    refs: [
      'RFC 3261 section 10.3 and 22',
      'https://www.kamailio.org/docs/modules/stable/modules/auth_db.html',
    ],
  },
  messages: {
    accepted: 'REGISTER for {user} without credentials was accepted: {status} {reason}',
  },
  async run(ctx) {
    const users = [
      randomExtension(),
      ...(ctx.policy.probe.known_extension ? [ctx.policy.probe.known_extension] : []),
    ];
    const r = await withConnection(ctx, async (_c, client) => {
      const out = [];
      for (const u of users) out.push({ user: u, ex: await sendRegister(ctx, client, u) });
      return out;
    });
    if ('error' in r) return ctx.note(`no connection: ${r.error.message}`);
    for (const { user, ex } of r.value) {
      const f = ex.final;
      if (f && f.status >= 200 && f.status < 300)
        ctx.report({
          messageId: 'accepted',
          data: { user, status: f.status, reason: f.reason },
          target: `${endpointId(ctx.target)}/register`,
          evidence: exchangeEvidence(ex),
        });
    }
  },
});
