import { assessPin } from '../../credentials/strength.js';
import { spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';

export default defineAsteriskRule({
  id: 'AST-VM-001',
  title: 'Weak or missing voicemail PIN',
  severity: 'high',
  step: 'authentication',
  policy: { uses: ['credentials'], without: 'defaults' },
  docs: {
    why: 'Voicemail PINs guard more than messages: a mailbox reached from outside can be used to change the greeting for social engineering or, where the dialplan allows call-back or DISA, to place calls. Attackers try the mailbox number, 1234, 0000 and sequences first. An empty PIN (or a lone `-`) means voicemail asks for no PIN at all. `minpassword` only applies when a user changes the PIN, so PINs written in voicemail.conf are never checked by Asterisk.',
    fix: 'Set a random PIN of at least 6 digits per mailbox (hardline.yaml credentials.pin.min_length), never the mailbox number; set `minpassword=6` in [general] so users cannot choose shorter ones.',
    refs: ['Asterisk configs/samples/voicemail.conf.sample'],
  },
  messages: {
    weak: 'mailbox {mailbox}@{context} has a weak PIN: {reasons}',
    empty: 'mailbox {mailbox}@{context} has no PIN: voicemail opens without asking',
  },
  check(m, ctx) {
    for (const mb of m.mailboxes) {
      const target = `voicemail:${mb.context}/${mb.mailbox}`;
      const pin = mb.pin.replace(/^-/, '');
      if (pin === '') {
        ctx.report({
          messageId: 'empty',
          data: { mailbox: mb.mailbox, context: mb.context },
          at: spanOf(mb),
          target,
          severity: 'critical',
        });
        continue;
      }
      const a = assessPin(pin, mb.mailbox, ctx.policy.credentials.pin);
      if (a.weak) {
        ctx.report({
          messageId: 'weak',
          data: { mailbox: mb.mailbox, context: mb.context, reasons: a.reasons.join('; ') },
          at: spanOf(mb),
          target,
        });
      }
    }
  },
});
