import { readAcl } from '../../pbx/asterisk/acl.js';
import { spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';
import { astFalse } from '../../pbx/asterisk/values.js';

export default defineAsteriskRule({
  id: 'AST-AMI-003',
  title: 'AMI user without an effective ACL',
  severity: 'high',
  step: 'exposure',
  docs: {
    why: 'Without deny/permit, an AMI user may log in from any address that reaches port 5038. Asterisk ACLs allow by default and the last matching rule wins, so a `permit=` line without a preceding `deny=` restricts nothing, and `deny=0.0.0.0/0.0.0.0` alone does not block IPv6.',
    fix: 'For each user in manager.conf write `deny=0.0.0.0/0.0.0.0` (and `deny=::/0` if Asterisk listens on IPv6) followed by `permit=` lines for the management hosts only.',
    refs: ['https://docs.asterisk.org/Configuration/Interfaces/Asterisk-Manager-Interface-AMI/'],
  },
  messages: {
    none: 'AMI user {user} has no deny/permit rules: it may log in from any address',
    permitOnly: 'AMI user {user} only has permit rules; without a deny first, every address is still allowed',
    noV6: 'AMI user {user} denies all IPv4 but not IPv6 while AMI listens on {bind}',
  },
  check(m, ctx) {
    const general = m.section('manager.conf', 'general');
    if (!general || astFalse(general.value('enabled') ?? 'no')) return;
    const bind = general.value('bindaddr') ?? '::';
    for (const user of m.sections('manager.conf', ['general'])) {
      const acl = readAcl(user);
      const target = `manager:user/${user.name}`;
      const data = { user: user.name, bind };
      if (acl.named.length) continue; // named ACL from acl.conf: judged by the ACL rules
      if (acl.rules.length === 0) ctx.report({ messageId: 'none', data, at: spanOf(user), target });
      else if (!acl.hasDeny)
        ctx.report({ messageId: 'permitOnly', data, at: spanOf(acl.rules[0]!.at), target });
      else if (acl.deniesAllV4 && !acl.deniesAllV6 && bind.includes(':')) {
        ctx.report({ messageId: 'noV6', data, at: spanOf(acl.rules[0]!.at), target });
      }
    }
  },
});
