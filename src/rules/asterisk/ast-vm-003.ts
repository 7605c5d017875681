import { spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';

export default defineAsteriskRule({
  id: 'AST-VM-003',
  title: 'Voicemail allows unlimited or many PIN attempts',
  severity: 'low',
  step: 'authentication',
  docs: {
    why: '`maxlogins` is the number of wrong PINs voicemail accepts before it hangs up. 0 disables the limit and lets one call try PINs forever; values above 3 make automated guessing cheaper.',
    fix: 'Set `maxlogins = 3` (the default) in voicemail.conf [general].',
    refs: ['Asterisk configs/samples/voicemail.conf.sample'],
  },
  messages: { loose: 'voicemail.conf maxlogins={value}: {why}' },
  check(m, ctx) {
    const v = m.section('voicemail.conf', 'general')?.get('maxlogins');
    if (!v || !/^\d+$/.test(v.value)) return;
    const n = Number(v.value);
    if (n === 0)
      ctx.report({
        messageId: 'loose',
        data: { value: v.value, why: 'no limit on wrong PINs per call' },
        at: spanOf(v),
        target: 'voicemail:general',
        severity: 'medium',
      });
    else if (n > 3)
      ctx.report({
        messageId: 'loose',
        data: { value: v.value, why: 'more than 3 wrong PINs per call' },
        at: spanOf(v),
        target: 'voicemail:general',
      });
  },
});
