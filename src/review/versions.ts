import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { HardlineError } from '../core/errors.js';
import type { Finding } from '../core/finding.js';
import type { CommandRunner } from '../host/exec.js';

/**
 * Which PBX versions run, from wherever they show: the probe's banners (Server/User-Agent), the
 * host (`asterisk -rx 'core show version'`, `asterisk -V`) and watch (headers the PBX sent); and
 * the bundled, dated advisory table they are judged against (data/advisories/asterisk.yaml).
 */

export type Product = 'asterisk' | 'freeswitch' | 'kamailio';

export interface VersionSighting {
  product: Product;
  /** e.g. 20.5.0 or 18.9-cert6 */
  version: string;
  /** The text it was read from (a banner, a command's first line). */
  raw: string;
  /** How it was read. */
  via: 'probe banner' | 'asterisk -rx core show version' | 'asterisk -V' | 'watch';
  /** The PBX (policy name), probe target or host it belongs to. */
  source: string;
}

/** Recognises a product and version in a banner or version line. */
export function parseBanner(text: string): { product: Product; version: string } | undefined {
  const t = text.trim();
  const fpbx = /\bFPBX-[\d.]+\((\d+\.\d+(?:\.\d+)*(?:-cert\d+)?)\)/.exec(t);
  if (fpbx) return { product: 'asterisk', version: fpbx[1]! };
  const ast = /\bAsterisk(?:\s+PBX)?[\s/-]+(?:certified[/-])?(\d+\.\d+(?:\.\d+)*(?:-cert\d+)?)/i.exec(t);
  if (ast) return { product: 'asterisk', version: ast[1]! };
  const fs = /\bFreeSWITCH(?:-mod_sofia)?\/(\d+\.\d+(?:\.\d+)*)/i.exec(t);
  if (fs) return { product: 'freeswitch', version: fs[1]! };
  const kam = /\bkamailio\s*\(?\s*(\d+\.\d+(?:\.\d+)*)/i.exec(t);
  if (kam) return { product: 'kamailio', version: kam[1]! };
  return undefined;
}

export interface ParsedVersion {
  /** Numeric parts: 20.5.0 -> [20, 5, 0]; certified 18.9-cert6 -> [18, 9]. */
  parts: number[];
  /** Certified release number (18.9-cert6 -> 6). */
  cert?: number;
  /** Branch key: "20" for mainline, "18.9-cert" for certified. */
  branch: string;
}

export function parseVersion(v: string): ParsedVersion | undefined {
  const m = /^(\d+(?:\.\d+)*)(?:-cert(\d+))?$/.exec(v.trim());
  if (!m) return undefined;
  const parts = m[1]!.split('.').map(Number);
  if (m[2] !== undefined) return { parts, cert: Number(m[2]), branch: `${parts.slice(0, 2).join('.')}-cert` };
  return { parts, branch: String(parts[0]) };
}

/** Compares dotted versions numerically (missing parts count as 0); trailing letters lexically. */
export function compareVersions(a: string, b: string): number {
  const split = (s: string) =>
    s
      .split(/[.-]/)
      .map((p) => /^(\d+)(.*)$/.exec(p) ?? [p, '-1', p])
      .map((m) => ({ n: Number(m[1]), rest: m[2] ?? '' }));
  const pa = split(a);
  const pb = split(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? { n: 0, rest: '' };
    const y = pb[i] ?? { n: 0, rest: '' };
    if (x.n !== y.n) return x.n - y.n;
    if (x.rest !== y.rest) return x.rest < y.rest ? -1 : 1;
  }
  return 0;
}

/** Is `v` older than `fixed` within the same branch? (undefined: other branch, not comparable) */
function lacksFix(v: ParsedVersion, fixed: ParsedVersion): boolean | undefined {
  if (v.branch !== fixed.branch) return undefined;
  if (v.cert !== undefined) return v.cert < fixed.cert!;
  return compareVersions(v.parts.join('.'), fixed.parts.join('.')) < 0;
}

const yearMonth = z
  .union([z.string(), z.date()])
  .transform((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v))
  .refine((v) => /^\d{4}-\d{2}(-\d{2})?$/.test(v), { message: 'expected YYYY-MM or YYYY-MM-DD' });

export const advisoryTableSchema = z.strictObject({
  product: z.literal('asterisk'),
  date: yearMonth,
  covers_until: yearMonth,
  source: z.string(),
  branches: z.array(
    z.strictObject({
      branch: z.string().regex(/^\d+$/),
      kind: z.enum(['lts', 'standard']),
      end_of_life: yearMonth.optional(),
    }),
  ),
  advisories: z.array(
    z.strictObject({
      id: z.string().regex(/^(AST-\d{4}-\d{3}|CVE-\d{4}-\d+|GHSA-[a-z0-9-]+)$/),
      severity: z.enum(['critical', 'high', 'medium', 'low']),
      title: z.string().min(10),
      fixed: z
        .array(
          z
            .string()
            .refine((s) => parseVersion(s) !== undefined, { message: 'expected 20.5.1 or 18.9-cert6' }),
        )
        .min(1),
    }),
  ),
});
export type AdvisoryTable = z.output<typeof advisoryTableSchema>;
export type Advisory = AdvisoryTable['advisories'][number];

export const ADVISORY_FILE = new URL('../../data/advisories/asterisk.yaml', import.meta.url);

export function loadAdvisoryTable(file: string | URL = ADVISORY_FILE): AdvisoryTable {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new HardlineError(
      'HL_ERR_ADVISORIES',
      `cannot read the advisory table ${String(file)}: ${(e as Error).message}`,
    );
  }
  const r = advisoryTableSchema.safeParse(parseYaml(text));
  if (!r.success)
    throw new HardlineError(
      'HL_ERR_ADVISORIES',
      `the advisory table ${String(file)} is malformed`,
      r.error.issues.map((i) => ({ message: `${i.path.join('.')}: ${i.message}` })),
    );
  return r.data;
}

/** The last moment of a YYYY-MM (end of month) or YYYY-MM-DD (end of day), UTC. */
export function endOf(date: string): Date {
  if (/^\d{4}-\d{2}$/.test(date)) {
    const [y, m] = date.split('-').map(Number);
    return new Date(Date.UTC(y!, m!, 1) - 1000);
  }
  return new Date(`${date}T23:59:59Z`);
}

export interface Judgement {
  version: string;
  parsed?: ParsedVersion;
  /** The branch as the table knows it (mainline only). */
  branch?: AdvisoryTable['branches'][number];
  /** End of life at `now` (also: below the oldest branch the table lists). */
  endOfLife: boolean;
  endOfLifeSince?: string;
  /** Advisories whose fix this version lacks (on its own branch). */
  missing: { advisory: Advisory; fixedIn: string }[];
  /** Why nothing could be judged, if so. */
  note?: string;
}

export function judgeAsterisk(version: string, table: AdvisoryTable, now: Date): Judgement {
  const parsed = parseVersion(version);
  if (!parsed)
    return { version, endOfLife: false, missing: [], note: `version ${version} is not a release number` };
  const out: Judgement = { version, parsed, endOfLife: false, missing: [] };
  if (parsed.cert === undefined) {
    const major = parsed.parts[0]!;
    const branch = table.branches.find((b) => Number(b.branch) === major);
    const oldest = Math.min(...table.branches.map((b) => Number(b.branch)));
    if (branch) {
      out.branch = branch;
      if (branch.end_of_life && endOf(branch.end_of_life).getTime() < now.getTime()) {
        out.endOfLife = true;
        out.endOfLifeSince = branch.end_of_life;
      }
    } else if (major < oldest) {
      out.endOfLife = true;
    } else out.note = `branch ${major} is newer than the advisory table (${table.date}): update hardline`;
  } else out.note = `certified branch ${parsed.branch}: end of life is not in the table`;
  for (const a of table.advisories) {
    for (const f of a.fixed) {
      const fp = parseVersion(f)!;
      if (lacksFix(parsed, fp)) out.missing.push({ advisory: a, fixedIn: f });
    }
  }
  return out;
}

/** Asterisk versions from the probe report's banner findings (PRB-EXP-002 and its evidence). */
export function versionsFromProbe(findings: Finding[]): VersionSighting[] {
  const out: VersionSighting[] = [];
  for (const f of findings) {
    if (f.ruleId !== 'PRB-EXP-002') continue;
    const texts = [/(?:names the software(?: and its version)?): (.+)$/.exec(f.message)?.[1] ?? ''];
    for (const e of f.evidence ?? []) {
      const m = /^(?:Server|User-Agent):\s*(.+)$/i.exec(e.trim());
      if (m) texts.push(m[1]!);
    }
    for (const raw of texts) {
      const b = raw ? parseBanner(raw) : undefined;
      if (b && !out.some((o) => o.source === f.source && o.version === b.version && o.product === b.product))
        out.push({ ...b, raw: raw.trim(), via: 'probe banner', source: f.source });
    }
  }
  return out;
}

/**
 * The running and the installed Asterisk on this host: `asterisk -rx 'core show version'` needs
 * the control socket (root or the asterisk group), `asterisk -V` only the binary. Read-only.
 */
export async function versionsFromHost(
  runner: CommandRunner,
  source: string,
): Promise<{
  sightings: VersionSighting[];
  notes: string[];
}> {
  const sightings: VersionSighting[] = [];
  const notes: string[] = [];
  const running = await runner.run('asterisk', ['-rx', 'core show version'], { timeoutMs: 5000 });
  if (running.error === 'not-found') return { sightings, notes: ['asterisk is not installed on this host'] };
  const first = (s: string) =>
    s
      .split('\n')
      .find((l) => l.trim())
      ?.trim() ?? '';
  const r = running.code === 0 ? parseBanner(first(running.stdout)) : undefined;
  if (r) sightings.push({ ...r, raw: first(running.stdout), via: 'asterisk -rx core show version', source });
  else
    notes.push(
      `asterisk -rx 'core show version': ${first(running.stderr) || first(running.stdout) || `exit ${running.code}`}`,
    );
  const installed = await runner.run('asterisk', ['-V'], { timeoutMs: 5000 });
  const i = installed.code === 0 ? parseBanner(first(installed.stdout)) : undefined;
  if (i) {
    sightings.push({ ...i, raw: first(installed.stdout), via: 'asterisk -V', source });
    if (r && r.version !== i.version)
      notes.push(
        `Asterisk ${r.version} is running but ${i.version} is installed: restart Asterisk to run the update`,
      );
  }
  return { sightings, notes };
}
