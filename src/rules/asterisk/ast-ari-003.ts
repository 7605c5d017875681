import { spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';

export default defineAsteriskRule({
  id: 'AST-ARI-003',
  title: 'ARI password stored in clear text',
  severity: 'low',
  step: 'exposure',
  docs: {
    why: 'ari.conf defaults to `password_format = plain`: the ARI password sits in the file as written, readable from backups, support bundles and any account that can read /etc/asterisk. ARI can originate calls and control every channel.',
    fix: 'Create a hash with `ari mkpasswd` on the Asterisk CLI, store it as `password` with `password_format = crypt`.',
    refs: [
      'Asterisk configs/samples/ari.conf.sample',
      'https://docs.asterisk.org/Configuration/Interfaces/Asterisk-REST-Interface-ARI/',
    ],
  },
  messages: { plain: 'ARI user {user} keeps its password in clear text (password_format={value})' },
  check(m, ctx) {
    for (const user of m.sections('ari.conf', ['general'])) {
      if ((user.value('type') ?? '').toLowerCase() !== 'user') continue;
      const pw = user.get('password');
      if (!pw || pw.value === '') continue;
      const f = user.get('password_format');
      if ((f?.value ?? 'plain').trim().toLowerCase() === 'crypt') continue;
      ctx.report({
        messageId: 'plain',
        data: { user: user.name, value: f ? f.value : 'plain, the default' },
        at: spanOf(f ?? pw),
        target: `ari:user/${user.name}`,
      });
    }
  },
});
