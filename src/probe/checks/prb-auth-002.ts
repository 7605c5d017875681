import { serialize } from '../../sip/serialize.js';
import { defineCheck, endpointId } from '../check.js';
import { exchangeEvidence, targetUri, withConnection } from '../util.js';

/** A minimal plain-RTP offer (nothing listens on it; the probe never sends media). */
export function plainOffer(address: string): string {
  const ip6 = address.includes(':');
  return [
    'v=0',
    `o=hardline 1 1 IN ${ip6 ? 'IP6' : 'IP4'} ${address}`,
    's=hardline probe',
    `c=IN ${ip6 ? 'IP6' : 'IP4'} ${address}`,
    't=0 0',
    'm=audio 9 RTP/AVP 0 8',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:8 PCMA/8000',
    'a=sendrecv',
    '',
  ].join('\r\n');
}

export default defineCheck({
  id: 'PRB-AUTH-002',
  title: 'INVITE to an external number proceeds without credentials',
  severity: 'critical',
  step: 'authentication',
  scope: 'endpoint',
  order: 55,
  sends:
    'One INVITE without credentials to probe.external_number (default the fictitious +442079460000) with a plain RTP offer on port 9 (the discard port; the probe never sends media). Anything above 100 Trying is CANCELled at once; a 2xx answer is ACKed and hung up with BYE.',
  impact:
    'With an open relay the dialled number may ring for a moment before the CANCEL arrives: set probe.external_number to a number you own.',
  docs: {
    why: 'Toll fraud starts with an INVITE from the Internet to an international or premium number. A server that rings or answers such a call without challenging the caller (an open relay or an anonymous/guest context that reaches the trunk) costs thousands per night. The probe CANCELs at once (or hangs up) anything that proceeds.',
    fix: 'Challenge every INVITE from outside the trunks: Kamailio: proxy_authorize/auth_check for non-local sources before routing to a gateway; Asterisk: no anonymous endpoint, allowguest=no in chan_sip, guest context without outbound routes; FreeSWITCH: the public context must not reach gateways.',
    refs: ['https://www.sipvicious.org/blog/2019/toll-fraud-via-sip/', 'RFC 3261 section 22.3'],
  },
  messages: {
    proceeds:
      'INVITE to {number} without credentials proceeded: {status} {reason} (the probe cancelled it at once)',
    answered:
      'INVITE to {number} without credentials was answered {status} {reason} (the probe hung up at once)',
  },
  async run(ctx) {
    const number = ctx.policy.probe.external_number;
    const r = await withConnection(ctx, async (conn, client) => {
      await ctx.pace();
      const req = client.build('INVITE', targetUri(ctx, number), {
        body: plainOffer(conn.local.address || '0.0.0.0'),
      });
      const ex = await client.transaction(req, {
        timeoutMs: ctx.policy.probe.timeout_ms + 2000,
        stopAtProvisional: true,
      });
      const f = ex.final;
      if (f && f.status >= 200 && f.status < 300) await client.hangUp(req, f);
      else if (!f && ex.responses.some((x) => x.status > 100)) {
        conn.send(serialize(client.cancelFor(req)));
        await new Promise((res) => setTimeout(res, 300));
      }
      return ex;
    });
    if ('error' in r) return ctx.note(`no connection: ${r.error.message}`);
    const ex = r.value;
    const f = ex.final;
    const prov = ex.responses.find((x) => x.status > 100 && x.status < 200);
    const target = `${endpointId(ctx.target)}/invite-external`;
    if (f && f.status < 300)
      ctx.report({
        messageId: 'answered',
        data: { number, status: f.status, reason: f.reason },
        target,
        evidence: exchangeEvidence(ex),
      });
    else if (prov && !f)
      ctx.report({
        messageId: 'proceeds',
        data: { number, status: prov.status, reason: prov.reason },
        target,
        evidence: exchangeEvidence(ex),
      });
  },
});
