import { spanOf } from '../../pbx/asterisk/helpers.js';
import {
  analyzeDialplan,
  describeEntries,
  describeStep,
  dialOptions,
  endWith,
  entryHops,
  stepHop,
} from '../../pbx/asterisk/paths.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';

export default defineAsteriskRule({
  id: 'AST-DP-004',
  title: 'Dial() lets callers from outside transfer or park (T/K options)',
  severity: 'medium',
  step: 'authentication',
  docs: {
    why: 'Dial option `T` lets the calling party transfer the call with the features.conf transfer code (`#` by default) and `K` lets it park the call. When the calling party came in over a trunk or without authentication, an outside caller can press `#` and transfer the call to any number the transfer context allows, often the same context your phones dial out from: a classic toll-fraud trick that needs no password.',
    fix: 'Drop `T` and `K` from Dial() calls reachable from trunk and other untrusted contexts; use lower-case `t`/`k` (the called party, i.e. your own phone, may transfer) where transfers are wanted. If outside transfers are really needed, set `TRANSFER_CONTEXT` to a context that reaches internal extensions only.',
    refs: [
      'https://docs.asterisk.org/Asterisk_22_Documentation/API_Documentation/Dialplan_Applications/Dial/',
      'Asterisk configs/samples/features.conf.sample',
    ],
  },
  messages: {
    opts: 'Dial() in [{context}] {exten} gives {which} to the calling party, and {who} reach it through [{entry}]',
  },
  check(m, ctx) {
    const a = analyzeDialplan(m);
    for (const [context, { entries, exploration }] of a.byContext) {
      const untrusted = entries.filter((e) => e.untrusted);
      if (!untrusted.length) continue;
      const seen = new Set<string>();
      for (const r of exploration.reached) {
        if (r.step.app.toLowerCase() !== 'dial') continue;
        const opts = dialOptions(r.step);
        const which = [opts.includes('T') ? 'transfer (T)' : '', opts.includes('K') ? 'parking (K)' : '']
          .filter(Boolean)
          .join(' and ');
        if (!which) continue;
        const k = `${r.step.file}:${r.step.line}`;
        if (seen.has(k)) continue;
        seen.add(k);
        ctx.report({
          messageId: 'opts',
          data: {
            context: r.context,
            exten: r.exten,
            which,
            who: `unauthenticated callers (${describeEntries(untrusted)})`,
            entry: context,
          },
          at: spanOf(r.step),
          target: `dialplan:${context}/${r.context}/${r.exten}/Dial`,
          evidence: [...entryHops(untrusted), ...endWith(r.chain, stepHop(r, describeStep(r.step)))],
        });
      }
    }
  },
});
