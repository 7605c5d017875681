import { splitTopLevel } from '../../pbx/asterisk/dialplan.js';
import { spanOf } from '../../pbx/asterisk/helpers.js';
import {
  analyzeDialplan,
  describeEntries,
  describeStep,
  dialTargets,
  endWith,
  entryHops,
  globalsUsed,
  sentTransform,
  stepHop,
} from '../../pbx/asterisk/paths.js';
import { internationalReach } from '../../pbx/asterisk/pattern.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';

export default defineAsteriskRule({
  id: 'AST-DP-001',
  title: 'Toll-fraud path: unauthenticated callers reach international dialling',
  severity: 'critical',
  step: 'authentication',
  docs: {
    why: 'Toll fraud is the attack that costs small businesses real money: a caller who is never asked for a password (the anonymous endpoint, anyone calling in through a trunk matched by address, a chan_sip guest, an endpoint without auth) lands in a dialplan context that, through `include =>`, Goto, Gosub or an IVR that accepts digits, reaches a pattern such as `_X.`, `_00.`, `_011.` or `_+.` that dials the trunk with the number the caller chose. Fraudsters find such paths within hours and pump calls to premium international numbers all weekend. hardline follows the dialplan the way Asterisk does and prints every hop (context, file:line) from the entry to the Dial().',
    fix: 'Keep the contexts of untrusted entries (trunk, anonymous, guest) separate from the contexts of your phones: they should only route your DIDs to extensions, queues and IVRs, never `include` the internal or outbound contexts. Let IVR menus dial only the listed extensions. Give every endpoint an inbound `auth=` (trunks: `identify_by = ip` with exact addresses). Limit international dialling to the phones that need it, behind a PIN if possible, and ask your provider for a spending cap.',
    refs: [
      'https://docs.asterisk.org/Configuration/Dialplan/Contexts-Extensions-and-Priorities/',
      'https://docs.asterisk.org/Deployment/Important-Security-Considerations/',
      'Asterisk README-SERIOUSLY.bestpractices.txt',
    ],
  },
  messages: {
    intl: 'unauthenticated callers ({who}) enter [{entry}] and reach [{context}] {pattern}, which dials {trunk} with the number they choose: international calls ({prefixes}) on your bill',
    open: 'unauthenticated callers ({who}) enter [{entry}] and reach [{context}] {pattern}, which dials any number they choose on {trunk}: international and premium-rate calls on your bill',
    truncated:
      'the dialplan analysis from [{entry}] stopped after {count} steps; paths beyond that were not checked',
    unintended:
      '{who} enters [{entry}] and reaches [{context}] {pattern}, which dials {trunk} with the number the caller chooses ({prefixes}); check that this is intended',
  },
  check(m, ctx) {
    const a = analyzeDialplan(m);
    for (const [context, { entries, exploration }] of a.byContext) {
      const relevant = entries.filter((e) => e.kind !== 'convention');
      if (!relevant.length) continue;
      const untrusted = relevant.some((e) => e.untrusted);
      if (exploration.truncated) {
        ctx.report({
          messageId: 'truncated',
          data: { entry: context, count: exploration.reached.length },
          at: relevant[0]!.at,
          target: `dialplan:${context}/analysis`,
          severity: 'info',
        });
      }
      const seen = new Set<string>();
      for (const r of exploration.reached) {
        if (r.step.app.toLowerCase() !== 'dial') continue;
        for (const t of dialTargets(m, r.step, r.env)) {
          const n = t.number;
          if (!t.trunk || !n || n.taint.kind !== 'number' || !n.taint.exact) continue;
          const reach = internationalReach(n.taint.patterns, sentTransform(n), a.plan);
          if (!reach) continue;
          const o = n.taint.origin;
          const key = `${o.at.file}:${o.at.line}|${r.step.file}:${r.step.line}`;
          if (seen.has(key)) continue;
          seen.add(key);
          ctx.report({
            messageId: !untrusted ? 'unintended' : reach.open ? 'open' : 'intl',
            data: {
              entry: context,
              who: describeEntries(relevant),
              context: o.context,
              pattern: o.label,
              trunk: t.trunk,
              prefixes: reach.prefixes.map((p) => `${p}...`).join(', '),
            },
            at: o.at,
            target: `dialplan:${context}/${o.context}/${o.label}`,
            ...(untrusted ? {} : { severity: 'high' as const }),
            related: [spanOf(r.step)],
            evidence: [
              ...entryHops(relevant),
              ...endWith(r.chain, stepHop(r, `${describeStep(r.step)} dials ${t.shown} (${t.trunk})`)),
              ...globalsUsed(m, splitTopLevel(r.step.args)[0] ?? ''),
            ],
          });
        }
      }
    }
  },
});
