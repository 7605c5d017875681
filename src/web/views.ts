import { readFileSync, statSync } from 'node:fs';
import { SEVERITIES, type Severity, severityRank } from '../core/severity.js';
import { STEP_TITLES, STEPS, type Step } from '../core/steps.js';
import { type Cidr, cidrContains, parseCidr, parseIp } from '../net/address.js';
import type { Policy } from '../policy/schema.js';
import type { EndpointRecord } from '../store/store.js';
import type { Classification } from '../watch/classify.js';
import { wildcard } from '../watch/detector.js';
import { SCANNER_USER_AGENTS } from '../watch/detectors/scanner.js';

/** Data shaping for the inventory, findings and exceptions pages. */

export interface InventoryRow extends EndpointRecord {
  /** Trunk or trusted network the source belongs to, or its /24 (/48) network. */
  network: string;
  trusted: boolean;
  /** Why this row looks unusual (empty: nothing to look at). */
  flags: string[];
}

function prefixOf(ip: string, v4: number, v6: number): string {
  const a = parseIp(ip);
  if (!a) return ip;
  const bits = a.kind() === 'ipv4' ? v4 : v6;
  const bytes = a.toByteArray();
  const out = bytes.map((b, i) => {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    return b & (0xff << (8 - keep)) & 0xff;
  });
  if (a.kind() === 'ipv4') return `${out.join('.')}/${bits}`;
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((out[i]! << 8) | out[i + 1]!).toString(16));
  return `${parseIp(words.join(':'))!.toString()}/${bits}`;
}

/**
 * The endpoint inventory with what is unusual about each row: cleartext signalling or media
 * where the policy requires TLS/SRTP, several devices or networks on one account, a source
 * outside the account's expected networks, a scanner User-Agent, incidents naming the account.
 */
export function inventoryRows(
  rows: EndpointRecord[],
  policy: Policy,
  classify: (ip: string) => Classification | undefined,
  incidents: { account: string; detector: string; n: number }[],
  now = Date.now(),
): InventoryRow[] {
  const d = policy.detection.registration_network;
  const uas = new Map<string, Set<string>>();
  const nets = new Map<string, Set<string>>();
  for (const r of rows) {
    if (r.userAgent) {
      if (!uas.has(r.account)) uas.set(r.account, new Set());
      uas.get(r.account)!.add(r.userAgent);
    }
    if (!nets.has(r.account)) nets.set(r.account, new Set());
    nets.get(r.account)!.add(prefixOf(r.sourceIp, d.prefix_v4, d.prefix_v6));
  }
  const rules = d.accounts.map((a) => ({
    match: wildcard(a.account),
    text: a.networks.join(', '),
    cidrs: a.networks.flatMap((n): Cidr[] => {
      const c = parseCidr(n);
      if (c) return [c];
      return (policy.networks[n] ?? []).map((x) => parseCidr(x)).filter((x): x is Cidr => !!x);
    }),
  }));
  const byAccount = new Map<string, string[]>();
  for (const i of incidents)
    byAccount.set(i.account, [
      ...(byAccount.get(i.account) ?? []),
      `${i.detector}${i.n > 1 ? ` x${i.n}` : ''}`,
    ]);
  const scanners = [
    ...SCANNER_USER_AGENTS,
    ...policy.detection.scanner.user_agents.map((u) => u.toLowerCase()),
  ];
  return rows.map((r) => {
    const c = classify(r.sourceIp);
    const flags: string[] = [];
    const trusted = c !== undefined;
    if (!trusted && policy.security.sip_tls === 'required' && ['udp', 'tcp', 'ws'].includes(r.transport))
      flags.push(`cleartext signalling (${r.transport}) where the policy requires TLS`);
    if (!trusted && policy.security.srtp === 'required' && r.media === 'none')
      flags.push('unencrypted media (RTP/AVP) where the policy requires SRTP');
    if ((uas.get(r.account)?.size ?? 0) > 1)
      flags.push(`${uas.get(r.account)!.size} different User-Agents on this account`);
    if ((nets.get(r.account)?.size ?? 0) > 1)
      flags.push(`registered from ${nets.get(r.account)!.size} networks`);
    const rule = rules.find((x) => x.match.test(r.account));
    const ip = parseIp(r.sourceIp);
    if (rule && ip && rule.cidrs.length && !rule.cidrs.some((x) => cidrContains(x, ip)))
      flags.push(`outside its expected networks (${rule.text})`);
    const ua = r.userAgent.toLowerCase();
    if (ua && scanners.some((s) => ua.includes(s))) flags.push('scanner User-Agent');
    const inc = byAccount.get(r.account);
    if (inc) flags.push(`incidents: ${inc.join(', ')}`);
    if (now - r.firstSeen < 86400_000) flags.push('first seen in the last 24 h');
    return {
      ...r,
      network: c
        ? `${c.kind === 'trunk' ? 'trunk' : 'network'} ${c.name}`
        : prefixOf(r.sourceIp, d.prefix_v4, d.prefix_v6),
      trusted,
      flags,
    };
  });
}

export interface ReportFinding {
  ruleId: string;
  severity: Severity;
  step: Step;
  title: string;
  message: string;
  target?: string;
  location?: { file: string; line?: number } | null;
  waived?: boolean;
  waiver?: { approver: string; expires: string; reason: string } | null;
}

export interface ReportView {
  kind: 'audit' | 'probe' | 'review';
  file: string;
  error?: string;
  command?: string;
  generatedAt?: string;
  root?: string;
  counts?: Record<Severity, number>;
  active?: number;
  waived?: number;
  steps?: {
    step: Step;
    n: number;
    title: string;
    counts: Record<Severity, number>;
    findings: ReportFinding[];
  }[];
}

const cache = new Map<string, { mtimeMs: number; size: number; view: ReportView }>();

function zero(): Record<Severity, number> {
  return Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
}

/** Reads a hardline JSON report (docs/report-json.md) and groups it by the five hardening steps. */
export function readReport(kind: ReportView['kind'], file: string): ReportView {
  let st: { mtimeMs: number; size: number };
  try {
    st = statSync(file);
  } catch (e) {
    return { kind, file, error: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.view;
  let doc: { command?: string; generatedAt?: string; root?: string; findings?: ReportFinding[] };
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
    if (!Array.isArray(doc.findings)) throw new Error('no findings array');
  } catch (e) {
    return { kind, file, error: `not a hardline JSON report: ${(e as Error).message}` };
  }
  const findings = doc.findings!.filter(
    (f) => f && STEPS.includes(f.step) && SEVERITIES.includes(f.severity) && typeof f.ruleId === 'string',
  );
  const active = findings.filter((f) => !f.waived);
  const steps = STEPS.map((step, i) => {
    const list = active
      .filter((f) => f.step === step)
      .sort(
        (a, b) => severityRank(b.severity) - severityRank(a.severity) || a.ruleId.localeCompare(b.ruleId),
      );
    const counts = zero();
    for (const f of list) counts[f.severity]++;
    return {
      step,
      n: i + 1,
      title: STEP_TITLES[step],
      counts,
      findings: list.map((f) => ({
        ruleId: f.ruleId,
        severity: f.severity,
        step: f.step,
        title: String(f.title ?? ''),
        message: String(f.message ?? ''),
        ...(f.target ? { target: String(f.target) } : {}),
        location: f.location ?? null,
      })),
    };
  });
  const counts = zero();
  for (const f of active) counts[f.severity]++;
  const view: ReportView = {
    kind,
    file,
    ...(doc.command ? { command: doc.command } : {}),
    ...(doc.generatedAt ? { generatedAt: doc.generatedAt } : {}),
    ...(doc.root ? { root: doc.root } : {}),
    counts,
    active: active.length,
    waived: findings.length - active.length,
    steps,
  };
  cache.set(file, { mtimeMs: st.mtimeMs, size: st.size, view });
  return view;
}

export interface ExceptionView {
  rule: string;
  target: string;
  source?: string;
  reason: string;
  approver: string;
  expires: string;
  status: 'active' | 'expiring' | 'expired';
  /** Days until expiry (negative: since). */
  days: number;
}

/** The policy's exceptions with their expiry status (expiring: within 14 days). */
export function exceptionViews(policy: Policy, now = Date.now()): ExceptionView[] {
  return policy.exceptions
    .map((e) => {
      const t = Date.parse(e.expires);
      const days = Math.floor((t - now) / 86400_000);
      return {
        rule: e.rule,
        target: e.target,
        ...(e.source ? { source: e.source } : {}),
        reason: e.reason,
        approver: e.approver,
        expires: e.expires,
        status: (t <= now ? 'expired' : days < 14 ? 'expiring' : 'active') as ExceptionView['status'],
        days,
      };
    })
    .sort((a, b) => a.expires.localeCompare(b.expires));
}
