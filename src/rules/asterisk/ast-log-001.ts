import { spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';

export default defineAsteriskRule({
  id: 'AST-LOG-001',
  title: 'No log channel records security events',
  severity: 'medium',
  step: 'logging',
  docs: {
    why: 'Failed authentications, ACL rejections and unknown accounts are written only to the `security` log level, and the sample logger.conf leaves `security.log => security` commented out. Without it, brute force and enumeration leave no trace that fail2ban, CrowdSec or hardline watch can act on.',
    fix: 'In logger.conf [logfiles] add `security => security` (a file /var/log/asterisk/security) or add `security` to an existing channel, then `logger reload`.',
    refs: ['Asterisk configs/samples/logger.conf.sample', 'https://docs.asterisk.org/Operation/Logging/'],
  },
  messages: {
    none: 'no logger.conf channel carries the security level{extra}',
    missingFile:
      'logger.conf is missing: Asterisk logs only notice, warning and error to messages, no security events',
  },
  check(m, ctx) {
    const conf = m.conf('logger.conf');
    if (!conf) {
      if (m.conf('pjsip.conf') || m.conf('sip.conf'))
        ctx.report({
          messageId: 'missingFile',
          at: { file: 'logger.conf', line: 1 },
          target: 'logger:security',
        });
      return;
    }
    if (m.logger.some((c) => c.levels.includes('security') || c.levels.includes('*'))) return;
    const logfiles = conf.sections.find((s) => s.name.toLowerCase() === 'logfiles');
    const extra = m.logger.length ? ` (channels: ${m.logger.map((c) => c.name).join(', ')})` : '';
    ctx.report({
      messageId: 'none',
      data: { extra },
      at: spanOf(logfiles ?? { file: conf.name, line: 1 }),
      target: 'logger:security',
    });
  },
});
