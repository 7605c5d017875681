import { spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';

/** pjsip `method` values and the lowest protocol version each lets a peer negotiate. */
const METHOD_FLOOR: Record<string, number> = {
  sslv2: 0.2,
  sslv3: 0.3,
  sslv23: 0.2,
  tlsv1: 1.0,
  default: 1.0,
  unspecified: 1.0,
  tlsv1_1: 1.1,
  tlsv1_2: 1.2,
  tlsv1_3: 1.3,
};

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
