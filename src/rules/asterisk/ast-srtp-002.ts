import { spanOf, via } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';
import { astTrue } from '../../pbx/asterisk/values.js';

export default defineAsteriskRule({
  id: 'AST-SRTP-002',
  title: 'SRTP may silently fall back to plain RTP',
  severity: 'medium',
  step: 'transport',
  policy: { uses: ['security.srtp'], without: 'defaults' },
  docs: {
    why: '`media_encryption_optimistic = yes` offers SRTP but accepts a plain RTP answer without a word: anyone who strips the crypto attributes from the SDP downgrades the call to clear audio, and neither side notices.',
    fix: 'Set `media_encryption_optimistic = no` on endpoints that must be encrypted, so a call without SRTP fails instead of going out in clear.',
    refs: ['https://docs.asterisk.org/Deployment/Secure-Calling/Secure-Calling-Tutorial/'],
  },
  messages: {
    optimistic:
      'endpoint {endpoint} has media_encryption_optimistic=yes{via}: SRTP is dropped silently if the peer declines it',
  },
  check(m, ctx) {
    for (const ep of m.pjsip.endpoints) {
      const v = ep.get('media_encryption_optimistic');
      if (!v || !astTrue(v.value)) continue;
      const enc = (ep.value('media_encryption') ?? 'no').toLowerCase();
      if (enc !== 'sdes' && enc !== 'dtls') continue; // nothing to fall back from
      ctx.report({
        messageId: 'optimistic',
        data: { endpoint: ep.name, via: via(v) },
        at: spanOf(v),
        target: `pjsip:endpoint/${ep.name}`,
        ...(ctx.policy.security.srtp === 'required' ? { severity: 'high' as const } : {}),
      });
    }
  },
});
