import { spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';
import { astFalse, astTrue } from '../../pbx/asterisk/values.js';

export default defineAsteriskRule({
  id: 'AST-HTTP-004',
  title: 'Asterisk HTTPS server accepts TLS 1.0 or 1.1',
  severity: 'medium',
  step: 'transport',
  policy: { uses: ['security.min_tls'], without: 'defaults' },
  docs: {
    why: 'http.conf disables TLS 1.0 by default (`tlsdisablev1 = yes`) but not TLS 1.1 (`tlsdisablev11 = no`). ARI, AMI over HTTP and WebRTC WebSockets then accept protocol versions that current clients and compliance rules refuse, and an active attacker can try to downgrade sessions that carry credentials.',
    fix: 'In http.conf [general] set `tlsdisablev1 = yes` and `tlsdisablev11 = yes` (keep `tlsdisablev12 = no`), matching hardline.yaml security.min_tls.',
    refs: ['Asterisk configs/samples/http.conf.sample', 'RFC 8996'],
  },
  messages: {
    old: 'http.conf TLS accepts TLS {version} ({option}={value}); the policy minimum is TLS {min}',
  },
  check(m, ctx) {
    const g = m.section('http.conf', 'general');
    if (!g || !astTrue(g.value('enabled')) || !astTrue(g.value('tlsenable'))) return;
    const min = Number(ctx.policy.security.min_tls);
    const checks: [string, string, boolean, number][] = [
      ['tlsdisablev1', '1.0', true, 1.0],
      ['tlsdisablev11', '1.1', false, 1.1],
    ];
    for (const [option, version, defDisabled, num] of checks) {
      if (num >= min) continue;
      const v = g.get(option);
      const disabled = v ? !astFalse(v.value) : defDisabled;
      if (disabled) continue;
      ctx.report({
        messageId: 'old',
        data: { version, option, value: v ? v.value : 'no (default)', min: ctx.policy.security.min_tls },
        at: spanOf(v ?? g.get('tlsenable') ?? g),
        target: `http:tls/${option}`,
      });
    }
  },
});
