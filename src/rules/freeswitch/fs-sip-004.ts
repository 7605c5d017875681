import { profileAuthCalls } from '../../pbx/freeswitch/dialplan.js';
import { fsTrue, profileTarget } from '../../pbx/freeswitch/model.js';
import { defineFreeswitchRule } from '../../pbx/freeswitch/rule.js';

export default defineFreeswitchRule({
  id: 'FS-SIP-004',
  title: 'Registration user name not forced to match the credentials',
  severity: 'medium',
  step: 'authentication',
  docs: {
    why: 'Without `inbound-reg-force-matching-username`, a phone that knows one valid password may REGISTER as a different extension (To user 1001 with the credentials of 1009): one leaked or cracked account hijacks the calls of others.',
    fix: 'Set `<param name="inbound-reg-force-matching-username" value="true"/>` on every profile phones register to (the stock internal profile does).',
    refs: ['FreeSWITCH conf/vanilla/sip_profiles/internal.xml (inbound-reg-force-matching-username)'],
  },
  messages: {
    off: 'profile {profile} does not force the registered user to match the authenticated one ({how})',
  },
  check(m, ctx) {
    for (const p of m.profiles) {
      if (!profileAuthCalls(p) || fsTrue(p.params.value('disable-register'))) continue;
      const v = p.params.get('inbound-reg-force-matching-username');
      if (v && fsTrue(v.value)) continue;
      const at = v ?? p;
      ctx.report({
        messageId: 'off',
        data: {
          profile: p.name,
          how: v ? `inbound-reg-force-matching-username=${v.value}` : 'unset, default off',
        },
        at: { file: at.file, line: at.line },
        target: profileTarget(p),
      });
    }
  },
});
