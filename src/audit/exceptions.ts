import type { Finding } from '../core/finding.js';
import type { LoadedPolicy } from '../policy/loader.js';
import type { Exception } from '../policy/schema.js';

export interface ExceptionUsage {
  exception: Exception;
  line: number;
  /** How many findings it matched (waived or, if expired, left active). */
  matched: number;
}

/** `*` matches any run of characters; everything else is literal. */
export function targetMatches(pattern: string, target: string): boolean {
  if (!pattern.includes('*')) return pattern === target;
  const re = new RegExp(`^${pattern.split('*').map(escapeRe).join('.*')}$`);
  return re.test(target);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Marks findings covered by an unexpired exception as waived. Expired exceptions waive nothing;
 * the HL-POL rules report them.
 */
export function applyExceptions(
  findings: Finding[],
  loaded: LoadedPolicy,
  now: Date,
  policyFile: string | undefined,
): { findings: Finding[]; usage: ExceptionUsage[] } {
  const usage: ExceptionUsage[] = loaded.policy.exceptions.map((exception, i) => ({
    exception,
    line: loaded.exceptionLines[i] ?? 0,
    matched: 0,
  }));
  const out = findings.map((f) => {
    let waived: Finding | undefined;
    for (const u of usage) {
      const e = u.exception;
      if (e.rule !== f.ruleId || !targetMatches(e.target, f.target)) continue;
      if (e.source && e.source !== f.source) continue;
      u.matched++;
      if (!waived && new Date(e.expires).getTime() > now.getTime()) {
        waived = {
          ...f,
          waived: true,
          waiver: {
            reason: e.reason,
            approver: e.approver,
            expires: e.expires,
            ...(policyFile ? { declaredAt: { file: policyFile, line: u.line } } : {}),
          },
        };
      }
    }
    return waived ?? f;
  });
  return { findings: out, usage };
}
