import { spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';

const WEAK =
  /(^|[-_+])(ADH|AECDH|aNULL|eNULL|NULL|EXPORT|EXP|RC4|DES|3DES|DES-CBC3|MD5|anon|LOW|EXPORT40|EXPORT56)([-_+]|$)/i;

/** Weak parts of an OpenSSL-style cipher list; `!X` and `-X` exclusions are not weaknesses. */
export function weakCiphers(list: string): string[] {
  return list
    .split(/[,:\s]+/)
    .map((c) => c.trim())
    .filter((c) => c && c[0] !== '!' && c[0] !== '-')
    .filter((c) => WEAK.test(c) || /^(ALL|COMPLEMENTOFALL|DEFAULT:@SECLEVEL=0)$/i.test(c));
}

export default defineAsteriskRule({
  id: 'AST-TLS-002',
  title: 'TLS transport offers anonymous or weak ciphers',
  severity: 'high',
  step: 'transport',
  docs: {
    why: 'Anonymous Diffie-Hellman suites (ADH, aNULL) have no server authentication, so anyone in the path can impersonate the PBX and read credentials and SRTP keys; NULL, EXPORT, RC4, DES and MD5 suites are broken. The pjsip sample lists `cipher=ADH-AES256-SHA,ADH-AES128-SHA`.',
    fix: "Remove `cipher=` to use OpenSSL's secure defaults, or list only modern AEAD suites, e.g. `cipher = ECDHE-ECDSA-AES256-GCM-SHA384,ECDHE-RSA-AES256-GCM-SHA384,ECDHE-RSA-AES128-GCM-SHA256`.",
    refs: ['Asterisk configs/samples/pjsip.conf.sample', 'RFC 7525'],
  },
  messages: {
    weak: 'TLS transport {transport} offers weak ciphers: {ciphers}',
  },
  check(m, ctx) {
    for (const t of m.pjsip.transports) {
      const c = t.get('cipher');
      if (!c) continue;
      const weak = weakCiphers(c.value);
      if (weak.length) {
        ctx.report({
          messageId: 'weak',
          data: { transport: t.name, ciphers: weak.join(', ') },
          at: spanOf(c),
          target: `pjsip:transport/${t.name}`,
        });
      }
    }
  },
});
