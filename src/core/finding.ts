import type { Severity } from './severity.js';
import type { Span } from './span.js';
import type { Step } from './steps.js';

/** An exception (waiver) from the policy that matched a finding. */
export interface Waiver {
  reason: string;
  approver: string;
  expires: string;
  /** Where the exception is declared in the policy file. */
  declaredAt?: Span;
}

/**
 * One problem found by audit (configuration) or probe (network). The JSON report serialises this
 * shape as is; fields are only ever added, never renamed.
 */
export interface Finding {
  ruleId: string;
  severity: Severity;
  step: Step;
  title: string;
  message: string;
  /** Stable identity of the thing the finding is about, e.g. `pjsip:auth/6001`. Used by
   * exceptions and by drift; never contains a secret. */
  target: string;
  /** Which PBX (policy name) or probe target this came from. */
  source: string;
  location?: Span;
  /** Other places that take part (e.g. every account sharing a secret). */
  related?: Span[];
  /** Ordered evidence lines (a chain of contexts, a request and its answer). */
  evidence?: string[];
  waived: boolean;
  waiver?: Waiver;
  /** Set when the run is compared with a baseline report (`audit --baseline`). */
  baselineState?: 'new' | 'unchanged';
}

export function findingKey(f: Pick<Finding, 'ruleId' | 'source' | 'target'>): string {
  return `${f.ruleId}|${f.source}|${f.target}`;
}
