import { tlsEnabled } from '../../pbx/kamailio/common.js';
import { defineKamailioRule } from '../../pbx/kamailio/rule.js';

export default defineKamailioRule({
  id: 'KAM-TLS-001',
  title: 'SIP over TLS not enabled where the policy requires it',
  severity: 'medium',
  step: 'transport',
  policy: { uses: ['security.sip_tls'], without: 'skip' },
  docs: {
    why: 'Without TLS, SIP through the edge travels in clear: who calls whom, digest exchanges (crackable offline for weak passwords) and the SRTP keys in SDP. The stock cfg leaves TLS off unless WITH_TLS is defined.',
    fix: 'Load tls.so, set `enable_tls=yes`, add `listen=tls:<address>:5061`, and configure tls.cfg with `method = TLSv1.2+`, a certificate and, for connections to the PBX or carrier, `verify_certificate = yes`.',
    refs: ['Kamailio tls module README', 'Kamailio etc/kamailio.cfg (WITH_TLS)'],
  },
  messages: {
    off: 'TLS is not enabled ({why}); the policy requires SIP over TLS',
  },
  check(m, ctx) {
    if (ctx.policy.security.sip_tls !== 'required' || tlsEnabled(m)) return;
    const enable = m.global('enable_tls');
    const why = !m.hasModule('tls') ? 'tls.so is not loaded' : 'enable_tls is not yes';
    ctx.report({
      messageId: 'off',
      data: { why },
      at: enable ? { file: enable.file, line: enable.line } : { file: m.mainFile, line: 1 },
      target: 'kamailio:tls',
    });
  },
});
