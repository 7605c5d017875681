import { profileTarget } from '../../pbx/freeswitch/model.js';
import { defineFreeswitchRule } from '../../pbx/freeswitch/rule.js';

export default defineFreeswitchRule({
  id: 'FS-SIP-005',
  title: 'SIP User-Agent reveals the FreeSWITCH version',
  severity: 'low',
  step: 'exposure',
  docs: {
    why: 'By default sofia sends `User-Agent: FreeSWITCH-mod_sofia/<version>` in every request and answer, also to scanners (svmap prints it). Knowing the exact version tells an attacker which advisories apply and marks the host as a FreeSWITCH worth brute-forcing.',
    fix: 'Set `<param name="user-agent-string" value="..."/>` on each profile to a neutral name without a version (and keep FreeSWITCH patched anyway).',
    refs: ['FreeSWITCH Sofia profile parameters (user-agent-string)'],
  },
  messages: {
    unset:
      'profile {profile} does not set user-agent-string: it announces FreeSWITCH-mod_sofia and its version',
    version: 'profile {profile} announces a version in user-agent-string',
  },
  check(m, ctx) {
    for (const p of m.profiles) {
      const v = p.params.get('user-agent-string');
      if (v && !/\d+\.\d+/.test(v.value)) continue;
      const at = v ?? p;
      ctx.report({
        messageId: v ? 'version' : 'unset',
        data: { profile: p.name },
        at: { file: at.file, line: at.line },
        target: profileTarget(p),
      });
    }
  },
});
