import { createHash } from 'node:crypto';
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  type Node,
  type Pair,
  parseDocument,
  Scalar,
  type YAMLMap,
} from 'yaml';
import { HardlineError } from '../core/errors.js';
import { parsePolicy } from './loader.js';
import { DURATION_UNITS, type Exception } from './schema.js';

/**
 * Break-glass exceptions edited in place: the policy file is changed by splicing text at the
 * positions the YAML parser reports, so every comment, blank line, quote style and key order
 * outside the edited entry stays byte for byte. Every edit is re-parsed and checked against the
 * schema (and against the intended result) before the file is replaced atomically.
 */

/** One exception as `hardline exception list` shows it. */
export interface ExceptionEntry {
  /** 1-based position in the policy's exceptions list (`#3`). */
  index: number;
  /** Stable short id: the first 6 hex digits of sha256(rule, source, target). */
  id: string;
  exception: Exception;
  line: number;
  state: 'active' | 'expiring' | 'expired';
  /** Milliseconds until expiry (negative when expired). */
  remainingMs: number;
}

/** Within this time an exception counts as expiring (the review lists it). */
export const EXPIRING_MS = 7 * 86_400_000;

export function exceptionId(e: Pick<Exception, 'rule' | 'target' | 'source'>): string {
  return createHash('sha256')
    .update(`${e.rule}\n${e.source ?? ''}\n${e.target}`)
    .digest('hex')
    .slice(0, 6);
}

export function listExceptions(text: string, file: string, now: Date): ExceptionEntry[] {
  const loaded = parsePolicy(text, file);
  return loaded.policy.exceptions.map((exception, i) => {
    const remainingMs = new Date(exception.expires).getTime() - now.getTime();
    return {
      index: i + 1,
      id: exceptionId(exception),
      exception,
      line: loaded.exceptionLines[i] ?? 0,
      state: remainingMs <= 0 ? 'expired' : remainingMs <= EXPIRING_MS ? 'expiring' : 'active',
      remainingMs,
    };
  });
}

/**
 * Parses `--expires`: a duration from now (`90m`, `4h`, `2d`, `1w`) or a date/time
 * (`2026-12-31` = the end of that day UTC, or an ISO time). Returns an ISO timestamp.
 */
export function parseExpiry(text: string, now: Date): string {
  const t = text.trim();
  const m = /^(\d+)\s*(m|h|d|w)$/.exec(t);
  if (m) {
    const sec = Number(m[1]) * DURATION_UNITS[m[2] as keyof typeof DURATION_UNITS];
    if (sec <= 0) throw usage(`--expires ${text}: the duration must be positive`);
    return isoSeconds(new Date(now.getTime() + sec * 1000));
  }
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(t) ? `${t}T23:59:59Z` : t);
  if (!/^\d{4}-\d{2}-\d{2}/.test(t) || Number.isNaN(d.getTime()))
    throw usage(`--expires ${text}: expected a duration such as 4h or 2d, or a date such as 2026-12-31`);
  return isoSeconds(d);
}

function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function usage(message: string, hint?: string): HardlineError {
  return new HardlineError('HL_ERR_USAGE', message, hint ? [{ message: hint }] : []);
}

interface Located {
  text: string;
  doc: ReturnType<typeof parseDocument>;
  pair?: Pair<Scalar, Node | null>;
}

function locate(text: string, file: string): Located {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length)
    throw new HardlineError(
      'HL_ERR_POLICY_SYNTAX',
      `${file} is not valid YAML; fix it before editing exceptions`,
    );
  if (!isMap(doc.contents))
    throw new HardlineError('HL_ERR_POLICY_SCHEMA', `${file}: the policy is not a YAML mapping`);
  const pair = (doc.contents as YAMLMap).items.find(
    (it) => isPair(it) && isScalar(it.key) && it.key.value === 'exceptions',
  ) as Pair<Scalar, Node | null> | undefined;
  return { text, doc, ...(pair ? { pair } : {}) };
}

function lineStart(text: string, pos: number): number {
  return text.lastIndexOf('\n', pos - 1) + 1;
}

function lineEnd(text: string, pos: number): number {
  const i = text.indexOf('\n', pos);
  return i < 0 ? text.length : i + 1;
}

/** A YAML scalar as it would be written (plain when safe, quoted otherwise). */
function scalarText(v: string): string {
  const s = new Scalar(v);
  const doc = parseDocument('x: 1');
  doc.set('x', s);
  return doc.toString({ lineWidth: 0 }).replace(/^x: /, '').replace(/\n$/, '');
}

const FIELDS = ['rule', 'target', 'source', 'reason', 'approver', 'expires'] as const;

/** The lines of one block-sequence item, indented with `indent` before the dash. */
function itemLines(e: Exception, indent: string, comment?: string): string {
  const out: string[] = [];
  if (comment) out.push(`${indent}# ${comment}`);
  let first = true;
  for (const k of FIELDS) {
    const v = e[k];
    if (v === undefined) continue;
    out.push(`${indent}${first ? '- ' : '  '}${k}: ${scalarText(String(v))}`);
    first = false;
  }
  return `${out.join('\n')}\n`;
}

/** Re-parses the edited text and checks it holds exactly the intended exceptions. */
function verified(text: string, file: string, want: Exception[]): string {
  const got = parsePolicy(text, file).policy.exceptions;
  const norm = (list: Exception[]) =>
    JSON.stringify(list.map((e) => ({ ...e, expires: new Date(e.expires).toISOString() })));
  if (norm(got) !== norm(want))
    throw new HardlineError(
      'HL_ERR_INTERNAL',
      `editing the exceptions of ${file} would not give the intended result; the file was not changed`,
    );
  return text;
}

export interface AddOptions {
  /** Replace an existing exception with the same rule, source and target. */
  replace?: boolean;
  now: Date;
}

/** Appends an exception (or replaces the one with the same id); returns the new text. */
export function addException(text: string, file: string, e: Exception, o: AddOptions): string {
  if (!e.approver?.trim())
    throw usage('an exception needs an approver (--approver NAME): break-glass is a decision someone owns');
  if (!e.expires) throw usage('an exception needs an expiry (--expires 4h, 2d or a date): break-glass ends');
  const before = parsePolicy(text, file).policy.exceptions;
  const id = exceptionId(e);
  const same = before.map((x, i) => ({ x, i })).filter(({ x }) => exceptionId(x) === id);
  if (same.length && !o.replace)
    throw usage(
      `an exception for ${e.rule} on ${e.target}${e.source ? ` (${e.source})` : ''} already exists (${id}, #${same[0]!.i + 1})`,
      'renew it with --replace, or end it first with hardline exception expire',
    );
  const comment = `break-glass: added with hardline exception add on ${isoSeconds(o.now).replace('T', ' ').replace('Z', ' UTC')}`;
  if (same.length) {
    const { text: t } = removeAt(text, file, same[0]!.i);
    const want = before.filter((_, i) => i !== same[0]!.i);
    return addException(verified(t, file, want), file, e, { now: o.now });
  }
  const want = [...before, e];
  const loc = locate(text, file);
  const value = loc.pair?.value;
  if (!loc.pair) {
    const sep = text.length === 0 || text.endsWith('\n') ? '' : '\n';
    return verified(`${text}${sep}\nexceptions:\n${itemLines(e, '  ', comment)}`, file, want);
  }
  if (isSeq(value) && !value.flow && value.items.length > 0) {
    const first = value.items[0] as Node;
    const last = value.items[value.items.length - 1] as Node;
    const ls = lineStart(text, first.range![0]);
    const dash = text.indexOf('-', ls);
    const indent = text.slice(ls, dash);
    const at = lineEnd(text, last.range![1] > 0 ? last.range![1] - 1 : last.range![0]);
    const sep = at === text.length && !text.endsWith('\n') ? '\n' : '';
    return verified(
      `${text.slice(0, at)}${sep}${itemLines(e, indent, comment)}${text.slice(at)}`,
      file,
      want,
    );
  }
  // `exceptions:` with no value, `exceptions: []`, or a flow list: rewrite the value as a block list.
  const keyLineStart = lineStart(text, loc.pair.key.range![0]);
  const keyIndent = text.slice(keyLineStart, loc.pair.key.range![0]);
  const indent = `${keyIndent}  `;
  const items = [...before.map((x) => itemLines(x, indent)), itemLines(e, indent, comment)].join('');
  const keyEnd = text.indexOf(':', loc.pair.key.range![1]) + 1;
  const valueEnd = value?.range ? value.range[1] : keyEnd;
  const rest = text.slice(valueEnd);
  const restLine = rest.indexOf('\n') < 0 ? rest : rest.slice(0, rest.indexOf('\n'));
  const trailing = restLine.trim().startsWith('#') ? ` ${restLine.trim()}` : '';
  const after = rest.indexOf('\n') < 0 ? '' : rest.slice(rest.indexOf('\n') + 1);
  return verified(`${text.slice(0, keyEnd)}${trailing}\n${items}${after}`, file, want);
}

/** Resolves `ID` (short id), `#N` or `N` to a 0-based position. */
export function findException(text: string, file: string, ref: string, now: Date): ExceptionEntry {
  const list = listExceptions(text, file, now);
  const n = /^#?(\d{1,4})$/.exec(ref.trim());
  if (n && !/^[0-9a-f]{6}$/.test(ref.trim())) {
    const e = list[Number(n[1]) - 1];
    if (!e) throw usage(`there is no exception #${n[1]} (the policy has ${list.length})`);
    return e;
  }
  const matches = list.filter((e) => e.id === ref.trim().toLowerCase());
  if (matches.length === 0)
    throw usage(
      `no exception with id ${ref}`,
      `hardline exception list shows the ids${list.length ? ` (${list.map((e) => e.id).join(', ')})` : ''}`,
    );
  if (matches.length > 1)
    throw usage(
      `id ${ref} names ${matches.length} exceptions (${matches.map((m) => `#${m.index}`).join(', ')})`,
      'name one by its position, e.g. #2',
    );
  return matches[0]!;
}

function seqItem(text: string, file: string, index: number): { loc: Located; item: Node } {
  const loc = locate(text, file);
  const value = loc.pair?.value;
  if (!isSeq(value) || !value.items[index])
    throw new HardlineError('HL_ERR_INTERNAL', `${file}: exception #${index + 1} not found in the YAML`);
  return { loc, item: value.items[index] as Node };
}

/** Sets the exception's expiry to `now` (it stays in the file, and is reported until removed). */
export function expireException(
  text: string,
  file: string,
  ref: string,
  now: Date,
): { text: string; entry: ExceptionEntry } {
  const entry = findException(text, file, ref, now);
  if (entry.state === 'expired') throw usage(`exception ${entry.id} (#${entry.index}) has already expired`);
  const { item } = seqItem(text, file, entry.index - 1);
  if (!isMap(item))
    throw new HardlineError('HL_ERR_INTERNAL', `${file}: exception #${entry.index} is not a map`);
  const pair = item.items.find((p) => isScalar(p.key) && p.key.value === 'expires');
  const v = pair?.value as Node | undefined;
  if (!v?.range)
    throw new HardlineError('HL_ERR_INTERNAL', `${file}: exception #${entry.index} has no expires`);
  const stamp = isoSeconds(now);
  const want = parsePolicy(text, file).policy.exceptions.map((x, i) =>
    i === entry.index - 1 ? { ...x, expires: new Date(stamp).toISOString() } : x,
  );
  const out = `${text.slice(0, v.range[0])}${stamp}${text.slice(v.range[1])}`;
  return { text: verified(out, file, want), entry };
}

function removeAt(text: string, file: string, index: number): { text: string } {
  const { loc, item } = seqItem(text, file, index);
  const seq = loc.pair!.value as Node & { items: unknown[]; flow?: boolean };
  if (seq.flow || seq.items.length === 1) {
    // Last one (or a flow list): leave an empty list behind.
    const items = (seq.items as Node[]).filter((_, i) => i !== index);
    const keyEnd = text.indexOf(':', loc.pair!.key.range![1]) + 1;
    const rest = items.length
      ? ` [${items.map((n) => text.slice(n.range![0], n.range![1]).trim()).join(', ')}]`
      : ' []';
    const end = seq.flow ? seq.range![1] : lineEnd(text, (item.range![1] || item.range![0]) - 1);
    const tail = text.slice(end);
    return { text: `${text.slice(0, keyEnd)}${rest}${seq.flow ? '' : '\n'}${tail}` };
  }
  let start = lineStart(text, item.range![0]);
  const end = lineEnd(text, Math.max(item.range![0], item.range![1] - 1));
  // The marker comment `hardline exception add` wrote above the entry goes with it.
  const prev = lineStart(text, start - 1);
  if (start > 0 && /^\s*# break-glass: added with hardline exception add/.test(text.slice(prev, start)))
    start = prev;
  return { text: text.slice(0, start) + text.slice(end) };
}

/** Deletes the exception from the file. */
export function removeException(
  text: string,
  file: string,
  ref: string,
  now: Date,
): { text: string; entry: ExceptionEntry } {
  const entry = findException(text, file, ref, now);
  const want = parsePolicy(text, file).policy.exceptions.filter((_, i) => i !== entry.index - 1);
  return { text: verified(removeAt(text, file, entry.index - 1).text, file, want), entry };
}

/** Reads the policy file for editing. */
export function readPolicyText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new HardlineError('HL_ERR_POLICY_NOT_FOUND', `cannot read policy ${file}: ${(e as Error).message}`);
  }
}

/** Replaces the file atomically (same folder, same mode). */
export function writePolicyText(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    const mode = statSync(file).mode & 0o777;
    writeFileSync(tmp, text, { mode });
    renameSync(tmp, file);
  } catch (e) {
    throw new HardlineError('HL_ERR_OUTPUT', `cannot write ${file}: ${(e as Error).message}`);
  }
}
