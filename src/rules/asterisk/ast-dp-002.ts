import { spanOf } from '../../pbx/asterisk/helpers.js';
import {
  analyzeDialplan,
  describeEntries,
  describeStep,
  dialTargets,
  type Entry,
  endWith,
  entryHops,
  type Hop,
  type Reached,
  type Taint,
} from '../../pbx/asterisk/paths.js';
import { acceptsNonDialChars } from '../../pbx/asterisk/pattern.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';

/** A caller-controlled value that can carry `&`, `/` or other dial-string syntax. */
function injectable(t: Taint): boolean {
  if (t.filtered) return false;
  if (t.kind === 'callerid') return true;
  return acceptsNonDialChars(t.patterns);
}

export default defineAsteriskRule({
  id: 'AST-DP-002',
  title: 'Caller-controlled data unfiltered in Dial() (dialplan injection)',
  severity: 'high',
  step: 'authentication',
  docs: {
    why: 'A pattern such as `_X.` or `_011.` matches any characters after its fixed part, not only digits. When `${EXTEN}` from such a pattern, or caller ID and SIP headers the caller writes, go straight into the Dial() string, a caller who dials `0114420&DAHDI/g0/0900123` or `1&Local/s@admin` adds his own destinations to the call (AST-2010-002): extra channels, other trunks, other contexts.',
    fix: 'Restrict the pattern to digits (`_011XXXXXXX.` is still open: prefer `_011[0-9]XXXXX` style fixed classes), or clean the value first: `Set(NUM=${FILTER(0-9,${EXTEN})})` and dial `${NUM}`. Never put `${CALLERID(num)}` or header values into a dial string without FILTER().',
    refs: ['AST-2010-002', 'https://docs.asterisk.org/Deployment/Important-Security-Considerations/'],
  },
  messages: {
    exten:
      '[{context}] {exten} puts {value} into Dial() unfiltered; the pattern lets a caller add & or / and so extra dial targets{reach}',
    callerid: '[{context}] {exten} puts {value}, which the caller sets, into Dial() unfiltered{reach}',
  },
  check(m, ctx) {
    const a = analyzeDialplan(m);
    // Steps reached from untrusted entries: those are high, with the path as evidence.
    const fromUntrusted = new Map<string, { entries: Entry[]; r: Reached }>();
    for (const { entries, exploration } of a.byContext.values()) {
      const untrusted = entries.filter((e) => e.untrusted);
      if (!untrusted.length) continue;
      for (const r of exploration.reached) {
        if (r.step.app.toLowerCase() !== 'dial') continue;
        const bad = dialTargets(m, r.step, r.env).some((t) => t.tainted.some((x) => injectable(x.taint)));
        const k = `${r.step.file}:${r.step.line}`;
        if (bad && !fromUntrusted.has(k)) fromUntrusted.set(k, { entries: untrusted, r });
      }
    }
    const done = new Set<string>();
    const candidates = [...[...fromUntrusted.values()].map((x) => x.r), ...a.everywhere.reached];
    for (const r of candidates) {
      if (r.step.app.toLowerCase() !== 'dial') continue;
      const k = `${r.step.file}:${r.step.line}`;
      if (done.has(k)) continue;
      const hit = dialTargets(m, r.step, r.env)
        .flatMap((t) => t.tainted)
        .find((x) => injectable(x.taint));
      if (!hit) continue;
      done.add(k);
      const up = fromUntrusted.get(k);
      const hop: Hop = { text: `[${r.context}] ${r.exten}: ${describeStep(r.step)}`, at: spanOf(r.step) };
      const evidence: Hop[] = up ? [...entryHops(up.entries), ...endWith(up.r.chain, hop)] : [hop];
      const value = hit.taint.kind === 'callerid' ? `\${${hit.taint.origin.label}}` : '${EXTEN}';
      ctx.report({
        messageId: hit.taint.kind === 'callerid' ? 'callerid' : 'exten',
        data: {
          context: r.context,
          exten: r.exten,
          value:
            hit.taint.kind === 'callerid'
              ? value
              : hit.taint.origin.label === r.exten && hit.taint.origin.context === r.context
                ? "the caller's number (${EXTEN})"
                : `the caller's number (matched by ${hit.taint.origin.label} in [${hit.taint.origin.context}])`,
          reach: up ? `, and unauthenticated callers (${describeEntries(up.entries)}) reach it` : '',
        },
        at: spanOf(r.step),
        target: `dialplan:${r.context}/${r.exten}/Dial`,
        ...(up ? {} : { severity: 'medium' as const }),
        evidence,
      });
    }
  },
});
