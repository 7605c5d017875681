import { readFileSync } from 'node:fs';
import { parseBaseline } from '../audit/drift.js';
import { HardlineError } from '../core/errors.js';
import type { Finding } from '../core/finding.js';
import { isSeverity } from '../core/severity.js';
import { STEPS, type Step } from '../core/steps.js';

/**
 * An audit or probe result as the review uses it: the findings, what ran, and the JSON report
 * text (schemaVersion 1) that an accepted review keeps. Read from a file (`--audit FILE`,
 * `--probe FILE`) or made from a run in this process.
 */
export interface LoadedReport {
  command: 'audit' | 'probe';
  /** Where it came from: a file as given, or "run now". */
  origin: string;
  generatedAt: string | null;
  findings: Finding[];
  rulesRun: string[];
  /** Targets/sources the run looked at (PBX names, probe targets). */
  sources: string[];
  blindSpots: string[];
  /** The JSON report (schemaVersion 1) as text. */
  json: string;
}

/** Reads a `hardline audit|probe --format json` report; `expect` guards against swapped files. */
export function readReport(file: string, expect: 'audit' | 'probe'): LoadedReport {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new HardlineError('HL_ERR_REVIEW_INPUT', `cannot read ${file}: ${(e as Error).message}`);
  }
  return parseReport(text, file, expect);
}

export function parseReport(text: string, file: string, expect: 'audit' | 'probe'): LoadedReport {
  let base: ReturnType<typeof parseBaseline>;
  try {
    base = parseBaseline(text, file);
  } catch (e) {
    throw new HardlineError('HL_ERR_REVIEW_INPUT', (e as Error).message, [
      { file, message: `expected the JSON report of hardline ${expect} --format json` },
    ]);
  }
  const doc = JSON.parse(text) as Record<string, unknown>;
  if (doc['command'] !== expect)
    throw new HardlineError(
      'HL_ERR_REVIEW_INPUT',
      `${file} is a ${String(doc['command'])} report, not a${expect === 'audit' ? 'n' : ''} ${expect} report`,
      [
        {
          file,
          message: `give it with --${doc['command']} instead, or write one with hardline ${expect} --format json`,
        },
      ],
    );
  const raw = (doc['findings'] as Record<string, unknown>[]) ?? [];
  const findings: Finding[] = base.findings.map((b, i) => {
    const r = raw[i] ?? {};
    const waiver = r['waiver'] as Finding['waiver'] | null | undefined;
    return {
      ruleId: b.ruleId,
      severity: isSeverity(String(r['severity'])) ? (r['severity'] as Finding['severity']) : b.severity,
      step: (STEPS as readonly string[]).includes(String(r['step'])) ? (r['step'] as Step) : b.step,
      title: b.title,
      message: b.message,
      target: b.target,
      source: b.source,
      ...(b.location ? { location: b.location } : {}),
      ...(Array.isArray(r['evidence']) && r['evidence'].length
        ? { evidence: (r['evidence'] as unknown[]).map(String) }
        : {}),
      waived: b.waived,
      ...(waiver ? { waiver } : {}),
    };
  });
  const sources = Array.isArray(doc['sources']) ? (doc['sources'] as Record<string, unknown>[]) : [];
  return {
    command: expect,
    origin: file,
    generatedAt: base.generatedAt,
    findings,
    rulesRun: Array.isArray(doc['rulesRun']) ? (doc['rulesRun'] as unknown[]).map(String) : [],
    sources: sources.map((s) => String(s['name'] ?? '')).filter(Boolean),
    blindSpots: sources.flatMap((s) =>
      Array.isArray(s['blindSpots'])
        ? (s['blindSpots'] as unknown[]).map((b) => `${String(s['name'])}: ${String(b)}`)
        : [],
    ),
    json: text,
  };
}
