import { existsSync } from 'node:fs';
import path from 'node:path';
import { HardlineError } from '../core/errors.js';
import { DRIFT_RULES } from '../enforce/drift.js';
import {
  addException,
  type ExceptionEntry,
  expireException,
  listExceptions,
  parseExpiry,
  readPolicyText,
  removeException,
  writePolicyText,
} from '../policy/edit.js';
import { POLICY_FILENAME } from '../policy/loader.js';
import type { Exception } from '../policy/schema.js';
import { loadChecks } from '../probe/index.js';
import { REVIEW_CHECKS } from '../review/checks/index.js';
import { loadRules } from '../rules/index.js';

export interface ExceptionCliOptions {
  policy?: string;
  rule?: string;
  target?: string;
  source?: string;
  reason?: string;
  approver?: string;
  expires?: string;
  replace?: boolean;
  force?: boolean;
  dryRun?: boolean;
  now?: string;
  format?: 'text' | 'json';
}

/** Break-glass exceptions last days, not years. */
const MAX_DAYS = 366;

function policyFile(o: ExceptionCliOptions): string {
  const file = path.resolve(o.policy ?? POLICY_FILENAME);
  if (!existsSync(file))
    throw new HardlineError(
      'HL_ERR_POLICY_NOT_FOUND',
      `${o.policy ?? POLICY_FILENAME} not found: exceptions live in the site policy (--policy FILE)`,
    );
  return file;
}

function display(file: string): string {
  return path.relative(process.cwd(), file) || file;
}

/** Every id a finding can carry: audit rules, probe checks, review checks, firewall drift. */
async function knownIds(): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const r of await loadRules()) ids.add(r.id);
  for (const c of await loadChecks()) ids.add(c.id);
  for (const r of REVIEW_CHECKS) ids.add(r.id);
  for (const r of DRIFT_RULES) ids.add(r.id);
  return ids;
}

function when(ms: number): string {
  const abs = Math.abs(ms);
  const text =
    abs >= 2 * 86_400_000
      ? `${Math.round(abs / 86_400_000)} days`
      : abs >= 2 * 3_600_000
        ? `${Math.round(abs / 3_600_000)} hours`
        : `${Math.max(1, Math.round(abs / 60_000))} minutes`;
  return ms > 0 ? `in ${text}` : `${text} ago`;
}

export function formatEntries(list: ExceptionEntry[], file: string): string {
  if (list.length === 0) return `${file}: no exceptions\n`;
  const out = [`${file}: ${list.length} exception${list.length === 1 ? '' : 's'}`, ''];
  for (const e of list) {
    const x = e.exception;
    const state =
      e.state === 'expired'
        ? `EXPIRED ${when(e.remainingMs)}`
        : e.state === 'expiring'
          ? `expires ${when(e.remainingMs)}`
          : `until ${x.expires.slice(0, 10)}`;
    out.push(
      `${e.id}  #${e.index}  ${x.rule}  ${x.target}${x.source ? `  (source ${x.source})` : ''}`,
      `        ${state}; approved by ${x.approver}; ${file}:${e.line}`,
      `        ${x.reason}`,
    );
  }
  return `${out.join('\n')}\n`;
}

/** `hardline exception add|list|expire|remove`: returns the exit code. */
export async function exceptionCommand(
  action: string,
  ref: string | undefined,
  o: ExceptionCliOptions,
  out: (s: string) => void = (s) => process.stdout.write(s),
): Promise<number> {
  const now = o.now ? new Date(o.now) : new Date();
  if (Number.isNaN(now.getTime())) throw new HardlineError('HL_ERR_USAGE', `--now ${o.now} is not a date`);
  const file = policyFile(o);
  const shown = display(file);
  // Files with CRLF line ends are edited as LF and written back with CRLF, line ends kept.
  const raw = readPolicyText(file);
  const crlf = raw.includes('\r\n');
  const text = crlf ? raw.replace(/\r\n/g, '\n') : raw;
  const save = (t: string) => writePolicyText(file, crlf ? t.replace(/\n/g, '\r\n') : t);
  switch (action) {
    case 'list': {
      const list = listExceptions(text, file, now);
      if (o.format === 'json')
        out(
          `${JSON.stringify(
            list.map((e) => ({ id: e.id, index: e.index, state: e.state, line: e.line, ...e.exception })),
            null,
            2,
          )}\n`,
        );
      else out(formatEntries(list, shown));
      return 0;
    }
    case 'add': {
      if (ref)
        throw new HardlineError('HL_ERR_USAGE', 'exception add takes no argument; use --rule and --target');
      const missing = (['rule', 'target', 'reason', 'approver', 'expires'] as const).filter(
        (k) => !o[k]?.trim(),
      );
      if (missing.length)
        throw new HardlineError(
          'HL_ERR_USAGE',
          `refused: an exception needs ${missing.map((k) => `--${k}`).join(', ')}`,
          [
            {
              message:
                'break-glass exceptions are decisions someone owns (--approver) for a limited time (--expires 4h, 2d or a date)',
              hint: 'hardline exception add --rule AST-SRTP-001 --target pjsip:endpoint/110 --reason "fax ATA" --approver "M. Jones" --expires 2d',
            },
          ],
        );
      const rule = o.rule!.trim().toUpperCase();
      const known = await knownIds();
      if (!known.has(rule) && !o.force)
        throw new HardlineError('HL_ERR_USAGE', `refused: ${rule} is not a rule or check id hardline knows`, [
          { message: 'hardline rules lists them; --force adds it anyway (e.g. for a newer hardline)' },
        ]);
      const target = o.target!.trim();
      if (/^\*+$/.test(target) && !o.force)
        throw new HardlineError(
          'HL_ERR_USAGE',
          `refused: target '${target}' would waive every ${rule} finding`,
          [{ message: 'name the finding target shown in the report (JSON "target"), or use --force' }],
        );
      const expires = parseExpiry(o.expires!, now);
      const ms = new Date(expires).getTime() - now.getTime();
      if (ms <= 0) throw new HardlineError('HL_ERR_USAGE', `refused: --expires ${o.expires} is in the past`);
      if (ms > MAX_DAYS * 86_400_000 && !o.force)
        throw new HardlineError(
          'HL_ERR_USAGE',
          `refused: --expires ${o.expires} is more than ${MAX_DAYS} days away; a break-glass exception is temporary`,
          [{ message: 'fix the finding, or use --force for a documented long-term exception' }],
        );
      const e: Exception = {
        rule,
        target,
        ...(o.source?.trim() ? { source: o.source.trim() } : {}),
        reason: o.reason!.trim(),
        approver: o.approver!.trim(),
        expires,
      };
      const next = addException(text, file, e, { now, ...(o.replace ? { replace: true } : {}) });
      const entry = listExceptions(next, file, now).find(
        (x) =>
          x.exception.rule === e.rule && x.exception.target === e.target && x.exception.source === e.source,
      )!;
      if (!o.dryRun) save(next);
      out(
        `${o.dryRun ? 'would add' : 'added'} exception ${entry.id} (#${entry.index}) to ${shown}:${entry.line}: ${rule} on ${target}, approved by ${e.approver}, expires ${expires}\n`,
      );
      return 0;
    }
    case 'expire':
    case 'remove': {
      if (!ref)
        throw new HardlineError(
          'HL_ERR_USAGE',
          `exception ${action} needs an ID (or #N) from hardline exception list`,
        );
      const r =
        action === 'expire' ? expireException(text, file, ref, now) : removeException(text, file, ref, now);
      if (!o.dryRun) save(r.text);
      const x = r.entry.exception;
      out(
        action === 'expire'
          ? `${o.dryRun ? 'would expire' : 'expired'} exception ${r.entry.id} (#${r.entry.index}): ${x.rule} on ${x.target} now ends at ${now.toISOString().replace(/\.\d{3}Z$/, 'Z')}; the finding is reported again, and HL-POL-001 reports the exception until it is removed (hardline exception remove ${r.entry.id})\n`
          : `${o.dryRun ? 'would remove' : 'removed'} exception ${r.entry.id} (#${r.entry.index}): ${x.rule} on ${x.target}\n`,
      );
      return 0;
    }
    default:
      throw new HardlineError('HL_ERR_USAGE', `unknown action ${action}: use add, list, expire or remove`);
  }
}
