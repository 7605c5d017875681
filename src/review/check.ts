import type { Finding } from '../core/finding.js';
import { formatMessage, type RuleMeta } from '../core/rule.js';
import type { Severity } from '../core/severity.js';
import type { TimeSyncStatus } from '../host/timesync.js';
import type { Policy } from '../policy/schema.js';
import type { AdvisoryTable, VersionSighting } from './versions.js';
import type { WatchSnapshot } from './watch.js';

/**
 * Review checks: what `hardline review` judges itself (time sync, versions and advisories,
 * firmware), beside the audit's rules and the probe's checks. One file per check in
 * src/review/checks/, listed in checks/index.ts; findings use the common Finding type.
 */
export interface ReviewCheckInput {
  policy: Policy;
  now: Date;
  /** Undefined when the host was not checked (--no-host). */
  timeSync?: TimeSyncStatus;
  /** Undefined when there is no watch data. */
  watch?: WatchSnapshot;
  versions: VersionSighting[];
  advisories: AdvisoryTable;
}

export interface ReviewReport {
  messageId: string;
  data: Record<string, string | number>;
  target: string;
  source: string;
  severity?: Severity;
  evidence?: string[];
}

export interface ReviewCheck extends RuleMeta {
  run(input: ReviewCheckInput, report: (r: ReviewReport) => void): void;
}

export function defineReviewCheck(c: Omit<ReviewCheck, 'pbx'>): ReviewCheck {
  return { ...c, pbx: 'any' };
}

/** Runs every check; findings are not yet waived (the caller applies the policy exceptions). */
export function runReviewChecks(checks: ReviewCheck[], input: ReviewCheckInput): Finding[] {
  const out: Finding[] = [];
  for (const c of checks)
    c.run(input, (r) => {
      const template = c.messages[r.messageId];
      if (!template) throw new Error(`review check ${c.id} has no message '${r.messageId}'`);
      out.push({
        ruleId: c.id,
        severity: r.severity ?? c.severity,
        step: c.step,
        title: c.title,
        message: formatMessage(template, r.data),
        target: r.target,
        source: r.source,
        ...(r.evidence?.length ? { evidence: r.evidence } : {}),
        waived: false,
      });
    });
  return out;
}
