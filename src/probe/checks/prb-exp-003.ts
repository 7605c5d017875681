import { defineCheck, endpointId } from '../check.js';
import { exchangeEvidence, sendOptions, withConnection } from '../util.js';

export default defineCheck({
  id: 'PRB-EXP-003',
  title: 'OPTIONS from a stranger is answered',
  severity: 'low',
  step: 'exposure',
  scope: 'endpoint',
  order: 30,
  sends:
    'One OPTIONS without credentials from a random From user; a 2xx answer is reported, with its Allow header.',
  docs: {
    why: 'An OPTIONS request is how svmap and every SIP scanner find servers: a 200 OK to an unknown source confirms a live SIP service and lists its methods, extensions and capabilities. Servers that only answer trunks and registered phones stay invisible to sweeps.',
    fix: 'Answer OPTIONS only from trusted sources: Kamailio: reply to OPTIONS for the server itself only when allow_source_address() or the source is registered, otherwise drop; Asterisk: no anonymous endpoint and a firewall allowing SIP only from known networks where roaming is not needed; FreeSWITCH: apply-inbound-acl on the profile.',
    refs: ['RFC 3261 section 11', 'https://github.com/EnableSecurity/sipvicious/wiki/SVMap-Usage'],
  },
  messages: {
    answered: 'OPTIONS from an unknown source got {status} {reason}{allow}',
  },
  async run(ctx) {
    const r = await withConnection(ctx, (_c, client) => sendOptions(ctx, client));
    if ('error' in r) return ctx.note(`no connection: ${r.error.message}`);
    const f = r.value.final;
    if (!f || f.status >= 300) return;
    const allow = f.get('allow');
    ctx.report({
      messageId: 'answered',
      data: { status: f.status, reason: f.reason, allow: allow ? ` (Allow: ${allow})` : '' },
      target: `${endpointId(ctx.target)}/options`,
      evidence: exchangeEvidence(r.value),
    });
  },
});
