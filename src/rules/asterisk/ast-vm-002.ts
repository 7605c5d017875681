import { spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';

export default defineAsteriskRule({
  id: 'AST-VM-002',
  title: 'Voicemail minpassword not set',
  severity: 'medium',
  step: 'authentication',
  policy: { uses: ['credentials'], without: 'defaults' },
  docs: {
    why: 'With `minpassword` unset or 0 (the default), users may change their PIN to a single digit from the voicemail menu, undoing whatever PIN the administrator set.',
    fix: "Set `minpassword` in voicemail.conf [general] to the policy's PIN length (6 or more).",
    refs: ['Asterisk configs/samples/voicemail.conf.sample'],
  },
  messages: {
    unset: 'voicemail.conf does not set minpassword: users may pick PINs of any length',
    low: 'voicemail.conf minpassword={value} is below the policy minimum of {min}',
  },
  check(m, ctx) {
    if (m.mailboxes.length === 0) return;
    const general = m.section('voicemail.conf', 'general');
    const v = general?.get('minpassword');
    const min = ctx.policy.credentials.pin.min_length;
    const at = spanOf(v ?? general ?? m.mailboxes[0]!);
    if (!v || !/^\d+$/.test(v.value) || Number(v.value) === 0) {
      ctx.report({ messageId: 'unset', at, target: 'voicemail:general' });
    } else if (Number(v.value) < min) {
      ctx.report({
        messageId: 'low',
        data: { value: v.value, min },
        at,
        target: 'voicemail:general',
        severity: 'low',
      });
    }
  },
});
