import { readAcl } from '../../pbx/asterisk/acl.js';
import { spanOf, via } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';
import { splitHostPort } from '../../pbx/asterisk/values.js';

export default defineAsteriskRule({
  id: 'AST-ACL-002',
  title: 'pjsip ACL denies IPv4 only while SIP listens on IPv6',
  severity: 'medium',
  step: 'firewall',
  docs: {
    why: 'Asterisk skips IPv4 ACL rules for IPv6 sources: `deny = 0.0.0.0/0.0.0.0` blocks nothing that arrives over IPv6. When a pjsip transport binds an IPv6 address (`[::]`), an endpoint or acl section that only denies IPv4 is open to the whole IPv6 Internet.',
    fix: 'Add `deny = ::/0` next to `deny = 0.0.0.0/0.0.0.0` (then permit the IPv6 networks that need access), or bind SIP transports to IPv4 only.',
    refs: ['https://docs.asterisk.org/Configuration/Core-Configuration/Named-ACLs/'],
  },
  messages: {
    v4only: '{kind} {name} denies all IPv4{via} but not IPv6, and transport {transport} listens on {bind}',
  },
  check(m, ctx) {
    const v6 = m.pjsip.transports.find((t) => {
      const b = t.value('bind');
      return b !== undefined && splitHostPort(b).host.includes(':');
    });
    if (!v6) return;
    for (const s of [...m.pjsip.endpoints, ...m.pjsip.acls]) {
      for (const prefix of ['', 'contact_']) {
        const acl = readAcl(s, prefix);
        if (!acl.deniesAllV4 || acl.deniesAllV6) continue;
        const deny = acl.rules.find(
          (r) => r.action === 'deny' && r.cidr?.addr.kind() === 'ipv4' && r.cidr.bits === 0,
        )!;
        const kind = (s.value('type') ?? '').toLowerCase();
        ctx.report({
          messageId: 'v4only',
          data: { kind, name: s.name, via: via(deny.at), transport: v6.name, bind: v6.value('bind') ?? '' },
          at: spanOf(deny.at),
          target: `pjsip:${kind}/${s.name}/${prefix}acl`,
        });
      }
    }
  },
});
