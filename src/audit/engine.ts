import path from 'node:path';
import type { Diagnostic } from '../core/diagnostic.js';
import type { Finding } from '../core/finding.js';
import {
  formatMessage,
  type PbxKind,
  type PolicyPath,
  type RawFinding,
  type ReportInput,
  type RuleContext,
} from '../core/rule.js';
import { atLeast, severityRank } from '../core/severity.js';
import { compareSpans, type Span } from '../core/span.js';
import { STEPS } from '../core/steps.js';
import type { CommonSource, CommonView } from '../pbx/common.js';
import { loadModel } from '../pbx/index.js';
import type { LoadedPolicy } from '../policy/loader.js';
import { type AnyRule, loadRules } from '../rules/index.js';
import type { PolicyModel } from '../rules/policy/model.js';
import { applyExceptions } from './exceptions.js';
import { Redactor } from './redact.js';

export interface AuditSource {
  /** Name used in findings (the policy's PBX name, or the folder name). */
  name: string;
  kind: PbxKind;
  /** Absolute path of the configuration folder. */
  root: string;
  /** Kamailio: defines as if given on the command line (policy `pbxs[].defines`). */
  defines?: string[];
}

export interface AuditOptions {
  sources: AuditSource[];
  policy: LoadedPolicy;
  /** Folder that report paths are relative to. */
  reportRoot: string;
  now?: Date;
  /** Only run these rule ids (for tests and `--rule`). */
  only?: string[];
}

export interface SourceSummary {
  name: string;
  kind: PbxKind;
  path: string;
  files: string[];
  blindSpots: string[];
}

export interface PolicyNote {
  ruleId: string;
  uses: PolicyPath[];
}

export interface AuditResult {
  command: 'audit';
  root: string;
  policyFile?: string;
  generatedAt: string;
  durationMs: number;
  sources: SourceSummary[];
  findings: Finding[];
  diagnostics: (Diagnostic & { source: string })[];
  rulesRun: string[];
  /** Rules that ran on hardline's defaults because the policy did not set what they read. */
  ranOnDefaults: PolicyNote[];
  /** Rules that did not run because they need a policy value. */
  skipped: PolicyNote[];
  /** Every rule's metadata, for SARIF and HTML reports. */
  rules: AnyRule[];
}

export async function runAudit(opts: AuditOptions): Promise<AuditResult> {
  const t0 = performance.now();
  const now = opts.now ?? new Date();
  const all = await loadRules();
  const selected = opts.only ? all.filter((r) => opts.only!.includes(r.id)) : all;
  const raw: { source: AuditSource; finding: RawFinding }[] = [];
  const diagnostics: AuditResult['diagnostics'] = [];
  const sources: SourceSummary[] = [];
  const ranOnDefaults = new Map<string, PolicyNote>();
  const skipped = new Map<string, PolicyNote>();
  const rulesRun = new Set<string>();
  const redactor = new Redactor();
  const policySets = (p: PolicyPath) => opts.policy.provided.has(p);

  // Load every source first: cross-PBX rules compare each source with the others.
  const loaded = opts.sources.map((source) => ({
    source,
    model: loadModel(source.kind, source.root, source.defines ? { defines: source.defines } : {}),
  }));
  const commons: CommonSource[] = loaded.map(({ source, model }) => ({
    ...model.common,
    source: source.name,
    kind: source.kind,
    root: source.root,
  }));

  for (const [index, { source, model }] of loaded.entries()) {
    for (const s of model.secrets) redactor.add(s.value);
    const rel = (file: string) => relativeTo(opts.reportRoot, source.root, file);
    sources.push({
      name: source.name,
      kind: source.kind,
      path: rel('.') || '.',
      files: model.fileList.map(rel),
      blindSpots: [
        ...model.blindSpots,
        ...(model.blindSpotsAt ?? []).map((b) =>
          b.at ? `${rel(b.at.file)}:${b.at.line}: ${b.message}` : b.message,
        ),
      ],
    });
    for (const d of model.diagnostics) diagnostics.push({ ...d, file: rel(d.file), source: source.name });
    const own = commons[index]!;
    const commonView: CommonView = { ...own, others: commons.filter((c) => c !== own) };
    for (const rule of selected) {
      // Cross-PBX rules (pbx 'any', except the policy rules) run once per source on its common part.
      const isCommon = rule.pbx === 'any' && !rule.id.startsWith('HL-POL-');
      if (rule.pbx !== source.kind && !isCommon) continue;
      if (rule.policy && !rule.policy.uses.some(policySets)) {
        if (rule.policy.without === 'skip') {
          skipped.set(rule.id, { ruleId: rule.id, uses: rule.policy.uses });
          continue;
        }
        ranOnDefaults.set(rule.id, { ruleId: rule.id, uses: rule.policy.uses });
      }
      rulesRun.add(rule.id);
      const ctx: RuleContext = {
        policy: opts.policy.policy,
        policySets,
        report: (r) => raw.push({ source, finding: toRaw(rule, r, rel) }),
      };
      try {
        rule.check(isCommon ? commonView : model, ctx);
      } catch (e) {
        diagnostics.push({
          file: rel('.'),
          line: 0,
          level: 'error',
          code: 'rule-crashed',
          message: `rule ${rule.id} failed: ${(e as Error).message}`,
          source: source.name,
        });
      }
    }
  }

  let findings: Finding[] = raw.map(({ source, finding }) => toFinding(finding, source.name));
  const policyFile = opts.policy.file
    ? relativeTo(opts.reportRoot, path.dirname(opts.policy.file), path.basename(opts.policy.file))
    : undefined;
  const applied = applyExceptions(findings, opts.policy, now, policyFile);
  findings = applied.findings;

  if (opts.policy.file) {
    const pm: PolicyModel = {
      kind: 'policy',
      file: policyFile ?? 'hardline.yaml',
      now,
      exceptions: applied.usage,
      lineOf: (p) => opts.policy.lineOf?.(p),
    };
    for (const rule of selected) {
      if (rule.pbx !== 'any' || !rule.id.startsWith('HL-POL-')) continue;
      rulesRun.add(rule.id);
      rule.check(pm, {
        policy: opts.policy.policy,
        policySets,
        report: (r) =>
          findings.push(
            toFinding(
              toRaw(rule, r, (f) => f),
              'policy',
            ),
          ),
      });
    }
  }

  findings = findings.map((f) => redactor.finding(f)).sort(compareFindings);
  return {
    command: 'audit',
    root: opts.reportRoot,
    ...(policyFile ? { policyFile } : {}),
    generatedAt: now.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    sources,
    findings,
    diagnostics: diagnostics.map((d) => ({ ...d, message: redactor.text(d.message) })),
    rulesRun: [...rulesRun].sort(),
    ranOnDefaults: [...ranOnDefaults.values()],
    skipped: [...skipped.values()],
    rules: all,
  };
}

/** What a rule reported, as a raw finding: message filled in, paths made relative to the report. */
function toRaw(rule: AnyRule, r: ReportInput, rel: (file: string) => string): RawFinding {
  return {
    ...r,
    rule,
    message: formatMessage(rule.messages[r.messageId] ?? missingMessage(rule.id, r.messageId), r.data),
    // Only file/line/column are copied: a span object must never carry a value into a report.
    ...(r.at ? { at: cleanSpan(r.at, rel) } : {}),
    ...(r.related ? { related: r.related.map((x) => cleanSpan(x, rel)) } : {}),
    ...(r.evidence
      ? {
          evidence: r.evidence.map((e) =>
            typeof e === 'string' ? e : e.at ? `${rel(e.at.file)}:${e.at.line}  ${e.text}` : e.text,
          ),
        }
      : {}),
  };
}

function cleanSpan(s: Span, rel: (file: string) => string): Span {
  return { file: rel(s.file), line: s.line, ...(s.column ? { column: s.column } : {}) };
}

function missingMessage(ruleId: string, id: string): never {
  throw new Error(`rule ${ruleId} has no message '${id}'`);
}

function toFinding(r: RawFinding, source: string): Finding {
  return {
    ruleId: r.rule.id,
    severity: r.severity ?? r.rule.severity,
    step: r.rule.step,
    title: r.rule.title,
    message: r.message,
    target: r.target,
    source,
    ...(r.at ? { location: r.at } : {}),
    ...(r.related?.length ? { related: r.related } : {}),
    ...(r.evidence?.length ? { evidence: r.evidence.map((e) => (typeof e === 'string' ? e : e.text)) } : {}),
    waived: false,
  };
}

/** Path of `file` (relative to `base`) as seen from `reportRoot`, with forward slashes. */
function relativeTo(reportRoot: string, base: string, file: string): string {
  const abs = path.isAbsolute(file) ? file : path.join(base, file);
  const rel = path.relative(reportRoot, abs);
  if (rel === '') return '';
  return rel.startsWith('..') || path.isAbsolute(rel) ? abs : rel.split(path.sep).join('/');
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    STEPS.indexOf(a.step) - STEPS.indexOf(b.step) ||
    severityRank(b.severity) - severityRank(a.severity) ||
    a.ruleId.localeCompare(b.ruleId) ||
    compareSpans(a.location, b.location) ||
    a.target.localeCompare(b.target)
  );
}

/** True when an active finding is at or above the threshold (for --fail-on). */
export function failsAt(result: { findings: Finding[] }, threshold: Finding['severity'] | 'none'): boolean {
  if (threshold === 'none') return false;
  return result.findings.some((f) => !f.waived && atLeast(f.severity, threshold));
}

export type { Span };
