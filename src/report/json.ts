import { createRequire } from 'node:module';
import { type ReportData, summarize } from './model.js';

/** Version of the JSON report shape; bumped only for incompatible changes. */
export const JSON_SCHEMA_VERSION = 1;

const require = createRequire(import.meta.url);
export const VERSION: string = (require('../../package.json') as { version: string }).version;

/** The documented, stable JSON report (docs/report-json.md). */
export function renderJson(r: ReportData): string {
  const doc = {
    schemaVersion: JSON_SCHEMA_VERSION,
    tool: { name: 'hardline', version: VERSION },
    command: r.command,
    generatedAt: r.generatedAt,
    durationMs: r.durationMs,
    root: r.root,
    policy: { file: r.policyFile ?? null, ranOnDefaults: r.ranOnDefaults, skipped: r.skipped },
    sources: r.sources,
    summary: summarize(r.findings),
    findings: r.findings.map((f) => ({
      ruleId: f.ruleId,
      severity: f.severity,
      step: f.step,
      title: f.title,
      message: f.message,
      target: f.target,
      source: f.source,
      location: f.location
        ? {
            file: f.location.file,
            line: f.location.line,
            ...(f.location.column ? { column: f.location.column } : {}),
          }
        : null,
      related: f.related ?? [],
      evidence: f.evidence ?? [],
      waived: f.waived,
      waiver: f.waiver ?? null,
      ...(f.baselineState ? { baselineState: f.baselineState } : {}),
    })),
    diagnostics: r.diagnostics,
    rulesRun: r.rulesRun,
    drift: r.drift
      ? {
          baseline: r.drift.baseline,
          summary: { new: r.drift.new, fixed: r.drift.fixed, unchanged: r.drift.unchanged },
          fixed: r.drift.fixedFindings.map((f) => ({
            ruleId: f.ruleId,
            severity: f.severity,
            step: f.step,
            title: f.title,
            message: f.message,
            target: f.target,
            source: f.source,
            location: f.location ?? null,
            waived: f.waived,
          })),
        }
      : null,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
