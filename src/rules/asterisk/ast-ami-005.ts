import { bindScope, spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';
import { astTrue } from '../../pbx/asterisk/values.js';

export default defineAsteriskRule({
  id: 'AST-AMI-005',
  title: 'AMI logins and events cross the network without TLS',
  severity: 'medium',
  step: 'exposure',
  docs: {
    why: 'The plain AMI port sends the `Login` action with the secret in clear text and streams every event (caller numbers, channel variables, sometimes DTMF) unencrypted. When AMI listens beyond loopback, anyone on the path between the AMI client and the PBX reads the secret and the traffic.',
    fix: 'Keep AMI on 127.0.0.1 (clients connect through an SSH tunnel), or enable `tlsenable = yes` with `tlsbindaddr`, `tlscertfile` and `tlsprivatekey` in manager.conf [general] and bind the plain listener to loopback.',
    refs: ['Asterisk configs/samples/manager.conf.sample'],
  },
  messages: { clear: 'AMI listens on {bind} without TLS: logins and events cross the network in clear text' },
  check(m, ctx) {
    const g = m.section('manager.conf', 'general');
    if (!g || !astTrue(g.value('enabled'))) return;
    const bind = g.get('bindaddr');
    if (bindScope(bind?.value) === 'loopback' || astTrue(g.value('tlsenable'))) return;
    ctx.report({
      messageId: 'clear',
      data: { bind: bind?.value ?? 'every interface' },
      at: spanOf(bind ?? g),
      target: 'manager:tls',
    });
  },
});
