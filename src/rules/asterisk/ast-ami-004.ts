import { readAcl } from '../../pbx/asterisk/acl.js';
import { spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';
import { splitList } from '../../pbx/asterisk/values.js';

const DANGEROUS = ['all', 'system', 'command', 'config', 'originate'];

export default defineAsteriskRule({
  id: 'AST-AMI-004',
  title: 'AMI user with dangerous write classes',
  severity: 'high',
  step: 'exposure',
  docs: {
    why: 'The `system` and `command` classes run shell and CLI commands, `config` rewrites configuration files (and through them the dialplan), `originate` places calls anywhere; `all` grants them all. A stolen AMI login with these classes is a full compromise of the PBX and an open door to toll fraud.',
    fix: 'Grant each manager.conf user only the classes its application needs, e.g. `write = call,reporting` for a CTI client. Keep system/command/config for a loopback-only admin user, if at all.',
    refs: [
      'https://docs.asterisk.org/Configuration/Interfaces/Asterisk-Manager-Interface-AMI/AMI-Permissions/',
    ],
  },
  messages: {
    write: 'AMI user {user} may write {classes}',
  },
  check(m, ctx) {
    for (const user of m.sections('manager.conf', ['general'])) {
      for (const w of user.all('write')) {
        const classes = splitList(w.value)
          .map((c) => c.toLowerCase())
          .filter((c) => DANGEROUS.includes(c));
        if (classes.length) {
          // originate alone, for a user locked to a few hosts, is what click-to-dial needs.
          const acl = readAcl(user);
          const locked = acl.hasDeny && acl.deniesAllV4 && acl.broadPermits.length === 0;
          const onlyOriginate = classes.every((c) => c === 'originate');
          ctx.report({
            ...(onlyOriginate && locked ? { severity: 'medium' as const } : {}),
            messageId: 'write',
            data: { user: user.name, classes: classes.join(', ') },
            at: spanOf(w),
            target: `manager:user/${user.name}`,
          });
        }
      }
    }
  },
});
