import { serialize } from '../../sip/serialize.js';
import { defineCheck, endpointId } from '../check.js';
import { exchangeEvidence, targetUri, withConnection } from '../util.js';
import { plainOffer } from './prb-auth-002.js';

export default defineCheck({
  id: 'PRB-SRTP-001',
  title: 'Plain RTP offer accepted where the policy requires SRTP',
  severity: 'high',
  step: 'transport',
  scope: 'endpoint',
  order: 80,
  policy: { uses: ['security.srtp', 'probe'], without: 'skip' },
  sends:
    "An INVITE from probe.account to probe.account.destination offering only RTP/AVP; the digest challenge is answered with the account's password, read from the environment variable named by probe.account.password_env (never from the policy, never printed). A call that rings is CANCELled and an answered one hung up at once.",
  impact:
    'The destination rings or answers for a moment: point probe.account.destination at a test extension.',
  docs: {
    why: 'With SRTP required, a call offered with plain RTP/AVP must be refused (488 Not Acceptable Here); a server that accepts it lets any phone, or an attacker stripping a=crypto, put the conversation on the wire in clear, where it can be recorded with a packet capture.',
    fix: 'Require encrypted media: Asterisk pjsip endpoint media_encryption=sdes (or dtls) with media_encryption_optimistic=no; FreeSWITCH rtp_secure_media=mandatory; Kamailio: reject INVITEs whose SDP offers RTP/AVP (e.g. search_body("RTP/AVP ") -> sl_send_reply("488", ...)) or enforce it in the media relay.',
    refs: ['RFC 4568 (SDES)', 'RFC 5764 (DTLS-SRTP)', 'RFC 3261 section 21.4.26'],
  },
  messages: {
    accepted:
      'an authenticated INVITE to {destination} offering only plain RTP/AVP got {status} {reason}: unencrypted media is accepted',
  },
  async run(ctx) {
    const acct = ctx.policy.probe.account;
    if (ctx.policy.security.srtp !== 'required')
      return ctx.note('security.srtp is not required: nothing to enforce');
    if (!acct) return ctx.note('needs probe.account (a test account) to place an authenticated call');
    const password = process.env[acct.password_env];
    if (!password)
      return ctx.note(`environment variable ${acct.password_env} (the test account password) is not set`);
    ctx.secret(password);
    const r = await withConnection(ctx, async (conn, client) => {
      const callId = `${Math.random().toString(36).slice(2)}@hardline`;
      const fromTag = Math.random().toString(36).slice(2, 10);
      const domain = targetUri(ctx).replace(/^sip:/, '').replace(/;.*$/, '');
      const uri = targetUri(ctx, acct.destination);
      let last: ReturnType<typeof client.build> | undefined;
      const res = await client.withAuth(
        (seq, auth) => {
          last = client.build('INVITE', uri, {
            from: `<sip:${acct.username}@${domain}>`,
            ids: { callId, fromTag, cseq: seq },
            body: plainOffer(conn.local.address || '0.0.0.0'),
            ...(auth ? { headers: [auth] } : {}),
          });
          return last;
        },
        { username: acct.username, password },
        { timeoutMs: ctx.policy.probe.timeout_ms + 3000 },
      );
      const ex = res.second ?? res.first;
      if (ex.final && ex.final.status < 300 && last) await client.hangUp(last, ex.final);
      else if (!ex.final && last && ex.responses.some((x) => x.status > 100))
        conn.send(serialize(client.cancelFor(last)));
      return { res, ex };
    });
    if ('error' in r) return ctx.note(`no connection: ${r.error.message}`);
    const { res, ex } = r.value;
    if (res.authFailed) return ctx.note(`authentication not possible: ${res.authFailed}`);
    const st = ex.final?.status;
    if (st === 401 || st === 407 || st === 403)
      return ctx.note(`the test account was not accepted (${st}); check probe.account`);
    const ok =
      ex.final && ex.final.status < 300
        ? ex.final
        : ex.responses.find((x) => x.status === 183 || x.status === 180);
    if (ok)
      ctx.report({
        messageId: 'accepted',
        data: { destination: acct.destination, status: ok.status, reason: ok.reason },
        target: `${endpointId(ctx.target)}/srtp`,
        evidence: exchangeEvidence(ex),
      });
  },
});
