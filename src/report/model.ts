import type { DriftSummary } from '../audit/drift.js';
import type { Diagnostic } from '../core/diagnostic.js';
import type { Finding } from '../core/finding.js';
import type { PolicyPath, RuleMeta } from '../core/rule.js';
import { SEVERITIES, type Severity } from '../core/severity.js';
import { STEPS, type Step } from '../core/steps.js';

/** What every report format renders; audit and probe both produce it. */
export interface ReportData {
  command: string;
  /** The folder or target the run looked at (report paths are relative to it). */
  root: string;
  policyFile?: string;
  generatedAt: string;
  durationMs: number;
  sources: { name: string; kind: string; path: string; files: string[]; blindSpots: string[] }[];
  findings: Finding[];
  diagnostics: (Diagnostic & { source: string })[];
  rulesRun: string[];
  ranOnDefaults: { ruleId: string; uses: PolicyPath[] }[];
  skipped: { ruleId: string; uses: PolicyPath[] }[];
  rules: RuleMeta[];
  /** Comparison with a previous report (`--baseline`); findings then carry baselineState. */
  drift?: DriftSummary;
}

export interface Summary {
  total: number;
  active: number;
  waived: number;
  bySeverity: Record<Severity, number>;
  byStep: Record<Step, number>;
}

/** Counts of active findings; waived ones are counted apart. */
export function summarize(findings: Finding[]): Summary {
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const byStep = Object.fromEntries(STEPS.map((s) => [s, 0])) as Record<Step, number>;
  let waived = 0;
  for (const f of findings) {
    if (f.waived) {
      waived++;
      continue;
    }
    bySeverity[f.severity]++;
    byStep[f.step]++;
  }
  return { total: findings.length, active: findings.length - waived, waived, bySeverity, byStep };
}

export function severityCounts(s: Record<Severity, number>): string {
  const parts = SEVERITIES.filter((k) => s[k] > 0).map((k) => `${s[k]} ${k}`);
  return parts.length ? parts.join(', ') : 'none';
}
