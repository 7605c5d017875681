import { sipAllowGuest, sipContext } from '../../pbx/asterisk/chansip.js';
import { spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';

export default defineAsteriskRule({
  id: 'AST-SIP-001',
  title: 'chan_sip accepts calls from unknown callers (allowguest)',
  severity: 'high',
  step: 'authentication',
  docs: {
    why: "With `allowguest = yes`, chan_sip's default, an INVITE from any address that matches no peer is accepted without authentication and runs in the [general] `context`. Whatever that context reaches (often the sample's [default] with `include => demo`, or worse, an outbound route) is open to every scanner on the Internet.",
    fix: 'Set `allowguest = no` in sip.conf [general] unless you really accept SIP URI calls from strangers; if you do, set [general] `context` to a context that only reaches your DIDs. Better: migrate to pjsip, chan_sip is gone from Asterisk 21.',
    refs: [
      'Asterisk configs/samples/sip.conf.sample (Asterisk 20)',
      'https://docs.asterisk.org/Deployment/Important-Security-Considerations/',
    ],
  },
  messages: {
    on: 'chan_sip allowguest={value}: calls from unknown callers are accepted without authentication into context {context}',
  },
  check(m, ctx) {
    if (!m.sip.active) return;
    const g = sipAllowGuest(m.sip);
    if (!g.on) return;
    ctx.report({
      messageId: 'on',
      data: { value: g.at ? g.at.value : 'yes (default)', context: sipContext(m.sip, undefined) },
      at: spanOf(g.at ?? m.sip.general ?? { file: 'sip.conf', line: 1 }),
      target: 'sip:general/allowguest',
    });
  },
});
