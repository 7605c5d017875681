import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { type AuditResult, runAudit } from '../src/audit/engine.js';
import { resolveTarget } from '../src/cli/target.js';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const FIXTURES = path.join(ROOT, 'test', 'fixtures');
export const EXAMPLE = path.join(ROOT, 'examples', 'smb-asterisk');
/** A fixed clock so exception expiry is deterministic. */
export const NOW = new Date('2026-11-24T12:00:00Z');

/** Audits a folder the way the CLI does (policy found beside or inside it). */
export async function audit(dir: string, only?: string[], now: Date = NOW): Promise<AuditResult> {
  const t = resolveTarget(dir, undefined);
  return runAudit({
    sources: t.sources,
    policy: t.policy,
    reportRoot: t.reportRoot,
    now,
    ...(only ? { only } : {}),
  });
}

export function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out.sort();
}

/**
 * Inline expectations: `; expect: AST-AMI-001` (or `# expect:` in YAML and Kamailio cfg,
 * `<!-- expect: ... -->` in FreeSWITCH XML, `// expect:`) on the line where the
 * finding must point. `ID*3` expects three findings on that line. Returns `file:line` keys
 * relative to `dir`, one per expected finding.
 */
export function expectations(dir: string, ruleId?: string): string[] {
  const out: string[] = [];
  for (const file of listFiles(dir)) {
    const rel = path.relative(dir, file).split(path.sep).join('/');
    readFileSync(file, 'utf8')
      .split(/\r?\n/)
      .forEach((line, i) => {
        const m = /(?:[;#]|<!--|\/\/)\s*expect:\s*([A-Z0-9*,\s-]+)/.exec(line);
        if (!m) return;
        for (const item of m[1]!
          .replace(/-+\s*$/, '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)) {
          const [id, times = '1'] = item.split('*');
          if (ruleId && id !== ruleId) continue;
          for (let k = 0; k < Number(times); k++) out.push(`${rel}:${i + 1}`);
        }
      });
  }
  return out.sort();
}

export function findingKeys(r: AuditResult, ruleId: string): string[] {
  return r.findings
    .filter((f) => f.ruleId === ruleId && !f.waived)
    .map((f) => `${f.location?.file}:${f.location?.line}`)
    .sort();
}
