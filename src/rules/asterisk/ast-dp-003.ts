import { splitTopLevel } from '../../pbx/asterisk/dialplan.js';
import { spanOf } from '../../pbx/asterisk/helpers.js';
import {
  analyzeDialplan,
  describeEntries,
  describeStep,
  endWith,
  entryHops,
  stepHop,
} from '../../pbx/asterisk/paths.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';

export default defineAsteriskRule({
  id: 'AST-DP-003',
  title: 'Untrusted callers reach demo, VoiceMailMain or DISA',
  severity: 'medium',
  step: 'authentication',
  docs: {
    why: "The sample extensions.conf lets `[public]` and `[default]` include `demo`, whose 8500 runs VoiceMailMain(). When a context that strangers reach (the anonymous endpoint's, a trunk's, chan_sip guests', `[public]`/`[default]`) leads to VoiceMailMain(), anyone can try mailbox PINs from outside, change greetings, or use call-back features; DISA() hands out a dial tone, and without a passcode it is an open line to your trunk.",
    fix: 'Remove `include => demo` from `[public]` and `[default]` (and the demo context itself). Route callers from trunks only to DIDs; offer remote voicemail access on a dedicated DID with a PIN policy, or not at all; remove DISA or protect it with a long passcode file and a restricted context.',
    refs: [
      'Asterisk configs/samples/extensions.conf.sample',
      'https://docs.asterisk.org/Deployment/Important-Security-Considerations/',
    ],
  },
  messages: {
    demo: '{who} reach the demo context through [{entry}]',
    vm: '{who} reach {app} in [{context}] {exten} through [{entry}]: anyone can try voicemail PINs',
    disa: '{who} reach DISA in [{context}] {exten} through [{entry}]: a dial tone for strangers{nopass}',
  },
  check(m, ctx) {
    const a = analyzeDialplan(m);
    for (const [context, { entries, exploration }] of a.byContext) {
      const relevant = entries.filter((e) => e.untrusted || e.kind === 'convention');
      if (!relevant.length) continue;
      const who = relevant.some((e) => e.untrusted)
        ? `unauthenticated callers (${describeEntries(relevant)})`
        : `callers landing in ${describeEntries(relevant)}`;
      const demo = exploration.contexts.get('demo');
      if (demo) {
        const last = [...demo].reverse().find((h) => h.at);
        ctx.report({
          messageId: 'demo',
          data: { who, entry: context },
          at: last?.at ?? relevant[0]!.at,
          target: `dialplan:${context}/demo`,
          evidence: [...entryHops(relevant), ...demo],
        });
      }
      const seen = new Set<string>();
      for (const r of exploration.reached) {
        const app = r.step.app.toLowerCase();
        if (app !== 'voicemailmain' && app !== 'disa') continue;
        const k = `${r.step.file}:${r.step.line}`;
        if (seen.has(k) || r.context === 'demo') continue;
        seen.add(k);
        const nopass =
          app === 'disa' && (splitTopLevel(r.step.args)[0] ?? '').trim().toLowerCase() === 'no-password';
        ctx.report({
          messageId: app === 'disa' ? 'disa' : 'vm',
          data: {
            who,
            entry: context,
            context: r.context,
            exten: r.exten,
            app: r.step.app,
            nopass: nopass ? ' (no passcode at all)' : '',
          },
          at: spanOf(r.step),
          target: `dialplan:${context}/${r.context}/${r.exten}/${r.step.app}`,
          ...(app === 'disa' ? { severity: nopass ? ('critical' as const) : ('high' as const) } : {}),
          evidence: [...entryHops(relevant), ...endWith(r.chain, stepHop(r, describeStep(r.step)))],
        });
      }
    }
  },
});
