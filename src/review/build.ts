import { type Baseline, type BaselineFinding, compareWithBaseline } from '../audit/drift.js';
import { compareFindings } from '../audit/engine.js';
import { applyExceptions, targetMatches } from '../audit/exceptions.js';
import type { Finding } from '../core/finding.js';
import { formatMessage, type PolicyPath, type Rule } from '../core/rule.js';
import { SEVERITIES, type Severity, severityRank } from '../core/severity.js';
import { STEP_TITLES, STEPS, type Step } from '../core/steps.js';
import type { TimeSyncStatus } from '../host/timesync.js';
import { cidrContains, parseCidr, parseIp } from '../net/address.js';
import { EXPIRING_MS, exceptionId } from '../policy/edit.js';
import type { LoadedPolicy } from '../policy/loader.js';
import type { PolicyModel } from '../rules/policy/model.js';
import { type ReviewCheck, runReviewChecks } from './check.js';
import { SKEW_LIMIT_MS } from './checks/hl-time-002.js';
import type { LoadedReport } from './inputs.js';
import type { AcceptedReview } from './state.js';
import {
  type AdvisoryTable,
  endOf,
  judgeAsterisk,
  parseBanner,
  type VersionSighting,
  versionsFromProbe,
} from './versions.js';
import { type ClockSkew, type EndpointSighting, sightingNetwork, type WatchSnapshot } from './watch.js';

/**
 * The periodic review: the latest audit, probe and watch state held against the last accepted
 * review. Pure: every input is given (the CLI gathers them), so it is tested without a network,
 * a host or a clock.
 */

export type Origin = 'audit' | 'probe' | 'review';

export interface ReviewFinding extends Finding {
  origin: Origin;
}

export interface FixedFinding extends BaselineFinding {
  origin: Origin;
}

export interface BuildInputs {
  policy: LoadedPolicy;
  /** Policy file as shown in the report. */
  policyFile: string | null;
  now: Date;
  audit?: LoadedReport;
  probe?: LoadedReport;
  watch?: { describe: string; snapshot: WatchSnapshot };
  /** Undefined when the host was not checked (--no-host). */
  host?: { timeSync: TimeSyncStatus; versions: VersionSighting[]; notes: string[] };
  advisories: AdvisoryTable;
  previous?: AcceptedReview;
  checks: ReviewCheck[];
  /** The policy rules (HL-POL-*): re-run over every finding of the review, not only the audit's. */
  policyRules: Rule<PolicyModel>[];
  /** Rule/check id -> hardening step, for the plan's coverage. */
  stepOf: Map<string, Step>;
  /** Things the CLI already knows it could not see. */
  unseen?: string[];
}

export interface DriftCounts {
  new: number;
  fixed: number;
  unchanged: number;
}

export interface InventoryChange {
  account: string;
  pbx?: string;
  kind: 'new account' | 'new device' | 'new firmware' | 'new network';
  /** What is new: a User-Agent, a firmware change, a network. */
  what: string;
  /** What was known before for this account. */
  before?: string;
  address: string;
  firstSeen: string;
  /** For networks: which declared network it lies in, if any. */
  declared?: string;
}

export interface CleartextItem {
  account?: string;
  address: string;
  kind: 'signalling' | 'media';
  how: string;
  /** The policy requires the protected form (security.sip_tls / srtp: required). */
  violatesPolicy: boolean;
  /** From a declared trusted network (lan, voice, ...). */
  network?: string;
  isNew: boolean;
  lastSeen: string;
}

export interface ExceptionItem {
  id: string;
  rule: string;
  target: string;
  source?: string;
  approver: string;
  reason: string;
  expires: string;
  line: number;
  /** Current findings it matches. */
  matched: number;
}

export interface PlanStep {
  number: number;
  step: Step;
  title: string;
  status: 'open' | 'done' | 'not assessed';
  open: number;
  bySeverity: Record<Severity, number>;
  newOpen: number;
  fixed: number;
  waived: number;
  /** Open items, one per rule: rule id, title, count, worst severity. */
  items: { ruleId: string; title: string; count: number; severity: Severity; isNew: boolean }[];
  /** Fixed since the last review: rule id and target. */
  done: { ruleId: string; title: string; target: string }[];
  /** How many rules/checks of this step ran (audit, probe, review). */
  checksRun: number;
}

export interface Review {
  schemaVersion: 1;
  kind: 'hardline-review';
  generatedAt: string;
  site: string | null;
  policyFile: string | null;
  previous: { id: string; acceptedAt: string; by: string; note: string | null } | null;
  inputs: {
    audit: { origin: string; generatedAt: string | null; findings: number } | null;
    probe: { origin: string; generatedAt: string | null; findings: number; targets: string[] } | null;
    watch: {
      origin: string;
      generatedAt: string;
      endpoints: number;
      window: { from: string; to: string } | null;
    } | null;
    host: boolean;
  };
  /** What the review could not see, in words. */
  unseen: string[];
  summary: {
    active: number;
    waived: number;
    bySeverity: Record<Severity, number>;
    /** null when there is no accepted review to compare with. */
    drift: (DriftCounts & { byOrigin: Partial<Record<Origin, DriftCounts | null>> }) | null;
  };
  plan: PlanStep[];
  findings: ReviewFinding[];
  fixed: FixedFinding[];
  exposure: {
    /** Probe findings about reachable services that are new since the last review. */
    newlyReachable: ReviewFinding[];
    /** Services answering that the policy does not declare (every current one). */
    undeclared: ReviewFinding[];
    /** Reachability findings of the last review that are gone. */
    noLongerReachable: FixedFinding[];
    /** Targets the last accepted probe looked at and this one did not. */
    targetsNotProbed: string[];
  } | null;
  inventory: {
    basis: string;
    accounts: number;
    endpoints: number;
    changes: InventoryChange[];
    cleartext: CleartextItem[];
  } | null;
  exceptions: {
    expiredStillPresent: ExceptionItem[];
    expiredUnused: ExceptionItem[];
    expiringSoon: ExceptionItem[];
    active: number;
  };
  time: { sync: TimeSyncStatus | null; skew: (ClockSkew & { over: boolean })[] | null; skewLimitMs: number };
  versions: {
    sightings: VersionSighting[];
    judged: {
      source: string;
      version: string;
      endOfLife: boolean;
      endOfLifeSince?: string;
      missing: string[];
      note?: string;
    }[];
    table: { date: string; coversUntil: string; stale: boolean };
    notes: string[];
  };
}

/** Below this age the advisory table counts as current. */
const TABLE_MAX_AGE_DAYS = 180;

/** Probe checks about what is reachable from outside. */
const REACHABILITY = new Set(['PRB-EXP-001', 'PRB-EXP-003', 'PRB-EXP-004']);
/** Of those, the ones about services the policy does not declare. */
const UNDECLARED = new Set(['PRB-EXP-001', 'PRB-EXP-004']);

/** A User-Agent without its version: the device model ("Yealink SIP-T54W"). */
export function deviceModel(ua: string): { model: string; firmware?: string } {
  const m = /^(.*?)[\s/_-]*(?:v|rv|version\s*)?(\d+(?:\.\d+)+[a-z]?)(.*)$/i.exec(ua.trim());
  if (!m || !m[1]!.trim()) return { model: ua.trim() };
  return { model: m[1]!.trim(), firmware: m[2]! };
}

function counts(list: Finding[]): Record<Severity, number> {
  const out = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of list) if (!f.waived) out[f.severity]++;
  return out;
}

/** Drift of one origin; `restrict` limits the baseline to what this run could see again. */
function drift(
  origin: Origin,
  current: Finding[],
  baseline: Baseline | undefined,
  restrict?: (b: BaselineFinding) => boolean,
): { findings: ReviewFinding[]; fixed: FixedFinding[]; counts: DriftCounts | null } {
  if (!baseline) return { findings: current.map((f) => ({ ...f, origin })), fixed: [], counts: null };
  const base = restrict ? { ...baseline, findings: baseline.findings.filter(restrict) } : baseline;
  const c = compareWithBaseline(current, base);
  return {
    findings: c.findings.map((f) => ({ ...f, origin })),
    fixed: c.drift.fixedFindings.map((f) => ({ ...f, origin })),
    counts: { new: c.drift.new, fixed: c.drift.fixed, unchanged: c.drift.unchanged },
  };
}

function declaredNetwork(policy: LoadedPolicy['policy'], address: string): string | undefined {
  const ip = parseIp(address);
  if (!ip) return undefined;
  for (const [name, list] of Object.entries(policy.networks))
    if (list.some((c) => cidrContains(parseCidr(c)!, ip))) return name;
  return undefined;
}

function inventory(
  policy: LoadedPolicy['policy'],
  snap: WatchSnapshot,
  previous: AcceptedReview | undefined,
): NonNullable<Review['inventory']> {
  const prevSnap = previous?.watch;
  const since = previous ? new Date(previous.acceptance.acceptedAt).getTime() : undefined;
  const basis = prevSnap
    ? `compared with the watch data of the review accepted ${previous!.acceptance.acceptedAt.slice(0, 10)}`
    : previous
      ? `first seen after the last accepted review (${previous.acceptance.acceptedAt.slice(0, 10)}), which had no watch data`
      : 'first review with watch data: the inventory below becomes the baseline when accepted';
  const known = new Map<string, EndpointSighting[]>();
  for (const e of prevSnap?.endpoints ?? []) known.set(e.account, [...(known.get(e.account) ?? []), e]);
  const isNewSince = (e: EndpointSighting) => since !== undefined && new Date(e.firstSeen).getTime() > since;
  const changes: InventoryChange[] = [];
  const push = (c: InventoryChange) => {
    if (!changes.some((x) => x.account === c.account && x.kind === c.kind && x.what === c.what))
      changes.push(c);
  };
  if (prevSnap || previous) {
    for (const e of snap.endpoints) {
      const before = known.get(e.account);
      const base = {
        account: e.account,
        ...(e.pbx ? { pbx: e.pbx } : {}),
        address: e.address,
        firstSeen: e.firstSeen,
      };
      if (prevSnap) {
        if (!before) {
          push({ ...base, kind: 'new account', what: e.userAgent ?? '(no User-Agent)' });
          continue;
        }
        const net = sightingNetwork(e);
        if (!before.some((b) => sightingNetwork(b) === net)) {
          const declared = declaredNetwork(policy, e.address);
          push({
            ...base,
            kind: 'new network',
            what: net,
            before: [...new Set(before.map(sightingNetwork))].join(', '),
            ...(declared ? { declared } : {}),
          });
        }
        if (e.userAgent) {
          const d = deviceModel(e.userAgent);
          const sameModel = before.filter((b) => b.userAgent && deviceModel(b.userAgent).model === d.model);
          if (sameModel.length === 0)
            push({
              ...base,
              kind: 'new device',
              what: e.userAgent,
              before: [...new Set(before.map((b) => b.userAgent ?? '(no User-Agent)'))].join(', '),
            });
          else if (d.firmware && !sameModel.some((b) => deviceModel(b.userAgent!).firmware === d.firmware))
            push({
              ...base,
              kind: 'new firmware',
              what: `${d.model} ${d.firmware}`,
              before: [...new Set(sameModel.map((b) => deviceModel(b.userAgent!).firmware ?? '?'))].join(
                ', ',
              ),
            });
        }
      } else if (isNewSince(e)) {
        // No watch data in the last review: what watch first saw after it is new.
        push({ ...base, kind: 'new device', what: e.userAgent ?? '(no User-Agent)' });
        const declared = declaredNetwork(policy, e.address);
        push({ ...base, kind: 'new network', what: sightingNetwork(e), ...(declared ? { declared } : {}) });
      }
    }
  }
  const kindOrder = ['new account', 'new device', 'new firmware', 'new network'];
  changes.sort(
    (a, b) =>
      a.account.localeCompare(b.account, 'en', { numeric: true }) ||
      kindOrder.indexOf(a.kind) - kindOrder.indexOf(b.kind),
  );

  const prevClear = new Set<string>();
  for (const e of prevSnap?.endpoints ?? []) {
    if (['udp', 'tcp', 'ws'].includes(e.transport)) prevClear.add(`signalling|${e.account}|${e.address}`);
    if (e.media === 'rtp') prevClear.add(`media|${e.account}|${e.address}`);
  }
  for (const c of prevSnap?.cleartext ?? []) prevClear.add(`${c.kind}|${c.account ?? ''}|${c.address}`);
  const cleartext: CleartextItem[] = [];
  const addClear = (c: Omit<CleartextItem, 'isNew' | 'violatesPolicy' | 'network'>) => {
    const key = `${c.kind}|${c.account ?? ''}|${c.address}`;
    if (cleartext.some((x) => `${x.kind}|${x.account ?? ''}|${x.address}` === key)) return;
    const network = declaredNetwork(policy, c.address);
    const required =
      c.kind === 'signalling' ? policy.security.sip_tls === 'required' : policy.security.srtp === 'required';
    cleartext.push({
      ...c,
      violatesPolicy: required,
      ...(network ? { network } : {}),
      isNew: prevSnap ? !prevClear.has(key) : since !== undefined,
    });
  };
  for (const e of snap.endpoints) {
    if (['udp', 'tcp', 'ws'].includes(e.transport))
      addClear({
        account: e.account,
        address: e.address,
        kind: 'signalling',
        how: `registers over ${e.transport.toUpperCase()}`,
        lastSeen: e.lastSeen,
      });
    if (e.media === 'rtp')
      addClear({
        account: e.account,
        address: e.address,
        kind: 'media',
        how: 'negotiates plain RTP',
        lastSeen: e.lastSeen,
      });
  }
  for (const c of snap.cleartext)
    addClear({
      ...(c.account ? { account: c.account } : {}),
      address: c.address,
      kind: c.kind,
      how: `${c.detail ?? (c.kind === 'media' ? 'plain RTP' : `SIP over ${c.transport?.toUpperCase() ?? 'a plain transport'}`)} (${c.count}x)`,
      lastSeen: c.lastSeen,
    });
  cleartext.sort(
    (a, b) =>
      (a.account ?? '').localeCompare(b.account ?? '', 'en', { numeric: true }) ||
      a.kind.localeCompare(b.kind),
  );
  return {
    basis,
    accounts: new Set(snap.endpoints.map((e) => e.account)).size,
    endpoints: snap.endpoints.length,
    changes,
    cleartext,
  };
}

/** The policy rules (expired or unused exceptions, egress) over the review's findings. */
function policyFindings(i: BuildInputs, file: string, usage: PolicyModel['exceptions']): Finding[] {
  const out: Finding[] = [];
  const model: PolicyModel = {
    kind: 'policy',
    file,
    now: i.now,
    exceptions: usage,
    lineOf: (p) => i.policy.lineOf?.(p),
  };
  for (const rule of i.policyRules)
    rule.check(model, {
      policy: i.policy.policy,
      policySets: (p: PolicyPath) => i.policy.provided.has(p),
      report(r) {
        out.push({
          ruleId: rule.id,
          severity: r.severity ?? rule.severity,
          step: rule.step,
          title: rule.title,
          message: formatMessage(rule.messages[r.messageId] ?? r.messageId, r.data),
          target: r.target,
          source: 'policy',
          ...(r.at ? { location: { file: r.at.file, line: r.at.line } } : {}),
          waived: false,
        });
      },
    });
  return out;
}

export function buildReview(i: BuildInputs): Review {
  const policy = i.policy.policy;
  const unseen = [...(i.unseen ?? [])];
  const prev = i.previous;

  // Versions: probe banners, the host, and the PBX's own headers as watch saw them.
  const sightings: VersionSighting[] = [
    ...(i.probe ? versionsFromProbe(i.probe.findings) : []),
    ...(i.host?.versions ?? []),
    ...(i.watch?.snapshot.servers ?? []).flatMap((s) => {
      const b = parseBanner(s.value);
      return b ? [{ ...b, raw: `${s.header}: ${s.value}`, via: 'watch' as const, source: s.source }] : [];
    }),
  ];

  // Review checks; then the current policy's exceptions over every finding (saved reports may
  // predate an exception or its expiry), and the policy rules over all of them: an exception for
  // a probe finding matches nothing in the audit alone.
  const checkFindings = runReviewChecks(i.checks, {
    policy,
    now: i.now,
    ...(i.host ? { timeSync: i.host.timeSync } : {}),
    ...(i.watch ? { watch: i.watch.snapshot } : {}),
    versions: sightings,
    advisories: i.advisories,
  });
  const policyFile = i.policyFile ?? undefined;
  const fresh = ({ waiver: _w, ...f }: Finding): Finding => ({ ...f, waived: false });
  const auditRaw = (i.audit?.findings ?? []).filter((f) => !f.ruleId.startsWith('HL-POL-')).map(fresh);
  const probeRaw = (i.probe?.findings ?? []).map(fresh);
  const applied = applyExceptions([...auditRaw, ...probeRaw, ...checkFindings], i.policy, i.now, policyFile);
  const auditNow = applied.findings.slice(0, auditRaw.length);
  const probeNow = applied.findings.slice(auditRaw.length, auditRaw.length + probeRaw.length);
  const waivedChecks = applied.findings.slice(auditRaw.length + probeRaw.length);
  // The policy rules judge every input together: their findings are the review's own.
  if (i.policy.file) waivedChecks.push(...policyFindings(i, policyFile ?? 'hardline.yaml', applied.usage));

  // Drift per origin. The review's own checks are compared only where this run had their input.
  const needs: Record<string, boolean> = {
    'HL-TIME-001': Boolean(i.host),
    'HL-TIME-002': Boolean(i.watch),
    'HL-VER-003': Boolean(i.watch),
    'HL-VER-001': sightings.length > 0,
    'HL-VER-002': sightings.length > 0,
  };
  const a = drift(
    'audit',
    auditNow,
    i.audit ? prev?.audit : undefined,
    (b) => !b.ruleId.startsWith('HL-POL-'),
  );
  const p = drift('probe', probeNow, i.probe ? prev?.probe : undefined);
  const r = drift('review', waivedChecks, prev?.checks, (b) => needs[b.ruleId] !== false);
  const findings = [...a.findings, ...p.findings, ...r.findings].sort(
    (x, y) => compareFindings(x, y) || x.origin.localeCompare(y.origin),
  );
  const fixed = [...a.fixed, ...p.fixed, ...r.fixed];
  const byOrigin: Partial<Record<Origin, DriftCounts | null>> = {};
  if (prev) {
    if (i.audit) byOrigin.audit = a.counts;
    if (i.probe) byOrigin.probe = p.counts;
    byOrigin.review = r.counts;
    if (!i.probe && prev.probe)
      unseen.push(
        `probe: the accepted review had ${prev.probe.findings.length} probe finding(s); without probe results now they are neither fixed nor confirmed`,
      );
    if (!i.watch && prev.watch)
      unseen.push(
        'watch: the accepted review had watch data; without it now devices and networks were not compared',
      );
  }
  const sum = (k: keyof DriftCounts) => Object.values(byOrigin).reduce((n, c) => n + (c?.[k] ?? 0), 0);

  // Exposure from outside (probe).
  let exposure: Review['exposure'] = null;
  if (i.probe) {
    const reach = p.findings.filter((f) => REACHABILITY.has(f.ruleId));
    exposure = {
      newlyReachable: prev?.probe ? reach.filter((f) => f.baselineState === 'new') : [],
      undeclared: reach.filter((f) => UNDECLARED.has(f.ruleId)),
      noLongerReachable: p.fixed.filter((f) => REACHABILITY.has(f.ruleId)),
      targetsNotProbed: (prev?.probeTargets ?? []).filter((t) => !i.probe!.sources.includes(t)),
    };
  }

  // Exceptions: expired but the finding is still there; expiring within 7 days.
  const all = findings;
  const items = policy.exceptions.map((e, idx): ExceptionItem & { ms: number } => ({
    id: exceptionId(e),
    rule: e.rule,
    target: e.target,
    ...(e.source ? { source: e.source } : {}),
    approver: e.approver,
    reason: e.reason,
    expires: e.expires,
    line: i.policy.exceptionLines[idx] ?? 0,
    matched: all.filter(
      (f) => f.ruleId === e.rule && targetMatches(e.target, f.target) && (!e.source || e.source === f.source),
    ).length,
    ms: new Date(e.expires).getTime() - i.now.getTime(),
  }));
  const strip = ({ ms: _ms, ...x }: ExceptionItem & { ms: number }) => x;
  const exceptions = {
    expiredStillPresent: items.filter((x) => x.ms <= 0 && x.matched > 0).map(strip),
    expiredUnused: items.filter((x) => x.ms <= 0 && x.matched === 0).map(strip),
    expiringSoon: items.filter((x) => x.ms > 0 && x.ms <= EXPIRING_MS).map(strip),
    active: items.filter((x) => x.ms > 0).length,
  };

  // The plan: the five steps in order, what is open and what was done.
  const ran = new Set<string>([
    ...(i.audit?.rulesRun ?? []),
    ...(i.probe?.rulesRun ?? []),
    ...i.checks.filter((c) => needs[c.id] !== false).map((c) => c.id),
  ]);
  const plan: PlanStep[] = STEPS.map((step, n) => {
    const inStep = findings.filter((f) => f.step === step);
    const open = inStep.filter((f) => !f.waived);
    const byRule = new Map<string, ReviewFinding[]>();
    for (const f of open) byRule.set(f.ruleId, [...(byRule.get(f.ruleId) ?? []), f]);
    const checksRun = [...ran].filter((id) => i.stepOf.get(id) === step).length;
    return {
      number: n + 1,
      step,
      title: STEP_TITLES[step],
      status: open.length ? 'open' : checksRun ? 'done' : 'not assessed',
      open: open.length,
      bySeverity: counts(open),
      newOpen: open.filter((f) => f.baselineState === 'new').length,
      fixed: fixed.filter((f) => f.step === step).length,
      waived: inStep.length - open.length,
      items: [...byRule.entries()]
        .map(([ruleId, list]) => ({
          ruleId,
          title: list[0]!.title,
          count: list.length,
          severity: list.map((f) => f.severity).reduce((x, y) => (severityRank(y) > severityRank(x) ? y : x)),
          isNew: list.some((f) => f.baselineState === 'new'),
        }))
        .sort(
          (x, y) => severityRank(y.severity) - severityRank(x.severity) || x.ruleId.localeCompare(y.ruleId),
        ),
      done: fixed
        .filter((f) => f.step === step)
        .map((f) => ({ ruleId: f.ruleId, title: f.title, target: f.target })),
      checksRun,
    };
  });

  // Time: the host's clock and the skew watch measured per source.
  if (i.host && i.host.timeSync.synchronised === undefined)
    unseen.push(`time sync: ${i.host.timeSync.detail}`);

  // Versions and the advisory table.
  const judged: Review['versions']['judged'] = [];
  for (const s of sightings) {
    if (judged.some((j) => j.source === s.source && j.version === s.version)) continue;
    if (s.product !== 'asterisk') {
      judged.push({
        source: s.source,
        version: `${s.product} ${s.version}`,
        endOfLife: false,
        missing: [],
        note: `no advisory table for ${s.product}: shown, not judged`,
      });
      continue;
    }
    const j = judgeAsterisk(s.version, i.advisories, i.now);
    judged.push({
      source: s.source,
      version: `asterisk ${s.version}`,
      endOfLife: j.endOfLife,
      ...(j.endOfLifeSince ? { endOfLifeSince: j.endOfLifeSince } : {}),
      missing: j.missing.map((m) => m.advisory.id),
      ...(j.note ? { note: j.note } : {}),
    });
  }
  const tableAgeDays = (i.now.getTime() - endOf(i.advisories.date).getTime()) / 86_400_000;
  const versionNotes = [...(i.host?.notes ?? [])];
  if (sightings.length === 0)
    unseen.push(
      `PBX version: not seen (${[
        i.probe ? 'the probe saw no version banner' : 'no probe results',
        i.host ? 'no asterisk on this host' : 'host not checked',
        i.watch ? 'watch saw no PBX banner' : 'no watch data',
      ].join('; ')}), so advisories and end of life were not checked`,
    );
  if (tableAgeDays > TABLE_MAX_AGE_DAYS)
    unseen.push(
      `the advisory table is from ${i.advisories.date} (${Math.round(tableAgeDays)} days old): newer advisories are not judged; update hardline`,
    );
  if (!i.probe)
    unseen.push(
      'no probe results: exposure from outside was not checked (hardline probe --format json -o probe.json, then --probe probe.json)',
    );
  if (!i.watch)
    unseen.push(
      'no watch data: new devices, User-Agents, firmware, source networks, cleartext use and clock skew were not reviewed (--watch-db STORE, the file hardline watch --db writes, or --watch SNAPSHOT.json)',
    );
  if (!i.host)
    unseen.push('host not checked (--no-host): time sync and the local Asterisk version were not read');
  if (!prev)
    unseen.push(
      'no accepted review yet: nothing is compared; accept this one with hardline review --accept --by NAME',
    );
  if (i.audit?.blindSpots.length)
    unseen.push(
      `the audit cannot see ${i.audit.blindSpots.length} thing(s) (realtime/database objects and the like): see its report`,
    );
  unseen.push('the live firewall was not compared with the policy: hardline firewall --check does that');

  const active = findings.filter((f) => !f.waived);
  return {
    schemaVersion: 1,
    kind: 'hardline-review',
    generatedAt: i.now.toISOString(),
    site: policy.site ?? null,
    policyFile: i.policyFile,
    previous: prev
      ? {
          id: prev.id,
          acceptedAt: prev.acceptance.acceptedAt,
          by: prev.acceptance.by,
          note: prev.acceptance.note,
        }
      : null,
    inputs: {
      audit: i.audit
        ? { origin: i.audit.origin, generatedAt: i.audit.generatedAt, findings: i.audit.findings.length }
        : null,
      probe: i.probe
        ? {
            origin: i.probe.origin,
            generatedAt: i.probe.generatedAt,
            findings: i.probe.findings.length,
            targets: i.probe.sources,
          }
        : null,
      watch: i.watch
        ? {
            origin: i.watch.describe,
            generatedAt: i.watch.snapshot.generatedAt,
            endpoints: i.watch.snapshot.endpoints.length,
            window: i.watch.snapshot.window ?? null,
          }
        : null,
      host: Boolean(i.host),
    },
    unseen,
    summary: {
      active: active.length,
      waived: findings.length - active.length,
      bySeverity: counts(active),
      drift: prev ? { new: sum('new'), fixed: sum('fixed'), unchanged: sum('unchanged'), byOrigin } : null,
    },
    plan,
    findings,
    fixed,
    exposure,
    inventory: i.watch ? inventory(policy, i.watch.snapshot, prev) : null,
    exceptions,
    time: {
      sync: i.host?.timeSync ?? null,
      skew: i.watch
        ? i.watch.snapshot.clockSkew.map((s) => ({ ...s, over: Math.abs(s.skewMs) > SKEW_LIMIT_MS }))
        : null,
      skewLimitMs: SKEW_LIMIT_MS,
    },
    versions: {
      sightings,
      judged,
      table: {
        date: i.advisories.date,
        coversUntil: i.advisories.covers_until,
        stale: tableAgeDays > TABLE_MAX_AGE_DAYS,
      },
      notes: versionNotes,
    },
  };
}
