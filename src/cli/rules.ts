import { HardlineError } from '../core/errors.js';
import { STEP_TITLES, stepNumber } from '../core/steps.js';
import type { ProbeCheck } from '../probe/check.js';
import { loadChecks } from '../probe/index.js';
import { loadRules, ruleById } from '../rules/index.js';

/** JSON view of a probe check (its metadata, without the code). */
function checkMeta(c: ProbeCheck): Record<string, unknown> {
  const { run: _run, ...meta } = c;
  return { command: 'probe', ...meta };
}

/**
 * `hardline rules [ID]`: the catalog (configuration rules of `hardline audit`, then the checks
 * of `hardline probe`), or one rule's or check's documentation.
 */
export async function rulesCommand(id: string | undefined, o: { format: 'text' | 'json' }): Promise<number> {
  if (id) {
    const want = id.toUpperCase();
    const r = await ruleById(want);
    const c = r ? undefined : (await loadChecks()).find((x) => x.id === want);
    if (!r && !c)
      throw new HardlineError(
        'HL_ERR_USAGE',
        `no rule or probe check ${id}; run 'hardline rules' for the list`,
      );
    if (o.format === 'json') {
      if (r) {
        const { check: _check, ...meta } = r;
        process.stdout.write(`${JSON.stringify({ command: 'audit', ...meta }, null, 2)}\n`);
      } else process.stdout.write(`${JSON.stringify(checkMeta(c!), null, 2)}\n`);
    } else if (r) {
      process.stdout.write(
        `${r.id}  ${r.title}\nseverity: ${r.severity}   step ${stepNumber(r.step)}: ${STEP_TITLES[r.step]}   pbx: ${r.pbx}\n\nWhy: ${r.docs.why}\n\nFix: ${r.docs.fix}\n\nReferences:\n${r.docs.refs.map((x) => `  - ${x}`).join('\n')}\n`,
      );
    } else {
      const k = c!;
      process.stdout.write(
        `${k.id}  ${k.title}\nprobe check   severity: ${k.severity}   step ${stepNumber(k.step)}: ${STEP_TITLES[k.step]}   runs per ${k.scope}${k.transports ? ` (${k.transports.join(', ')})` : ''}\n\nSends: ${k.sends}\n${k.impact ? `\nBefore you run it: ${k.impact}\n` : ''}\nWhy: ${k.docs.why}\n\nFix: ${k.docs.fix}\n\nReferences:\n${k.docs.refs.map((x) => `  - ${x}`).join('\n')}\n\nMore: docs/probe/${k.id}.md\n`,
      );
    }
    return 0;
  }
  const rules = await loadRules();
  const checks = await loadChecks();
  if (o.format === 'json') {
    process.stdout.write(
      `${JSON.stringify(
        [...rules.map(({ check: _c, ...meta }) => ({ command: 'audit', ...meta })), ...checks.map(checkMeta)],
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  process.stdout.write('Configuration rules (hardline audit; docs/rules/)\n');
  for (const r of rules)
    process.stdout.write(
      `${r.id.padEnd(14)} ${r.severity.padEnd(9)} ${String(stepNumber(r.step))}  ${r.title}\n`,
    );
  process.stdout.write('\nProbe checks (hardline probe; docs/probe/)\n');
  for (const c of checks)
    process.stdout.write(
      `${c.id.padEnd(14)} ${c.severity.padEnd(9)} ${String(stepNumber(c.step))}  ${c.title}\n`,
    );
  process.stdout.write(`\n${rules.length} rules, ${checks.length} probe checks\n`);
  return 0;
}
