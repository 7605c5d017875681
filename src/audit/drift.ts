import { readFileSync } from 'node:fs';
import { HardlineError } from '../core/errors.js';
import { type Finding, findingKey } from '../core/finding.js';
import { isSeverity, type Severity } from '../core/severity.js';
import type { Span } from '../core/span.js';
import { STEPS, type Step } from '../core/steps.js';

/**
 * Drift between this run and a previous JSON report: findings are matched by rule, source and
 * target (never by line, so moving a section does not turn a finding into "new" plus "fixed").
 * Several findings with the same key are paired one to one, identical messages first.
 */

/** A finding of the baseline report, as much as drift needs. */
export interface BaselineFinding {
  ruleId: string;
  source: string;
  target: string;
  severity: Severity;
  step: Step;
  title: string;
  message: string;
  location?: Span;
  waived: boolean;
}

export interface Baseline {
  /** As given on the command line. */
  file: string;
  generatedAt: string | null;
  findings: BaselineFinding[];
}

export interface DriftSummary {
  baseline: { file: string; generatedAt: string | null };
  new: number;
  fixed: number;
  unchanged: number;
  /** Findings of the baseline that are gone now. */
  fixedFindings: BaselineFinding[];
}

function fail(file: string, why: string): never {
  throw new HardlineError('HL_ERR_BASELINE', `${file} is not a hardline JSON report: ${why}`, [
    { file, message: why, hint: 'create one with: hardline audit PATH --format json --output previous.json' },
  ]);
}

/** Reads a JSON report written by `hardline audit --format json` (schemaVersion 1). */
export function loadBaseline(file: string): Baseline {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new HardlineError('HL_ERR_BASELINE', `cannot read baseline ${file}: ${(e as Error).message}`);
  }
  return parseBaseline(text, file);
}

export function parseBaseline(text: string, file: string): Baseline {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    fail(file, `invalid JSON (${(e as Error).message})`);
  }
  if (!doc || typeof doc !== 'object') fail(file, 'expected a JSON object');
  const d = doc as Record<string, unknown>;
  if (d['schemaVersion'] !== 1)
    fail(file, `schemaVersion ${JSON.stringify(d['schemaVersion'])} is not supported (expected 1)`);
  if (!Array.isArray(d['findings'])) fail(file, 'no findings array');
  const findings = (d['findings'] as unknown[]).map((x, i): BaselineFinding => {
    const f = (x ?? {}) as Record<string, unknown>;
    for (const k of ['ruleId', 'source', 'target'] as const)
      if (typeof f[k] !== 'string') fail(file, `findings[${i}].${k} is missing`);
    const loc = f['location'] as { file?: unknown; line?: unknown } | null | undefined;
    return {
      ruleId: f['ruleId'] as string,
      source: f['source'] as string,
      target: f['target'] as string,
      severity: typeof f['severity'] === 'string' && isSeverity(f['severity']) ? f['severity'] : 'info',
      step:
        typeof f['step'] === 'string' && (STEPS as readonly string[]).includes(f['step'])
          ? (f['step'] as Step)
          : 'exposure',
      title: typeof f['title'] === 'string' ? f['title'] : '',
      message: typeof f['message'] === 'string' ? f['message'] : '',
      ...(loc && typeof loc.file === 'string' && typeof loc.line === 'number'
        ? { location: { file: loc.file, line: loc.line } }
        : {}),
      waived: f['waived'] === true,
    };
  });
  return { file, generatedAt: typeof d['generatedAt'] === 'string' ? d['generatedAt'] : null, findings };
}

/** Marks each current finding new or unchanged and lists the baseline findings that are gone. */
export function compareWithBaseline(
  current: Finding[],
  baseline: Baseline,
): { findings: Finding[]; drift: DriftSummary } {
  const pending = new Map<string, BaselineFinding[]>();
  for (const b of baseline.findings) {
    const k = findingKey(b);
    pending.set(k, [...(pending.get(k) ?? []), b]);
  }
  const states = new Array<'new' | 'unchanged'>(current.length).fill('new');
  // Identical messages pair first, then whatever is left with the same key, in order.
  for (const exact of [true, false]) {
    current.forEach((f, i) => {
      if (states[i] === 'unchanged') return;
      const list = pending.get(findingKey(f));
      const j = list?.findIndex((b) => !exact || b.message === f.message) ?? -1;
      if (list && j >= 0) {
        list.splice(j, 1);
        states[i] = 'unchanged';
      }
    });
  }
  const fixedFindings = [...pending.values()].flat();
  const findings = current.map((f, i) => ({ ...f, baselineState: states[i]! }));
  const unchanged = states.filter((s) => s === 'unchanged').length;
  return {
    findings,
    drift: {
      baseline: { file: baseline.file, generatedAt: baseline.generatedAt },
      new: current.length - unchanged,
      fixed: fixedFindings.length,
      unchanged,
      fixedFindings,
    },
  };
}
