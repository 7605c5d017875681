import { assessPin } from '../../credentials/strength.js';
import { fsFalse, userTarget } from '../../pbx/freeswitch/model.js';
import { defineFreeswitchRule } from '../../pbx/freeswitch/rule.js';

export default defineFreeswitchRule({
  id: 'FS-VM-001',
  title: 'Weak voicemail PIN (vm-password) on a FreeSWITCH user',
  severity: 'high',
  step: 'authentication',
  policy: { uses: ['credentials'], without: 'defaults' },
  docs: {
    why: 'The stock directory sets `vm-password` equal to the user id (1000 for user 1000). Voicemail PINs are guessed by dialing in: a mailbox opened that way leaks messages, lets the attacker change the greeting (social engineering) and, where callback or operator transfer is configured, reach outside lines.',
    fix: 'Set a random PIN of at least 6 digits per user in `<param name="vm-password" .../>` (never the extension), or `user-choose` with `allow-empty-password-auth=false` so users must set one, and keep `max-login-attempts` low in voicemail.conf.',
    refs: ['FreeSWITCH conf/vanilla/directory/default/1000.xml (vm-password)', 'FreeSWITCH mod_voicemail'],
  },
  messages: {
    weak: 'user {user} has a weak voicemail PIN: {reasons}',
  },
  check(m, ctx) {
    if (!m.moduleLoaded('mod_voicemail')) return;
    for (const u of m.users) {
      if (fsFalse(u.param('vm-enabled')?.value)) continue;
      const p = u.param('vm-password');
      if (!p || p.value === '' || /^user-choose$/i.test(p.value)) continue;
      if (!/^\d+$/.test(p.value)) continue;
      const a = assessPin(p.value, u.id, ctx.policy.credentials.pin);
      const reasons = [...a.reasons];
      if (u.numberAlias && p.value === u.numberAlias && !reasons.includes('derived from the mailbox number'))
        reasons.push('equal to the number alias');
      if (reasons.length === 0) continue;
      ctx.report({
        messageId: 'weak',
        data: { user: `${u.id}@${u.domain}`, reasons: reasons.join('; ') },
        at: { file: p.file, line: p.line },
        target: userTarget(u),
      });
    }
  },
});
