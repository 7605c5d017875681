import { profileAuthCalls } from '../../pbx/freeswitch/dialplan.js';
import { fsTrue, profileTarget } from '../../pbx/freeswitch/model.js';
import { defineFreeswitchRule } from '../../pbx/freeswitch/rule.js';

export default defineFreeswitchRule({
  id: 'FS-LOG-001',
  title: 'Authentication failures are not logged (log-auth-failures)',
  severity: 'medium',
  step: 'logging',
  docs: {
    why: 'With `log-auth-failures` off (the stock value) sofia does not log failed registrations and calls with the source address, so fail2ban, CrowdSec or hardline watch see nothing of a brute-force attack until an account falls.',
    fix: 'Set `<param name="log-auth-failures" value="true"/>` on every profile phones authenticate against, and feed the log to your ban tool.',
    refs: [
      'FreeSWITCH conf/vanilla/sip_profiles/internal.xml (log-auth-failures)',
      'fail2ban filter.d/freeswitch.conf',
    ],
  },
  messages: {
    off: 'profile {profile} authenticates callers but does not log failures ({how})',
  },
  check(m, ctx) {
    for (const p of m.profiles) {
      if (!profileAuthCalls(p)) continue;
      const v = p.params.get('log-auth-failures');
      if (v && fsTrue(v.value)) continue;
      const at = v ?? p;
      ctx.report({
        messageId: 'off',
        data: {
          profile: p.name,
          how: v ? `log-auth-failures=${v.value}` : 'log-auth-failures unset, default off',
        },
        at: { file: at.file, line: at.line },
        target: profileTarget(p),
      });
    }
  },
});
