import { fsTrue, profileTarget } from '../../pbx/freeswitch/model.js';
import { defineFreeswitchRule } from '../../pbx/freeswitch/rule.js';

export default defineFreeswitchRule({
  id: 'FS-SIP-002',
  title: 'sofia profile accepts any credentials (accept-blind-auth)',
  severity: 'critical',
  step: 'authentication',
  docs: {
    why: '`accept-blind-auth=true` makes sofia accept whatever Authorization header a caller sends: the digest is not checked against the directory. Every call and registration is effectively unauthenticated, which is toll fraud waiting to happen.',
    fix: 'Remove `accept-blind-auth` from the profile (or set it to false) and make sure every user has a password or a1-hash.',
    refs: ['FreeSWITCH Sofia profile parameters (accept-blind-auth)'],
  },
  messages: {
    blind:
      'profile {profile} has accept-blind-auth={value}: digest credentials are accepted without being checked',
  },
  check(m, ctx) {
    for (const p of m.profiles) {
      const v = p.params.get('accept-blind-auth');
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
