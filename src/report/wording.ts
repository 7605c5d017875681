import type { ReportData } from './model.js';

/**
 * How a report speaks about what a command looked at. Audit reads configuration files, probe
 * talks to network targets, firewall --check compares a live ruleset: each says so in its own
 * words (text and HTML); the JSON shape is the same for all.
 */
export interface Wording {
  /** One line per source under the report's title. */
  source(s: ReportData['sources'][number]): string;
  /** Heading of the notes gathered per source (blindSpots). */
  notesHeading: string;
  /** Prefix of one note in HTML, naming the source. */
  notePrefix(sourceName: string): string;
  /** "rules", "checks": what rulesRun counts. */
  ruleNoun: string;
  /** "source", "target": what sources count (singular). */
  sourceNoun: string;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

const AUDIT: Wording = {
  source: (s) => `${s.kind} ${s.name}: ${s.path} (${plural(s.files.length, 'file')} read)`,
  notesHeading: "Outside this audit's sight",
  notePrefix: (n) => `Outside this audit's sight (${n})`,
  ruleNoun: 'rule',
  sourceNoun: 'source',
};

const PROBE: Wording = {
  source: (s) => `target ${s.name} (${s.kind})`,
  notesHeading: 'Probe notes (checks that could not run fully, and what they saw)',
  notePrefix: (n) => `Probe note (${n})`,
  ruleNoun: 'check',
  sourceNoun: 'target',
};

const FIREWALL: Wording = {
  source: (s) => `live ruleset: ${s.kind} ${s.path}`,
  notesHeading: 'Notes on the ruleset',
  notePrefix: (n) => `Note (${n})`,
  ruleNoun: 'check',
  sourceNoun: 'ruleset',
};

/** For commands without their own wording: never claims files were read when none were. */
const GENERIC: Wording = {
  source: (s) =>
    `${s.kind} ${s.name}: ${s.path}${s.files.length ? ` (${plural(s.files.length, 'file')} read)` : ''}`,
  notesHeading: 'Notes',
  notePrefix: (n) => `Note (${n})`,
  ruleNoun: 'rule',
  sourceNoun: 'source',
};

const BY_COMMAND: Record<string, Wording> = { audit: AUDIT, probe: PROBE, firewall: FIREWALL };

export function wordingFor(command: string): Wording {
  return BY_COMMAND[command] ?? GENERIC;
}

export function countOf(n: number, noun: string): string {
  return plural(n, noun);
}
