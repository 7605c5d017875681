import { splitTopLevel } from '../../pbx/asterisk/dialplan.js';
import { spanOf } from '../../pbx/asterisk/helpers.js';
import { analyzeDialplan, extensionsOf } from '../../pbx/asterisk/paths.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';

export default defineAsteriskRule({
  id: 'AST-VM-004',
  title: 'VoiceMailMain() skips the PIN (s option)',
  severity: 'high',
  step: 'authentication',
  docs: {
    why: "VoiceMailMain's `s` option skips the password prompt. Used with a mailbox taken from `${CALLERID(num)}`, which any SIP caller can set, it opens every mailbox to whoever fakes the caller ID; even for a fixed mailbox it means anyone who reaches that extension hears and deletes the messages.",
    fix: 'Remove the `s` option so VoiceMailMain() asks for the PIN, and set strong PINs (AST-VM-001). If a phone must reach its own mailbox without a PIN, do it from a context only that authenticated phone uses, never from trunk or guest contexts.',
    refs: [
      'https://docs.asterisk.org/Asterisk_22_Documentation/API_Documentation/Dialplan_Applications/VoiceMailMain/',
    ],
  },
  messages: {
    skip: '[{context}] {exten} calls VoiceMailMain({mailbox}) with option s: no PIN is asked{extra}',
  },
  check(m, ctx) {
    const a = analyzeDialplan(m);
    const untrustedSteps = new Set<string>();
    for (const { entries, exploration } of a.byContext.values()) {
      if (!entries.some((e) => e.untrusted)) continue;
      for (const r of exploration.reached) untrustedSteps.add(`${r.step.file}:${r.step.line}`);
    }
    for (const dctx of m.dialplan.contexts.values()) {
      for (const g of extensionsOf(dctx)) {
        for (const s of g.steps) {
          if (s.app.toLowerCase() !== 'voicemailmain') continue;
          const [mailbox = '', options = ''] = splitTopLevel(s.args).map((x) => x.trim());
          if (!options.replace(/\([^)]*\)/g, '').includes('s')) continue;
          const exposed = untrustedSteps.has(`${s.file}:${s.line}`);
          const spoofable = /CALLERID/i.test(mailbox);
          ctx.report({
            messageId: 'skip',
            data: {
              context: dctx.name,
              exten: g.exten,
              mailbox,
              extra: exposed
                ? ', and unauthenticated callers reach this extension'
                : spoofable
                  ? '; the mailbox comes from caller ID, which callers can fake'
                  : '',
            },
            at: spanOf(s),
            target: `dialplan:${dctx.name}/${g.exten}/VoiceMailMain`,
            ...(exposed ? { severity: 'critical' as const } : {}),
          });
        }
      }
    }
  },
});
