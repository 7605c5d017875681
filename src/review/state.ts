import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Baseline, parseBaseline } from '../audit/drift.js';
import { HardlineError } from '../core/errors.js';
import { parseWatchSnapshot, type WatchSnapshot } from './watch.js';

/**
 * The review state folder (default `hardline-reviews/` beside hardline.yaml): one sub-folder per
 * accepted review, named by its UTC time (2026-11-24T120000Z), holding what was reviewed:
 *
 *   accepted.json   who accepted it, when, with which note, and the sha256 of every file
 *   audit.json      the audit report (hardline audit --format json)
 *   probe.json      the probe report, when the review had one
 *   watch.json      the watch snapshot, when the review had one
 *   checks.json     the review's own findings (time sync, versions, firmware) as a JSON report
 *   review.json     the review itself (hardline review --format json)
 *   review.md       the same, in Markdown, for people
 *
 * The newest accepted review is the baseline of the next one. Folders are written to a temporary
 * name and renamed, so a half-written acceptance is never read.
 */

export const DEFAULT_STATE_DIR = 'hardline-reviews';

export interface Acceptance {
  schemaVersion: 1;
  kind: 'hardline-review-acceptance';
  id: string;
  acceptedAt: string;
  by: string;
  note: string | null;
  site: string | null;
  policy: { file: string | null; sha256: string | null };
  reports: Record<string, { file: string; sha256: string; generatedAt: string | null; findings?: number }>;
}

export interface AcceptedReview {
  id: string;
  dir: string;
  acceptance: Acceptance;
  audit?: Baseline;
  probe?: Baseline;
  checks?: Baseline;
  /** The targets the accepted probe looked at (its report's sources). */
  probeTargets?: string[];
  watch?: WatchSnapshot;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new HardlineError('HL_ERR_REVIEW_STATE', `cannot read ${file}: ${(e as Error).message}`);
  }
}

/** The newest accepted review in the state folder, or undefined when there is none yet. */
export function latestAccepted(stateDir: string): AcceptedReview | undefined {
  if (!existsSync(stateDir)) return undefined;
  const ids = readdirSync(stateDir, { withFileTypes: true })
    .filter(
      (d) =>
        d.isDirectory() &&
        !d.name.startsWith('.') &&
        existsSync(path.join(stateDir, d.name, 'accepted.json')),
    )
    .map((d) => d.name);
  const all = ids.map((id) => ({ id, a: readJson(path.join(stateDir, id, 'accepted.json')) as Acceptance }));
  const valid = all.filter(({ a }) => a?.kind === 'hardline-review-acceptance' && a.schemaVersion === 1);
  if (valid.length === 0) return undefined;
  valid.sort((x, y) => x.a.acceptedAt.localeCompare(y.a.acceptedAt) || x.id.localeCompare(y.id));
  const { id, a } = valid[valid.length - 1]!;
  const dir = path.join(stateDir, id);
  const out: AcceptedReview = { id, dir, acceptance: a };
  for (const kind of ['audit', 'probe', 'checks'] as const) {
    const ref = a.reports[kind];
    if (!ref) continue;
    const file = path.join(dir, ref.file);
    const text = readFileSync(file, 'utf8');
    if (sha256(text) !== ref.sha256)
      throw new HardlineError(
        'HL_ERR_REVIEW_STATE',
        `${file} was changed after the review was accepted (sha256 differs)`,
        [{ file, message: 'restore it from your backup or version control, or accept a new review' }],
      );
    out[kind] = parseBaseline(text, file);
    if (kind === 'probe') {
      const sources = (JSON.parse(text) as { sources?: { name?: unknown }[] }).sources ?? [];
      out.probeTargets = sources.map((x) => String(x.name ?? '')).filter(Boolean);
    }
  }
  const w = a.reports['watch'];
  if (w) out.watch = parseWatchSnapshot(readFileSync(path.join(dir, w.file), 'utf8'), path.join(dir, w.file));
  return out;
}

export interface AcceptInput {
  stateDir: string;
  by: string;
  note?: string;
  now: Date;
  site?: string;
  policy?: { file: string; text: string };
  /** File name -> content, e.g. audit.json, probe.json, watch.json, checks.json, review.json. */
  files: Record<string, string>;
  /** Report kinds and their generation time / finding counts, for accepted.json. */
  reports: Record<string, { file: string; generatedAt: string | null; findings?: number }>;
}

/** Records the reviewed state as the next baseline; returns the new folder. */
export function acceptReview(i: AcceptInput): { id: string; dir: string; acceptance: Acceptance } {
  if (!i.by.trim())
    throw new HardlineError(
      'HL_ERR_USAGE',
      'hardline review --accept needs --by NAME: who reviewed and accepted it',
    );
  mkdirSync(i.stateDir, { recursive: true });
  const stamp = i.now
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/:/g, '');
  let id = stamp;
  for (let n = 2; existsSync(path.join(i.stateDir, id)); n++) id = `${stamp}-${n}`;
  const acceptance: Acceptance = {
    schemaVersion: 1,
    kind: 'hardline-review-acceptance',
    id,
    acceptedAt: i.now.toISOString(),
    by: i.by.trim(),
    note: i.note?.trim() || null,
    site: i.site ?? null,
    policy: i.policy ? { file: i.policy.file, sha256: sha256(i.policy.text) } : { file: null, sha256: null },
    reports: Object.fromEntries(
      Object.entries(i.reports).map(([k, r]) => [k, { ...r, sha256: sha256(i.files[r.file] ?? '') }]),
    ),
  };
  const tmp = path.join(i.stateDir, `.${id}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  try {
    for (const [name, text] of Object.entries(i.files)) writeFileSync(path.join(tmp, name), text);
    writeFileSync(path.join(tmp, 'accepted.json'), `${JSON.stringify(acceptance, null, 2)}\n`);
    renameSync(tmp, path.join(i.stateDir, id));
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw new HardlineError(
      'HL_ERR_REVIEW_STATE',
      `cannot record the review in ${i.stateDir}: ${(e as Error).message}`,
    );
  }
  return { id, dir: path.join(i.stateDir, id), acceptance };
}
