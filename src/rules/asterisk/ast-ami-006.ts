import { spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';
import { astTrue } from '../../pbx/asterisk/values.js';

export default defineAsteriskRule({
  id: 'AST-AMI-006',
  title: 'AMI user may log in several times at once',
  severity: 'low',
  step: 'exposure',
  docs: {
    why: '`allowmultiplelogin` defaults to yes: an AMI user can hold any number of sessions at once. A stolen secret is then used alongside the legitimate application without disconnecting it, so nothing breaks and nobody notices.',
    fix: 'Set `allowmultiplelogin = no` for every AMI user with write access (or in [general] as the default), so a second login with the same user is refused and logged.',
    refs: ['Asterisk configs/samples/manager.conf.sample'],
  },
  messages: {
    multi: 'AMI user {user} (write={write}) may hold several sessions at once (allowmultiplelogin={value})',
  },
  check(m, ctx) {
    const g = m.section('manager.conf', 'general');
    if (!g || !astTrue(g.value('enabled'))) return;
    for (const user of m.sections('manager.conf', ['general'])) {
      const write = user
        .all('write')
        .map((w) => w.value.trim())
        .filter(Boolean)
        .join(',');
      if (!write) continue;
      const v = user.get('allowmultiplelogin') ?? g.get('allowmultiplelogin');
      if (v && !astTrue(v.value)) continue;
      ctx.report({
        messageId: 'multi',
        data: { user: user.name, write, value: v ? v.value : 'yes, the default' },
        at: spanOf(user.get('allowmultiplelogin') ?? user),
        target: `manager:user/${user.name}`,
      });
    }
  },
});
