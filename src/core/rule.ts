import type { Diagnostic } from './diagnostic.js';
import type { Severity } from './severity.js';
import type { Span } from './span.js';
import type { Step } from './steps.js';

export type PbxKind = 'asterisk' | 'freeswitch' | 'kamailio';

/** Policy sections a rule reads. Used to say which checks ran on defaults or needed a policy. */
export type PolicyPath =
  | 'credentials'
  | 'security.sip_tls'
  | 'security.srtp'
  | 'security.min_tls'
  | 'rtp'
  | 'trunks'
  | 'networks'
  | 'endpoints'
  | 'probe';

export interface RuleDocs {
  /** Why it matters: the attack it enables. */
  why: string;
  /** How to fix it, with the PBX's own option names. */
  fix: string;
  /** References (URLs or document names). */
  refs: string[];
}

export interface RuleMeta {
  /** Stable, never reused: `<PBX>-<AREA>-<NNN>`. */
  id: string;
  title: string;
  /** Default severity; a report may raise or lower it for one finding (documented in messages). */
  severity: Severity;
  step: Step;
  pbx: PbxKind | 'any';
  docs: RuleDocs;
  /** Message templates addressed by id; `{name}` placeholders are filled from report data. */
  messages: Record<string, string>;
  /**
   * Policy values the rule reads. With `without: 'skip'` the rule does not run unless the policy
   * sets at least one of them; with `'defaults'` it runs on hardline's defaults and the report
   * says so.
   */
  policy?: { uses: PolicyPath[]; without: 'defaults' | 'skip' };
}

/** One evidence line; with `at`, the report prints the place (relative to the report) first. */
export interface EvidenceLine {
  text: string;
  at?: Span;
}

export interface ReportInput {
  messageId: string;
  data?: Record<string, string | number>;
  at?: Span;
  target: string;
  severity?: Severity;
  related?: Span[];
  evidence?: (string | EvidenceLine)[];
}

export interface RuleContext<P = unknown> {
  /** The policy with defaults applied. */
  policy: P;
  /** True when the policy file explicitly set this path. */
  policySets(path: PolicyPath): boolean;
  report(r: ReportInput): void;
}

export interface Rule<M, P = unknown> extends RuleMeta {
  check(model: M, ctx: RuleContext<P>): void;
}

/** Raised findings before policy exceptions are applied. */
export interface RawFinding extends ReportInput {
  rule: RuleMeta;
  message: string;
}

export interface ModelBase {
  kind: PbxKind;
  /** Absolute path of the configuration folder. */
  root: string;
  diagnostics: Diagnostic[];
}

/** Fills `{name}` placeholders; a missing value is a programming error in the rule. */
export function formatMessage(template: string, data: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => {
    const v = data[key];
    if (v === undefined) throw new Error(`message placeholder {${key}} has no value`);
    return String(v);
  });
}
