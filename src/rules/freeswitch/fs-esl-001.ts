import { assessPassword } from '../../credentials/strength.js';
import { scopeOfFs } from '../../pbx/freeswitch/common.js';
import { defineFreeswitchRule } from '../../pbx/freeswitch/rule.js';

export default defineFreeswitchRule({
  id: 'FS-ESL-001',
  title: 'Event socket (ESL) password is the default or weak',
  severity: 'critical',
  step: 'exposure',
  policy: { uses: ['credentials'], without: 'defaults' },
  docs: {
    why: 'The event socket gives full control of FreeSWITCH: `api` and `bgapi` run any command, including `originate` (calls on your trunks) and `system` (shell commands as the freeswitch user). Its stock password is `ClueCon` (also what the module uses when no password is set), known to every scanner; FusionPBX and other front ends also keep it unless changed.',
    fix: 'Set a long random `password` in event_socket.conf (and in the tools that connect: fs_cli.conf, FusionPBX settings), keep `listen-ip` on 127.0.0.1 (or ::1) and add `apply-inbound-acl` limited to the management hosts.',
    refs: ['FreeSWITCH conf/vanilla/autoload_configs/event_socket.conf.xml', 'FreeSWITCH mod_event_socket'],
  },
  messages: {
    weak: 'event socket password is weak ({reasons}); ESL listens on {bind}',
    unset:
      'event socket has no password param: mod_event_socket then uses the stock ClueCon; ESL listens on {bind}',
  },
  check(m, ctx) {
    const esl = m.configs.get('event_socket.conf');
    if (!esl || !m.moduleLoaded('mod_event_socket')) return;
    const pw = esl.settings.get('password');
    const ip = esl.settings.get('listen-ip');
    const scope = ip ? scopeOfFs(ip.value) : 'loopback';
    const bind = ip?.value ?? '127.0.0.1 (default)';
    const severity = scope === 'loopback' ? { severity: 'high' as const } : {};
    if (!pw || pw.value === '') {
      // mod_event_socket falls back to ClueCon when no password is configured.
      ctx.report({
        messageId: 'unset',
        data: { bind },
        at: pw ? { file: pw.file, line: pw.line } : esl.settingsAt,
        target: 'freeswitch:event_socket',
        ...severity,
      });
      return;
    }
    if (pw.value.includes('$${')) return;
    const a = assessPassword(pw.value, [], ctx.policy.credentials);
    if (!a.weak) return;
    ctx.report({
      messageId: 'weak',
      data: { reasons: a.reasons.join('; '), bind },
      at: { file: pw.file, line: pw.line },
      target: 'freeswitch:event_socket',
      ...severity,
    });
  },
});
