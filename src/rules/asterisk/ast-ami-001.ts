import { bindScope, spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';
import { astTrue } from '../../pbx/asterisk/values.js';

export default defineAsteriskRule({
  id: 'AST-AMI-001',
  title: 'AMI listens beyond loopback',
  severity: 'critical',
  step: 'exposure',
  docs: {
    why: 'The Asterisk Manager Interface can originate calls, read and change configuration and, with the system or command class, run shell commands. Scanners sweep TCP 5038 constantly; a reachable AMI is one weak secret away from full control and toll fraud.',
    fix: 'In manager.conf [general] set `bindaddr = 127.0.0.1` (or the management interface only) and reach AMI through SSH or a VPN. If nothing uses AMI, set `enabled = no`. Restrict each user with `deny=0.0.0.0/0.0.0.0` followed by `permit=` for the hosts that need it.',
    refs: [
      'https://docs.asterisk.org/Configuration/Interfaces/Asterisk-Manager-Interface-AMI/',
      'Asterisk configs/samples/manager.conf.sample',
    ],
  },
  messages: {
    unset: 'AMI is enabled and bindaddr is not set, so it listens on every interface (port {port})',
    all: 'AMI is enabled and bound to {bind}, every interface (port {port})',
    address: 'AMI is enabled and bound to non-loopback address {bind} (port {port})',
  },
  check(m, ctx) {
    const general = m.section('manager.conf', 'general');
    if (!general) return;
    const enabled = general.get('enabled');
    if (!astTrue(enabled?.value)) return;
    const bind = general.get('bindaddr');
    const scope = bindScope(bind?.value);
    if (scope === 'loopback') return;
    const port = general.value('port') ?? '5038';
    const messageId = !bind ? 'unset' : scope === 'all' ? 'all' : 'address';
    ctx.report({
      messageId,
      data: { port, bind: bind?.value ?? '' },
      at: spanOf(bind ?? enabled ?? general),
      target: 'manager:general',
    });
  },
});
