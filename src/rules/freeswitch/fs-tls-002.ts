import { fsTrue, profileTarget } from '../../pbx/freeswitch/model.js';
import { defineFreeswitchRule } from '../../pbx/freeswitch/rule.js';

export default defineFreeswitchRule({
  id: 'FS-TLS-002',
  title: 'TLS to gateways without certificate verification',
  severity: 'medium',
  step: 'transport',
  docs: {
    why: "With `tls-verify-policy` at its default `none`, sofia accepts any certificate when it connects to a provider over TLS. An attacker who can redirect the connection (DNS, routing) poses as the provider, reads the registration credentials and the calls' SRTP keys.",
    fix: 'Set `<param name="tls-verify-policy" value="out"/>` (or `all`) on profiles with TLS gateways, keep `tls-verify-date` true and put the provider CA into `tls-cert-dir` (cafile.pem).',
    refs: ['FreeSWITCH Sofia TLS parameters (tls-verify-policy, tls-verify-date)'],
  },
  messages: {
    none: 'profile {profile} connects to {count} gateway(s) with TLS enabled but does not verify their certificates ({how})',
  },
  check(m, ctx) {
    for (const p of m.profiles) {
      if (!fsTrue(p.params.value('tls')) || p.gateways.length === 0) continue;
      const v = p.params.get('tls-verify-policy');
      if (v && /\b(out|all)\b/i.test(v.value)) continue;
      const at = v ?? p.params.get('tls') ?? p;
      ctx.report({
        messageId: 'none',
        data: {
          profile: p.name,
          count: p.gateways.length,
          how: v ? `tls-verify-policy=${v.value}` : 'tls-verify-policy unset, default none',
        },
        at: { file: at.file, line: at.line },
        target: profileTarget(p),
      });
    }
  },
});
