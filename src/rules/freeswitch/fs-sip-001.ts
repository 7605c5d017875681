import { fsTrue, profileTarget } from '../../pbx/freeswitch/model.js';
import { defineFreeswitchRule } from '../../pbx/freeswitch/rule.js';

export default defineFreeswitchRule({
  id: 'FS-SIP-001',
  title: 'sofia profile accepts blind registrations (accept-blind-reg)',
  severity: 'critical',
  step: 'authentication',
  docs: {
    why: '`accept-blind-reg=true` makes the profile accept a REGISTER for any user name without a challenge. Anyone can register as any extension, receive its calls and place calls as it.',
    fix: 'Remove `accept-blind-reg` from the profile (or set it to false). Devices that cannot authenticate belong behind an ACL on a separate profile, not on an open registrar.',
    refs: ['FreeSWITCH Sofia profile parameters (accept-blind-reg)'],
  },
  messages: {
    blind: 'profile {profile} has accept-blind-reg={value}: any REGISTER is accepted without a password',
  },
  check(m, ctx) {
    for (const p of m.profiles) {
      const v = p.params.get('accept-blind-reg');
      if (!v || !fsTrue(v.value)) continue;
      ctx.report({
        messageId: 'blind',
        data: { profile: p.name, value: v.value },
        at: { file: v.file, line: v.line },
        target: profileTarget(p),
      });
    }
  },
});
