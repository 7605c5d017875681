import { userCredential } from '../../pbx/freeswitch/credentials.js';
import { userTarget } from '../../pbx/freeswitch/model.js';
import { defineFreeswitchRule } from '../../pbx/freeswitch/rule.js';

export default defineFreeswitchRule({
  id: 'FS-AUTH-001',
  title: 'Weak SIP password on a FreeSWITCH user',
  severity: 'critical',
  step: 'authentication',
  policy: { uses: ['credentials'], without: 'defaults' },
  docs: {
    why: 'Directory user passwords are what svcrack-style tools guess, thousands per minute, against every extension they find. A short, numeric, common or extension-equal password falls quickly; the attacker registers as the phone and places calls through your gateways.',
    fix: 'Set a random password of 16+ characters per user (`<param name="password" .../>`), or store only `a1-hash` (md5 of user:domain:password), and update the phone provisioning at the same time. In FusionPBX: Accounts > Extensions > password, or let the provisioning generate one.',
    refs: ['FreeSWITCH conf/vanilla/directory/default/1000.xml', 'NIST SP 800-63B section 5.1.1'],
  },
  messages: {
    weak: 'user {user} has a weak SIP password: {reasons}',
  },
  check(m, ctx) {
    for (const u of m.users) {
      const c = userCredential(m, u, ctx.policy);
      if (c.kind !== 'password' || c.fromDefault || !c.assessment.weak || !c.param) continue;
      ctx.report({
        messageId: 'weak',
        data: { user: `${u.id}@${u.domain}`, reasons: c.assessment.reasons.join('; ') },
        at: { file: c.param.file, line: c.param.line },
        target: userTarget(u),
      });
    }
  },
});
