import { spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';
import { astFalse } from '../../pbx/asterisk/values.js';

export default defineAsteriskRule({
  id: 'AST-RTP-002',
  title: 'strictrtp disabled (RTP Bleed)',
  severity: 'high',
  step: 'firewall',
  docs: {
    why: 'With `strictrtp = no` Asterisk accepts RTP for a call from any source address. An attacker who sprays packets across the RTP range receives the audio of active calls (RTP Bleed, AST-2017-005) or injects audio into them.',
    fix: 'Set `strictrtp = yes` (the default) in rtp.conf [general]; keep `probation` at its default.',
    refs: ['AST-2017-005', 'Asterisk configs/samples/rtp.conf.sample'],
  },
  messages: { off: 'rtp.conf strictrtp={value}: RTP is accepted from any source (RTP Bleed)' },
  check(m, ctx) {
    const v = m.section('rtp.conf', 'general')?.get('strictrtp');
    if (v && astFalse(v.value))
      ctx.report({ messageId: 'off', data: { value: v.value }, at: spanOf(v), target: 'rtp:strictrtp' });
  },
});
