import { userCredential } from '../../pbx/freeswitch/credentials.js';
import { userTarget } from '../../pbx/freeswitch/model.js';
import { defineFreeswitchRule } from '../../pbx/freeswitch/rule.js';

export default defineFreeswitchRule({
  id: 'FS-DP-001',
  title: 'International calling allowed for a weakly protected user',
  severity: 'critical',
  step: 'authentication',
  policy: { uses: ['credentials'], without: 'defaults' },
  docs: {
    why: '`toll_allow` containing `international` is what the dialplan checks before sending a call abroad. On a user whose password is weak, the stock default_password, or missing, it turns one guessed password into premium-rate calls billed to you; the stock directory gives every user `domestic,international,local`.',
    fix: 'Remove `international` from `toll_allow` for users that do not need it, and give the ones that do a strong unique password (or a1-hash) and an `auth-acl`. In FusionPBX: Extensions > Toll Allow.',
    refs: [
      'FreeSWITCH conf/vanilla/directory/default/1000.xml (toll_allow)',
      'FreeSWITCH conf/vanilla/dialplan/default.xml',
    ],
  },
  messages: {
    weak: 'user {user} may call international numbers (toll_allow={value}) but {why}',
  },
  check(m, ctx) {
    for (const u of m.users) {
      const v = u.variable('toll_allow');
      if (!v || !/international/i.test(v.value)) continue;
      const c = userCredential(m, u, ctx.policy);
      let why: string | undefined;
      if (c.kind === 'none' && !c.emptyForbidden) why = 'has no password and no a1-hash';
      else if (c.kind === 'password' && c.assessment.weak)
        why = `its password is weak (${c.assessment.reasons.join('; ')})`;
      if (!why) continue;
      ctx.report({
        messageId: 'weak',
        data: { user: `${u.id}@${u.domain}`, value: v.value, why },
        at: { file: v.file, line: v.line },
        target: userTarget(u),
        ...(c.param ? { related: [{ file: c.param.file, line: c.param.line }] } : {}),
      });
    }
  },
});
