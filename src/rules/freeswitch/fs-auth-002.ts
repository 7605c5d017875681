import { userCredential } from '../../pbx/freeswitch/credentials.js';
import { userTarget } from '../../pbx/freeswitch/model.js';
import { defineFreeswitchRule } from '../../pbx/freeswitch/rule.js';

export default defineFreeswitchRule({
  id: 'FS-AUTH-002',
  title: 'FreeSWITCH user without password or a1-hash',
  severity: 'critical',
  step: 'authentication',
  docs: {
    why: 'sofia accepts a REGISTER or INVITE for a directory user that has neither a `password` nor an `a1-hash` param without any digest challenge (unless `allow-empty-password` is false). Anyone who knows or guesses the extension number registers as it and calls out.',
    fix: 'Give the user a random `password` (or `a1-hash`). If the entry exists only for voicemail or as a pointer, add `<param name="allow-empty-password" value="false"/>` so it can never authenticate without one.',
    refs: [
      'FreeSWITCH mod_sofia sofia_reg.c (allow-empty-password)',
      'FreeSWITCH conf/vanilla/directory/default/1000.xml',
    ],
  },
  messages: {
    none: 'user {user} has no password and no a1-hash: it registers and calls without authenticating',
  },
  check(m, ctx) {
    for (const u of m.users) {
      const c = userCredential(m, u, ctx.policy);
      if (c.kind !== 'none' || c.emptyForbidden) continue;
      ctx.report({
        messageId: 'none',
        data: { user: `${u.id}@${u.domain}` },
        at: c.param ? { file: c.param.file, line: c.param.line } : { file: u.file, line: u.line },
        target: userTarget(u),
      });
    }
  },
});
