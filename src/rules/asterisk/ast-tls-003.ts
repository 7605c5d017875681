import { spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';

export default defineAsteriskRule({
  id: 'AST-TLS-003',
  title: 'No TLS transport although the policy requires SIP over TLS',
  severity: 'medium',
  step: 'transport',
  policy: { uses: ['security.sip_tls'], without: 'skip' },
  docs: {
    why: 'Without a TLS transport, SIP signalling (including digest exchanges, SDES-SRTP keys and dialled numbers) crosses the network in clear text, and remote phones cannot be required to use TLS.',
    fix: 'Add a pjsip transport with `protocol = tls`, a certificate (`cert_file`, `priv_key_file`), `method = tlsv1_2`, and point remote endpoints at it with `transport =`.',
    refs: ['https://docs.asterisk.org/Deployment/Secure-Calling/Secure-Calling-Tutorial/'],
  },
  messages: {
    none: 'security.sip_tls is {mode} but pjsip.conf defines no TLS or WSS transport (found: {found})',
  },
  check(m, ctx) {
    const mode = ctx.policy.security.sip_tls;
    if (mode === 'off' || m.pjsip.transports.length === 0) return;
    const protos = m.pjsip.transports.map((t) => (t.value('protocol') ?? 'udp').toLowerCase());
    if (protos.some((p) => p === 'tls' || p === 'wss')) return;
    ctx.report({
      messageId: 'none',
      data: { mode, found: [...new Set(protos)].join(', ') },
      at: spanOf(m.pjsip.transports[0]!),
      target: 'pjsip:transports',
      ...(mode === 'preferred' ? { severity: 'low' as const } : {}),
    });
  },
});
