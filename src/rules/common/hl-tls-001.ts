import { defineCommonRule, tlsName } from '../../pbx/common.js';

export default defineCommonRule({
  id: 'HL-TLS-001',
  title: 'TLS accepts protocol versions below the policy minimum',
  severity: 'high',
  step: 'transport',
  policy: { uses: ['security.min_tls'], without: 'defaults' },
  docs: {
    why: "SSLv3, TLS 1.0 and TLS 1.1 have known weaknesses and are refused by current clients and compliance rules; accepting them lets an active attacker downgrade the session that carries SIP credentials and SRTP keys. FreeSWITCH defaults `sip_tls_version` to tlsv1,tlsv1.1,tlsv1.2 and Kamailio's tls module defaults to TLSv1 only. (Asterisk transports are checked by AST-TLS-001.)",
    fix: 'FreeSWITCH: set `tls-version` (vars.xml `sip_tls_version`) to `tlsv1.2,tlsv1.3`. Kamailio: `method = TLSv1.2+` in every tls.cfg profile (or `modparam("tls", "tls_method", "TLSv1.2+")`). Match hardline.yaml security.min_tls.',
    refs: [
      'RFC 8996',
      'Kamailio tls module README (tls_method)',
      'FreeSWITCH conf/vanilla/vars.xml (sip_tls_version)',
    ],
  },
  messages: {
    old: '{owner}: {setting} accepts {lowest}, below the policy minimum TLS {min}',
    unknown: '{owner}: {setting} names no TLS version hardline recognises',
  },
  check(v, ctx) {
    if (v.kind === 'asterisk') return;
    const min = Number(ctx.policy.security.min_tls);
    for (const t of v.tls) {
      if (t.minVersion === undefined) {
        ctx.report({
          messageId: 'unknown',
          data: { owner: t.owner, setting: t.versionText },
          at: { file: t.file, line: t.line },
          target: t.owner,
          severity: 'low',
        });
        continue;
      }
      if (t.minVersion >= min) continue;
      ctx.report({
        messageId: 'old',
        data: {
          owner: t.owner,
          setting: t.versionText,
          lowest: tlsName(t.minVersion),
          min: ctx.policy.security.min_tls,
        },
        at: { file: t.file, line: t.line },
        target: t.owner,
      });
    }
  },
});
