import { spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';
import { METHOD_FLOOR } from '../../pbx/asterisk/tls.js';

export default defineAsteriskRule({
  id: 'AST-TLS-001',
  title: 'TLS transport allows old protocol versions',
  severity: 'high',
  step: 'transport',
  policy: { uses: ['security.min_tls'], without: 'defaults' },
  docs: {
    why: 'SSLv3, TLS 1.0 and TLS 1.1 have known weaknesses and are refused by current clients and compliance rules; accepting them lets an active attacker downgrade the session that carries SIP credentials and SRTP keys. pjsip transports default to `method = tlsv1` and the sample shows it too.',
    fix: 'Set `method = tlsv1_2` (or `tlsv1_3` where every phone supports it) on every pjsip transport with `protocol = tls`, matching hardline.yaml security.min_tls.',
    refs: [
      'https://docs.asterisk.org/Configuration/Channel-Drivers/SIP/Configuring-res_pjsip/PJSIP-Configuration-Sections-and-Relationships/',
      'RFC 8996',
    ],
  },
  messages: {
    unset:
      'TLS transport {transport} does not set method: the default accepts TLS 1.0 (policy minimum TLS {min})',
    old: 'TLS transport {transport} uses method={method}, which allows versions below TLS {min}',
    unknown: 'TLS transport {transport} uses an unknown method={method}',
  },
  check(m, ctx) {
    const min = Number(ctx.policy.security.min_tls);
    for (const t of m.pjsip.transports) {
      if ((t.value('protocol') ?? 'udp').toLowerCase() !== 'tls') continue;
      const target = `pjsip:transport/${t.name}`;
      const mv = t.get('method');
      if (!mv) {
        ctx.report({
          messageId: 'unset',
          data: { transport: t.name, min: ctx.policy.security.min_tls },
          at: spanOf(t),
          target,
        });
        continue;
      }
      const floor = METHOD_FLOOR[mv.value.toLowerCase()];
      if (floor === undefined) {
        ctx.report({
          messageId: 'unknown',
          data: { transport: t.name, method: mv.value },
          at: spanOf(mv),
          target,
          severity: 'low',
        });
      } else if (floor < min) {
        ctx.report({
          messageId: 'old',
          data: { transport: t.name, method: mv.value, min: ctx.policy.security.min_tls },
          at: spanOf(mv),
          target,
        });
      }
    }
  },
});
