import { spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';
import { splitList } from '../../pbx/asterisk/values.js';

export default defineAsteriskRule({
  id: 'AST-AUTH-009',
  title: 'One SIP credential shared by several devices',
  severity: 'medium',
  step: 'authentication',
  docs: {
    why: 'When several endpoints name the same auth section, one username and password opens all of them: a phone stolen, resold or read out of its provisioning file gives access to every endpoint (and context) that uses the credential, logs cannot tell the devices apart, and the credential cannot be revoked for one device without reprovisioning the rest.',
    fix: 'Give each endpoint its own auth section with its own username and random password (templates make that cheap: `[101](phone-auth)`).',
    refs: [
      'https://docs.asterisk.org/Configuration/Channel-Drivers/SIP/Configuring-res_pjsip/PJSIP-Configuration-Sections-and-Relationships/',
    ],
  },
  messages: {
    shared: 'pjsip auth {auth} is the inbound credential of {count} endpoints: {endpoints}',
  },
  check(m, ctx) {
    for (const auth of m.pjsip.auths) {
      const users = m.pjsip.inboundUsers(auth.name);
      if (users.length < 2) continue;
      ctx.report({
        messageId: 'shared',
        data: { auth: auth.name, count: users.length, endpoints: users.map((e) => e.name).join(', ') },
        at: spanOf(auth),
        target: `pjsip:auth/${auth.name}`,
        related: users.map((e) =>
          spanOf(e.all('auth').find((v) => splitList(v.value).includes(auth.name)) ?? e),
        ),
      });
    }
  },
});
