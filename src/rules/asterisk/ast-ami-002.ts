import { assessPassword } from '../../credentials/strength.js';
import { spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';

export default defineAsteriskRule({
  id: 'AST-AMI-002',
  title: 'Weak AMI secret',
  severity: 'critical',
  step: 'exposure',
  policy: { uses: ['credentials'], without: 'defaults' },
  docs: {
    why: 'AMI users authenticate with a shared secret sent at login. A short, common or default secret (the sample ships `mysecret`) is guessed by brute force; an AMI login with write access can originate calls to premium numbers or run commands.',
    fix: 'Give every manager.conf user a long random secret (20+ characters, e.g. `openssl rand -base64 24`), limit it with deny/permit, and grant only the read/write classes it needs.',
    refs: ['https://docs.asterisk.org/Configuration/Interfaces/Asterisk-Manager-Interface-AMI/'],
  },
  messages: {
    weak: 'AMI user {user} has a weak secret: {reasons}',
    missing: 'AMI user {user} has no secret',
  },
  check(m, ctx) {
    for (const user of m.sections('manager.conf', ['general'])) {
      const secret = user.get('secret');
      const target = `manager:user/${user.name}`;
      if (!secret || secret.value === '') {
        ctx.report({ messageId: 'missing', data: { user: user.name }, at: spanOf(secret ?? user), target });
        continue;
      }
      const a = assessPassword(secret.value, [user.name, 'admin', 'manager'], ctx.policy.credentials);
      if (a.weak) {
        ctx.report({
          messageId: 'weak',
          data: { user: user.name, reasons: a.reasons.join('; ') },
          at: spanOf(secret),
          target,
        });
      }
    }
  },
});
