import { HardlineError } from '../core/errors.js';
import { STEP_TITLES, stepNumber } from '../core/steps.js';
import { loadRules, ruleById } from '../rules/index.js';

/** `hardline rules [ID]`: the catalog, or one rule's documentation. */
export async function rulesCommand(id: string | undefined, o: { format: 'text' | 'json' }): Promise<number> {
  if (id) {
    const r = await ruleById(id.toUpperCase());
    if (!r) throw new HardlineError('HL_ERR_USAGE', `no rule ${id}; run 'hardline rules' for the list`);
    if (o.format === 'json') {
      const { check: _check, ...meta } = r;
      process.stdout.write(`${JSON.stringify(meta, null, 2)}\n`);
    } else {
      process.stdout.write(
        `${r.id}  ${r.title}\nseverity: ${r.severity}   step ${stepNumber(r.step)}: ${STEP_TITLES[r.step]}   pbx: ${r.pbx}\n\nWhy: ${r.docs.why}\n\nFix: ${r.docs.fix}\n\nReferences:\n${r.docs.refs.map((x) => `  - ${x}`).join('\n')}\n`,
      );
    }
    return 0;
  }
  const rules = await loadRules();
  if (o.format === 'json') {
    process.stdout.write(
      `${JSON.stringify(
        rules.map(({ check: _c, ...meta }) => meta),
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  for (const r of rules)
    process.stdout.write(
      `${r.id.padEnd(14)} ${r.severity.padEnd(9)} ${String(stepNumber(r.step))}  ${r.title}\n`,
    );
  process.stdout.write(`${rules.length} rules\n`);
  return 0;
}
