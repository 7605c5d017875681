import { spanOf, via } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';

export default defineAsteriskRule({
  id: 'AST-SRTP-001',
  title: 'Endpoint media not encrypted although the policy requires SRTP',
  severity: 'high',
  step: 'transport',
  policy: { uses: ['security.srtp'], without: 'skip' },
  docs: {
    why: 'With `media_encryption = no` (the pjsip default) calls are plain RTP: anyone on the path records the audio. When the site policy requires SRTP, every endpoint that is not explicitly excepted must negotiate it.',
    fix: 'Set `media_encryption = sdes` (with a TLS transport, so the keys are not sent in clear) or `dtls` on the endpoint, and `media_encryption_optimistic = no`. Record devices that cannot do SRTP (fax ATAs, some trunks) as policy exceptions with an approver and expiry.',
    refs: ['https://docs.asterisk.org/Deployment/Secure-Calling/Secure-Calling-Tutorial/'],
  },
  messages: {
    plain: 'endpoint {endpoint} uses media_encryption={value}{via}; the policy requires SRTP',
  },
  check(m, ctx) {
    if (ctx.policy.security.srtp !== 'required') return;
    for (const ep of m.pjsip.endpoints) {
      const v = ep.get('media_encryption');
      const value = (v?.value ?? 'no').toLowerCase();
      if (value === 'sdes' || value === 'dtls') continue;
      ctx.report({
        messageId: 'plain',
        data: { endpoint: ep.name, value: v ? value : 'no (default)', via: via(v) },
        at: spanOf(v ?? ep),
        target: `pjsip:endpoint/${ep.name}`,
      });
    }
  },
});
