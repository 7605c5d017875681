import { spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';
import { astFalse } from '../../pbx/asterisk/values.js';

export default defineAsteriskRule({
  id: 'AST-SIP-003',
  title: 'chan_sip creates peers for anyone who registers (autocreatepeer)',
  severity: 'critical',
  step: 'authentication',
  docs: {
    why: '`autocreatepeer = yes` (or `persist`) makes chan_sip create a peer, without any password, for every device that sends a REGISTER. It is meant for a trusted SIP proxy in front of Asterisk; reachable from anywhere else it lets anyone register and call through the [general] context.',
    fix: 'Set `autocreatepeer = no` (the default). If a proxy in front of Asterisk needs it, allow only the proxy with `deny`/`permit` in [general] and firewall port 5060 to the proxy.',
    refs: ['Asterisk configs/samples/sip.conf.sample (Asterisk 20)'],
  },
  messages: {
    on: 'chan_sip autocreatepeer={value}: any device that registers becomes a peer without a password',
  },
  check(m, ctx) {
    if (!m.sip.active) return;
    const v = m.sip.general?.get('autocreatepeer');
    if (v && !astFalse(v.value) && v.value.trim() !== '')
      ctx.report({
        messageId: 'on',
        data: { value: v.value },
        at: spanOf(v),
        target: 'sip:general/autocreatepeer',
      });
  },
});
