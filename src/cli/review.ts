import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { failsAt, runAudit } from '../audit/engine.js';
import { HardlineError } from '../core/errors.js';
import type { Finding } from '../core/finding.js';
import type { Severity } from '../core/severity.js';
import type { Step } from '../core/steps.js';
import { DRIFT_RULES } from '../enforce/drift.js';
import { type CommandRunner, SystemRunner } from '../host/exec.js';
import { checkTimeSync } from '../host/timesync.js';
import { defaultPolicy, type LoadedPolicy, loadPolicyFile, POLICY_FILENAME } from '../policy/loader.js';
import { loadChecks } from '../probe/index.js';
import { runProbe } from '../probe/runner.js';
import { renderJson } from '../report/json.js';
import type { ReportData } from '../report/model.js';
import { buildReview, type Review } from '../review/build.js';
import { REVIEW_CHECKS } from '../review/checks/index.js';
import { type LoadedReport, parseReport, readReport } from '../review/inputs.js';
import { type ReviewFormat, renderReview } from '../review/render.js';
import { acceptReview, DEFAULT_STATE_DIR, latestAccepted } from '../review/state.js';
import { type AdvisoryTable, loadAdvisoryTable, versionsFromHost } from '../review/versions.js';
import { type WatchDataSource, WatchFileSource } from '../review/watch.js';
import { WatchStoreSource } from '../review/watch-store.js';
import { loadRules } from '../rules/index.js';
import { resolveTarget } from './target.js';

export interface ReviewCliOptions {
  policy?: string;
  pbx?: 'auto' | 'asterisk' | 'freeswitch' | 'kamailio';
  audit?: string;
  probe?: string;
  runProbe?: boolean;
  watch?: string;
  /** The live watch store (`--watch-db FILE`). */
  watchDb?: string;
  stateDir?: string;
  /** false with --no-host */
  host?: boolean;
  format: ReviewFormat;
  output?: string;
  now?: string;
  accept?: boolean;
  by?: string;
  note?: string;
  failOn?: Severity | 'none';
}

/** Side effects the tests replace: the command runner (time sync, asterisk -V), the table. */
export interface ReviewDeps {
  runner?: CommandRunner;
  advisories?: AdvisoryTable;
  watchSource?: WatchDataSource;
  /** Where the text goes (default stdout); messages go to `note` (default stderr). */
  write?: (text: string) => void;
  note?: (text: string) => void;
}

function policyFor(pathArg: string | undefined, policyArg: string | undefined): LoadedPolicy {
  if (policyArg) return loadPolicyFile(path.resolve(policyArg));
  const abs = path.resolve(pathArg ?? '.');
  if (existsSync(abs) && statSync(abs).isFile() && /\.ya?ml$/i.test(abs)) return loadPolicyFile(abs);
  const inside = path.join(abs, POLICY_FILENAME);
  return existsSync(inside) ? loadPolicyFile(inside) : defaultPolicy();
}

async function stepIndex(): Promise<Map<string, Step>> {
  const m = new Map<string, Step>();
  for (const r of await loadRules()) m.set(r.id, r.step);
  for (const c of await loadChecks()) m.set(c.id, c.step);
  for (const c of REVIEW_CHECKS) m.set(c.id, c.step);
  for (const r of DRIFT_RULES) m.set(r.id, r.step);
  return m;
}

/** The review's own findings as a JSON report (schemaVersion 1): kept with an accepted review. */
function checksJson(review: Review, policyFile: string | null): string {
  const data: ReportData = {
    command: 'review',
    root: policyFile ?? '.',
    ...(policyFile ? { policyFile } : {}),
    generatedAt: review.generatedAt,
    durationMs: 0,
    sources: [],
    findings: review.findings
      .filter((f) => f.origin === 'review')
      .map(({ origin: _o, baselineState: _b, ...f }) => f as Finding),
    diagnostics: [],
    rulesRun: REVIEW_CHECKS.map((c) => c.id),
    ranOnDefaults: [],
    skipped: [],
    rules: REVIEW_CHECKS,
  };
  return renderJson(data);
}

/** `hardline review`: returns the exit code. */
export async function reviewCommand(
  pathArg: string | undefined,
  o: ReviewCliOptions,
  deps: ReviewDeps = {},
): Promise<number> {
  const write = deps.write ?? ((t: string) => process.stdout.write(t));
  const note = deps.note ?? ((t: string) => process.stderr.write(`${t}\n`));
  const now = o.now ? new Date(o.now) : new Date();
  if (Number.isNaN(now.getTime())) throw new HardlineError('HL_ERR_USAGE', `--now ${o.now} is not a date`);
  if (o.accept && !o.by?.trim())
    throw new HardlineError(
      'HL_ERR_USAGE',
      'refused: --accept needs --by NAME (who reviewed and accepts this state)',
    );
  if (!o.accept && o.by) throw new HardlineError('HL_ERR_USAGE', '--by goes with --accept');
  if (o.probe && o.runProbe)
    throw new HardlineError('HL_ERR_USAGE', 'use --probe FILE or --run-probe, not both');
  if (o.watch && o.watchDb)
    throw new HardlineError('HL_ERR_USAGE', 'use --watch SNAPSHOT.json or --watch-db STORE, not both');
  const unseen: string[] = [];

  // The audit: a saved report, or run now on PATH.
  let policy: LoadedPolicy;
  let audit: LoadedReport;
  let hasAsterisk: boolean;
  let asteriskName: string | undefined;
  if (o.audit) {
    policy = policyFor(pathArg, o.policy);
    audit = readReport(o.audit, 'audit');
    const pbxs = policy.policy.pbxs;
    hasAsterisk = pbxs.length === 0 || pbxs.some((p) => p.kind === 'asterisk');
    asteriskName =
      pbxs.filter((p) => p.kind === 'asterisk').length === 1
        ? pbxs.find((p) => p.kind === 'asterisk')!.name
        : undefined;
  } else {
    const target = resolveTarget(pathArg, o.policy, o.pbx ?? 'auto');
    policy = target.policy;
    const result = await runAudit({ sources: target.sources, policy, reportRoot: target.reportRoot, now });
    audit = parseReport(renderJson({ ...result, root: target.display }), 'run now', 'audit');
    const ast = target.sources.filter((s) => s.kind === 'asterisk');
    hasAsterisk = ast.length > 0;
    asteriskName = ast.length === 1 ? ast[0]!.name : undefined;
  }
  const policyFile = policy.file ? path.relative(process.cwd(), policy.file) || policy.file : null;

  // The probe: a saved report, run now (sends traffic to the policy's endpoints), or none.
  let probe: LoadedReport | undefined;
  if (o.probe) probe = readReport(o.probe, 'probe');
  else if (o.runProbe) {
    const r = await runProbe({ policy, now });
    probe = parseReport(renderJson(r), 'run now', 'probe');
  }

  // Watch data: the live store, or a snapshot file.
  const source =
    deps.watchSource ??
    (o.watchDb ? new WatchStoreSource(o.watchDb) : o.watch ? new WatchFileSource(o.watch) : undefined);
  const stateDir = path.resolve(
    o.stateDir ??
      path.join(policy.file ? path.dirname(policy.file) : path.resolve(pathArg ?? '.'), DEFAULT_STATE_DIR),
  );
  const previous = latestAccepted(stateDir);
  const watch = source
    ? {
        describe: source.describe(),
        snapshot: await source.snapshot(previous ? new Date(previous.acceptance.acceptedAt) : undefined, now),
      }
    : undefined;

  // This host: time sync and, where Asterisk runs here, its version. Read-only.
  let host: Parameters<typeof buildReview>[0]['host'];
  if (o.host !== false) {
    const runner = deps.runner ?? new SystemRunner();
    const timeSync = await checkTimeSync(runner);
    const v = hasAsterisk
      ? await versionsFromHost(runner, asteriskName ?? 'host')
      : { sightings: [], notes: [] };
    host = { timeSync, versions: v.sightings, notes: v.notes };
  }

  const review = buildReview({
    policy,
    policyFile,
    now,
    audit,
    ...(probe ? { probe } : {}),
    ...(watch ? { watch } : {}),
    ...(host ? { host } : {}),
    advisories: deps.advisories ?? loadAdvisoryTable(),
    ...(previous ? { previous } : {}),
    checks: REVIEW_CHECKS,
    policyRules: (await loadRules()).filter((r) => r.id.startsWith('HL-POL-')),
    stepOf: await stepIndex(),
    unseen,
  });

  let accepted: { by: string; dir: string; id: string } | undefined;
  if (o.accept) {
    const files: Record<string, string> = { 'audit.json': audit.json };
    const reports: Record<string, { file: string; generatedAt: string | null; findings?: number }> = {
      audit: { file: 'audit.json', generatedAt: audit.generatedAt, findings: audit.findings.length },
    };
    if (probe) {
      files['probe.json'] = probe.json;
      reports['probe'] = {
        file: 'probe.json',
        generatedAt: probe.generatedAt,
        findings: probe.findings.length,
      };
    }
    if (watch) {
      files['watch.json'] = `${JSON.stringify(watch.snapshot, null, 2)}\n`;
      reports['watch'] = { file: 'watch.json', generatedAt: watch.snapshot.generatedAt };
    }
    files['checks.json'] = checksJson(review, policyFile);
    reports['checks'] = {
      file: 'checks.json',
      generatedAt: review.generatedAt,
      findings: review.findings.filter((f) => f.origin === 'review').length,
    };
    files['review.json'] = renderReview('json', review);
    const a = acceptReview({
      stateDir,
      by: o.by!,
      ...(o.note ? { note: o.note } : {}),
      now,
      ...(policy.policy.site ? { site: policy.policy.site } : {}),
      ...(policy.file ? { policy: { file: policyFile!, text: readFileSync(policy.file, 'utf8') } } : {}),
      files,
      reports,
    });
    const shown = path.relative(process.cwd(), a.dir) || a.dir;
    accepted = { by: o.by!.trim(), dir: shown, id: a.id };
    writeFileSync(path.join(a.dir, 'review.md'), renderReview('markdown', review, accepted));
    note(`accepted by ${accepted.by}: recorded in ${shown}/ (the baseline of the next review)`);
  }

  const text = renderReview(o.format, review, accepted);
  if (o.output) {
    try {
      writeFileSync(o.output, text);
    } catch (e) {
      throw new HardlineError('HL_ERR_OUTPUT', `cannot write ${o.output}: ${(e as Error).message}`);
    }
  } else write(text);
  return failsAt({ findings: review.findings }, o.failOn ?? 'none') ? 1 : 0;
}
