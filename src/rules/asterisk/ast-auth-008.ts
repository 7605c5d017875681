import { spanOf } from '../../pbx/asterisk/helpers.js';
import { extensionsOf } from '../../pbx/asterisk/paths.js';
import { matchesExtension } from '../../pbx/asterisk/pattern.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';

export default defineAsteriskRule({
  id: 'AST-AUTH-008',
  title: 'SIP username is the dialable extension number (guessable)',
  severity: 'low',
  step: 'authentication',
  docs: {
    why: "Scanners enumerate extensions first (svwar tries 100-999, 1000-9999) and then brute-force each one with the extension as the username. When the auth username equals the extension number, half of every credential is public: it is printed on the phone, in the company directory and in every call's From header. A username that is not the extension makes each guess twice as hard to start and shows up in logs as an obvious attack.",
    fix: 'Use a username that is not the extension, e.g. `username = 101-k7q9` in the auth section (the endpoint name and dialled number stay 101), and provision it to the phone with the password.',
    refs: [
      'https://github.com/EnableSecurity/sipvicious/wiki/SVWar-Usage',
      'https://docs.asterisk.org/Configuration/Channel-Drivers/SIP/Configuring-res_pjsip/',
    ],
  },
  messages: {
    guessable: 'pjsip auth {auth} uses username {user}, the number {why}',
  },
  check(m, ctx) {
    const exts = [...m.dialplan.contexts.values()].flatMap((c) => extensionsOf(c).map((g) => g.pattern));
    for (const auth of m.pjsip.auths) {
      const users = m.pjsip.inboundUsers(auth.name);
      if (!users.length) continue;
      const uv = auth.get('username');
      const user = (uv?.value ?? auth.name).trim();
      if (!/^\d{2,}$/.test(user)) continue;
      const endpoint = users.find((e) => e.name === user);
      const dialable = exts.some((p) => matchesExtension(p, user));
      if (!endpoint && !dialable) continue;
      ctx.report({
        messageId: 'guessable',
        data: {
          auth: auth.name,
          user,
          why: dialable ? 'callers dial to reach this phone' : `of endpoint ${endpoint!.name}`,
        },
        at: spanOf(uv ?? auth),
        target: `pjsip:auth/${auth.name}`,
      });
    }
  },
});
