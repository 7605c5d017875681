import { assessPassword } from '../../credentials/strength.js';
import { spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';

export default defineAsteriskRule({
  id: 'AST-ARI-001',
  title: 'Weak ARI password',
  severity: 'high',
  step: 'exposure',
  policy: { uses: ['credentials'], without: 'defaults' },
  docs: {
    why: 'An ARI user controls channels, bridges and recordings and can originate calls. ARI authenticates with HTTP Basic; a weak password is brute-forced over HTTP with no lockout.',
    fix: 'Give each ari.conf user a long random password, prefer `password_format = crypt` with a hash made by `ari mkpasswd`, and keep the HTTP server on loopback or behind TLS.',
    refs: ['https://docs.asterisk.org/Configuration/Interfaces/Asterisk-REST-Interface-ARI/'],
  },
  messages: {
    weak: 'ARI user {user} has a weak password: {reasons}',
    missing: 'ARI user {user} has no password',
  },
  check(m, ctx) {
    for (const user of m.sections('ari.conf', ['general'])) {
      if ((user.value('type') ?? '').toLowerCase() !== 'user') continue;
      const pw = user.get('password');
      const target = `ari:user/${user.name}`;
      if (!pw || pw.value === '') {
        ctx.report({ messageId: 'missing', data: { user: user.name }, at: spanOf(pw ?? user), target });
        continue;
      }
      if ((user.value('password_format') ?? 'plain').toLowerCase() === 'crypt') continue;
      const a = assessPassword(pw.value, [user.name, 'asterisk', 'ari'], ctx.policy.credentials);
      if (a.weak)
        ctx.report({
          messageId: 'weak',
          data: { user: user.name, reasons: a.reasons.join('; ') },
          at: spanOf(pw),
          target,
        });
    }
  },
});
