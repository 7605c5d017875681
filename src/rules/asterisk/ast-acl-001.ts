import { readAcl } from '../../pbx/asterisk/acl.js';
import { spanOf, via } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';

export default defineAsteriskRule({
  id: 'AST-ACL-001',
  title: 'pjsip ACL that permits without denying',
  severity: 'medium',
  step: 'firewall',
  docs: {
    why: 'Asterisk ACLs allow by default and the last matching rule wins. A `permit=` (or `contact_permit=`) list without a preceding `deny=0.0.0.0/0.0.0.0` restricts nothing: the administrator believes the endpoint is locked to the office network while every address is still allowed. An IPv4 deny also leaves IPv6 open.',
    fix: 'Write `deny = 0.0.0.0/0.0.0.0` (and `deny = ::/0` when listening on IPv6) first, then `permit =` the networks that may use the endpoint; same for `contact_deny`/`contact_permit`.',
    refs: [
      'https://docs.asterisk.org/Configuration/Channel-Drivers/SIP/Configuring-res_pjsip/PJSIP-Configuration-Sections-and-Relationships/',
    ],
  },
  messages: {
    permitOnly: '{kind} {name} has {prefix}permit without {prefix}deny{via}: every address is still allowed',
  },
  check(m, ctx) {
    for (const s of [...m.pjsip.endpoints, ...m.pjsip.acls]) {
      const kind = (s.value('type') ?? '').toLowerCase();
      for (const prefix of ['', 'contact_']) {
        const acl = readAcl(s, prefix);
        if (acl.hasPermit && !acl.hasDeny) {
          ctx.report({
            messageId: 'permitOnly',
            data: { kind, name: s.name, prefix, via: via(acl.rules[0]!.at) },
            at: spanOf(acl.rules[0]!.at),
            target: `pjsip:${kind}/${s.name}/${prefix}acl`,
          });
        }
      }
    }
  },
});
