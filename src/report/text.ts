import type { Finding } from '../core/finding.js';
import type { RuleMeta } from '../core/rule.js';
import type { Severity } from '../core/severity.js';
import { formatSpan } from '../core/span.js';
import { STEP_TITLES, STEPS } from '../core/steps.js';
import { type ReportData, severityCounts, summarize } from './model.js';
import { countOf, wordingFor } from './wording.js';

export interface TextOptions {
  color: boolean;
  /** Print each rule's remediation under its findings (default true). */
  fixes?: boolean;
  width?: number;
  /** List every finding; by default repeated low/info findings of one rule are summarised. */
  full?: boolean;
}

/** Low and info findings beyond this many lines per rule are summarised (unless `full`). */
const QUIET_LINES = 4;

const CODES = {
  reset: '\x1b[0m',
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  red: '\x1b[31m',
  yellow: '\x1b[33m',
  cyan: '\x1b[36m',
  green: '\x1b[32m',
  magenta: '\x1b[35m',
};

/** Should output be coloured? Honours NO_COLOR, FORCE_COLOR and whether stdout is a terminal. */
export function wantColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  if (env['FORCE_COLOR'] !== undefined && env['FORCE_COLOR'] !== '' && env['FORCE_COLOR'] !== '0')
    return true;
  return Boolean(stream.isTTY) && env['TERM'] !== 'dumb';
}

export function renderText(r: ReportData, opts: TextOptions): string {
  const c = (code: keyof typeof CODES, s: string) => (opts.color ? `${CODES[code]}${s}${CODES.reset}` : s);
  const sevColor: Record<Severity, keyof typeof CODES> = {
    critical: 'magenta',
    high: 'red',
    medium: 'yellow',
    low: 'cyan',
    info: 'dim',
  };
  const sev = (s: Severity) => c(sevColor[s], s.toUpperCase().padEnd(8));
  const width = opts.width ?? 100;
  const out: string[] = [];
  const rules = new Map(r.rules.map((x) => [x.id, x]));

  out.push(c('bold', `hardline ${r.command}: ${r.root}`));
  out.push(`policy: ${r.policyFile ?? 'none (hardline defaults; see the notes at the end)'}`);
  const words = wordingFor(r.command);
  for (const s of r.sources) out.push(words.source(s));
  out.push('');

  const active = r.findings.filter((f) => !f.waived);
  STEPS.forEach((step, i) => {
    const inStep = active.filter((f) => f.step === step);
    const counts = summarize(inStep).bySeverity;
    const head = `${i + 1}. ${STEP_TITLES[step]}`;
    out.push(
      c(
        'bold',
        `${head}${' '.repeat(Math.max(2, width - 30 - head.length))}${inStep.length ? severityCounts(counts) : c('green', 'no findings')}`,
      ),
    );
    for (const group of groupByRule(inStep)) {
      const rule = rules.get(group[0]!.ruleId);
      out.push(
        `  ${sev(group[0]!.severity)} ${c('bold', group[0]!.ruleId)}  ${group[0]!.title}${group.length > 1 ? c('dim', ` (${group.length})`) : ''}`,
      );
      const lines = opts.full ? group.map((f) => [f]) : bucketByLine(group);
      const quiet = !opts.full && (group[0]!.severity === 'low' || group[0]!.severity === 'info');
      const shown = quiet && lines.length > QUIET_LINES ? lines.slice(0, QUIET_LINES - 1) : lines;
      for (const bucket of shown) {
        const f = bucket[0]!;
        const where = f.location ? formatSpan(f.location) : f.source;
        const sevNote = f.severity !== group[0]!.severity ? `[${f.severity}] ` : '';
        const newNote = f.baselineState === 'new' ? c('bold', '[new] ') : '';
        const more = bucket.length > 1 ? c('dim', ` (also ${shortTargets(bucket.slice(1))})`) : '';
        out.push(`    ${c('dim', where)}  ${newNote}${sevNote}${f.message}${more}`);
        for (const e of f.evidence ?? []) out.push(`      ${c('dim', '|')} ${e}`);
      }
      if (shown.length < lines.length) {
        const rest = lines.slice(shown.length).flat();
        out.push(
          c('dim', `    ... and ${rest.length} more like these: ${shortTargets(rest)} (--full lists them)`),
        );
      }
      if (opts.fixes !== false && rule)
        out.push(...wrap(`fix: ${firstSentences(rule)}`, width, '    ').map((l) => c('green', l)));
    }
    out.push('');
  });

  const waived = r.findings.filter((f) => f.waived);
  if (waived.length) {
    out.push(c('bold', `Waived by policy exceptions (${waived.length})`));
    for (const f of waived) {
      const w = f.waiver!;
      out.push(
        `  ${f.ruleId} ${f.target}: approved by ${w.approver} until ${w.expires.slice(0, 10)}: ${w.reason}`,
      );
    }
    out.push('');
  }

  if (r.skipped.length || r.ranOnDefaults.length) {
    out.push(c('bold', 'Policy'));
    if (r.skipped.length) {
      out.push(
        `  not run, they need a policy value: ${r.skipped.map((s) => `${s.ruleId} (${s.uses.join(', ')})`).join('; ')}`,
      );
    }
    if (r.ranOnDefaults.length) {
      out.push(
        `  ran on hardline defaults: ${r.ranOnDefaults.map((s) => `${s.ruleId} (${s.uses.join(', ')})`).join('; ')}`,
      );
    }
    out.push('');
  }

  const blind = r.sources.flatMap((s) => s.blindSpots.map((b) => `${s.name}: ${b}`));
  if (blind.length) {
    out.push(c('bold', words.notesHeading));
    for (const b of blind) out.push(`  ${b}`);
    out.push('');
  }

  if (r.diagnostics.length) {
    out.push(c('bold', `Input problems (${r.diagnostics.length})`));
    for (const d of r.diagnostics.slice(0, 50))
      out.push(`  ${d.level.padEnd(7)} ${formatSpan(d)}  ${d.message}`);
    if (r.diagnostics.length > 50) out.push(`  ... ${r.diagnostics.length - 50} more (see --format json)`);
    out.push('');
  }

  if (r.drift) {
    const d = r.drift;
    out.push(
      c(
        'bold',
        `Drift since ${d.baseline.file}${d.baseline.generatedAt ? ` (${d.baseline.generatedAt})` : ''}: ${d.new} new, ${d.fixed} fixed, ${d.unchanged} unchanged`,
      ),
    );
    for (const f of r.findings.filter((x) => x.baselineState === 'new'))
      out.push(
        `  new    ${f.severity.padEnd(8)} ${f.ruleId.padEnd(13)} ${f.location ? formatSpan(f.location) : f.source}  ${f.target}${f.waived ? ' (waived)' : ''}`,
      );
    for (const f of d.fixedFindings)
      out.push(
        `  ${c('green', 'fixed')}  ${f.severity.padEnd(8)} ${f.ruleId.padEnd(13)} ${f.location ? formatSpan(f.location) : f.source}  ${f.target}`,
      );
    out.push('');
  }

  const s = summarize(r.findings);
  out.push(
    c(
      'bold',
      `Summary: ${s.active} finding${s.active === 1 ? '' : 's'} (${severityCounts(s.bySeverity)})` +
        `${s.waived ? `, ${s.waived} waived` : ''}${r.drift ? ` (${r.drift.new} new, ${r.drift.fixed} fixed since the baseline)` : ''}; ${countOf(r.rulesRun.length, words.ruleNoun)} on ${countOf(r.sources.length, words.sourceNoun)} in ${(r.durationMs / 1000).toFixed(2)} s`,
    ),
  );
  return `${out.join('\n')}\n`;
}

/**
 * Findings of one rule at the same place (e.g. ten endpoints inheriting one template line) share a
 * line of the report. Findings with evidence or new since the baseline always stand alone.
 */
function bucketByLine(group: Finding[]): Finding[][] {
  const buckets = new Map<string, Finding[]>();
  const out: Finding[][] = [];
  for (const f of group) {
    if (!f.location || f.evidence?.length || f.baselineState === 'new') {
      out.push([f]);
      continue;
    }
    const key = `${formatSpan(f.location)}|${f.severity}`;
    const b = buckets.get(key);
    if (b) b.push(f);
    else {
      const nb = [f];
      buckets.set(key, nb);
      out.push(nb);
    }
  }
  return out;
}

/** `pjsip:endpoint/102, 103, 104` -> the distinguishing last part of each target, at most 12. */
function shortTargets(fs: Finding[]): string {
  const names = fs.map((f) => f.target.slice(f.target.lastIndexOf('/') + 1) || f.target);
  return names.length > 12 ? `${names.slice(0, 12).join(', ')}, ... (${names.length})` : names.join(', ');
}

function groupByRule(findings: Finding[]): Finding[][] {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const g = groups.get(f.ruleId) ?? [];
    g.push(f);
    groups.set(f.ruleId, g);
  }
  return [...groups.values()];
}

function firstSentences(rule: RuleMeta): string {
  return rule.docs.fix.replace(/`/g, '');
}

function wrap(text: string, width: number, indent: string): string[] {
  const words = text.split(/\s+/);
  const lines: string[] = [];
  let cur = indent;
  for (const w of words) {
    if (cur.length + w.length + 1 > width && cur.trim()) {
      lines.push(cur);
      cur = `${indent}  ${w}`;
    } else cur += cur.trim() ? ` ${w}` : w;
  }
  if (cur.trim()) lines.push(cur);
  return lines;
}
