import { spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';
import { astFalse } from '../../pbx/asterisk/values.js';

export default defineAsteriskRule({
  id: 'AST-SIP-002',
  title: 'chan_sip reveals which extensions exist (alwaysauthreject=no)',
  severity: 'medium',
  step: 'authentication',
  docs: {
    why: 'With `alwaysauthreject = no`, chan_sip answers a REGISTER or INVITE for an unknown user differently (404) from a known user with a wrong password (401/403). svwar and similar tools use the difference to list every valid extension in seconds, then brute-force only those.',
    fix: 'Set `alwaysauthreject = yes` (the default since Asterisk 1.8) in sip.conf [general]; better, migrate to pjsip, which answers unknown users with a challenge as well.',
    refs: [
      'Asterisk configs/samples/sip.conf.sample (Asterisk 20)',
      'https://github.com/EnableSecurity/sipvicious',
    ],
  },
  messages: {
    off: 'chan_sip alwaysauthreject={value}: unknown users get a different answer, so extensions can be enumerated',
  },
  check(m, ctx) {
    if (!m.sip.active) return;
    const v = m.sip.general?.get('alwaysauthreject');
    if (v && astFalse(v.value))
      ctx.report({
        messageId: 'off',
        data: { value: v.value },
        at: spanOf(v),
        target: 'sip:general/alwaysauthreject',
      });
  },
});
