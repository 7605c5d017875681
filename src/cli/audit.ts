import { writeFileSync } from 'node:fs';
import { compareWithBaseline, loadBaseline } from '../audit/drift.js';
import { failsAt, runAudit } from '../audit/engine.js';
import { HardlineError } from '../core/errors.js';
import type { PbxKind } from '../core/rule.js';
import type { Severity } from '../core/severity.js';
import { type Format, render } from '../report/index.js';
import { wantColor } from '../report/text.js';
import { resolveTarget } from './target.js';

export interface AuditCliOptions {
  policy?: string;
  format: Format;
  output?: string;
  failOn: Severity | 'none';
  rule?: string[];
  now?: string;
  pbx?: PbxKind | 'auto';
  baseline?: string;
  failOnNew?: boolean;
  full?: boolean;
}

/** `hardline audit`: returns the process exit code. */
export async function auditCommand(pathArg: string | undefined, o: AuditCliOptions): Promise<number> {
  const target = resolveTarget(pathArg, o.policy, o.pbx ?? 'auto');
  const now = o.now ? new Date(o.now) : new Date();
  if (Number.isNaN(now.getTime())) throw new HardlineError('HL_ERR_USAGE', `--now ${o.now} is not a date`);
  const result = await runAudit({
    sources: target.sources,
    policy: target.policy,
    reportRoot: target.reportRoot,
    now,
    ...(o.rule?.length ? { only: o.rule } : {}),
  });
  if (o.failOnNew && !o.baseline)
    throw new HardlineError('HL_ERR_USAGE', '--fail-on-new needs --baseline FILE');
  const baseline = o.baseline ? loadBaseline(o.baseline) : undefined;
  const compared = baseline ? compareWithBaseline(result.findings, baseline) : undefined;
  const report = {
    ...result,
    root: target.display,
    ...(compared ? { findings: compared.findings, drift: compared.drift } : {}),
  };
  const text = render(o.format, report, {
    color: !o.output && o.format === 'text' && wantColor(process.stdout),
    absRoot: target.reportRoot,
    full: o.full ?? false,
  });
  if (o.output) {
    try {
      writeFileSync(o.output, text);
    } catch (e) {
      throw new HardlineError('HL_ERR_OUTPUT', `cannot write ${o.output}: ${(e as Error).message}`);
    }
  } else process.stdout.write(text);
  const judged = o.failOnNew ? report.findings.filter((f) => f.baselineState === 'new') : report.findings;
  return failsAt({ findings: judged }, o.failOn) ? 1 : 0;
}
