import { profileAuthCalls } from '../../pbx/freeswitch/dialplan.js';
import { fsTrue, profileTarget } from '../../pbx/freeswitch/model.js';
import { defineFreeswitchRule } from '../../pbx/freeswitch/rule.js';

export default defineFreeswitchRule({
  id: 'FS-TLS-001',
  title: 'SIP over TLS not enabled where the policy requires it',
  severity: 'medium',
  step: 'transport',
  policy: { uses: ['security.sip_tls'], without: 'skip' },
  docs: {
    why: 'Without TLS, SIP travels in clear: anyone on the path reads who calls whom, the digest challenge-response (crackable offline for weak passwords) and the SRTP keys in SDP. The stock profiles ship with `tls` off (`internal_ssl_enable=false`).',
    fix: 'Enable TLS on the profiles phones use: `<param name="tls" value="true"/>`, `tls-only` where every phone supports it, `tls-version` tlsv1.2 or newer, and a certificate in `tls-cert-dir`; provision phones with transport TLS.',
    refs: [
      'FreeSWITCH conf/vanilla/vars.xml (internal_ssl_enable, sip_tls_version)',
      'FreeSWITCH Sofia TLS configuration',
    ],
  },
  messages: {
    off: 'profile {profile} serves authenticated phones without TLS ({how}); the policy requires SIP over TLS',
  },
  check(m, ctx) {
    if (ctx.policy.security.sip_tls !== 'required') return;
    for (const p of m.profiles) {
      if (!profileAuthCalls(p)) continue;
      const v = p.params.get('tls');
      if (v && fsTrue(v.value)) continue;
      const at = v ?? p;
      ctx.report({
        messageId: 'off',
        data: { profile: p.name, how: v ? `tls=${v.value}` : 'tls unset' },
        at: { file: at.file, line: at.line },
        target: profileTarget(p),
      });
    }
  },
});
