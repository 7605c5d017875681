import { readFileSync } from 'node:fs';
import path from 'node:path';
import { compareFindings } from '../audit/engine.js';
import { applyExceptions } from '../audit/exceptions.js';
import { Redactor } from '../audit/redact.js';
import { HardlineError } from '../core/errors.js';
import type { Finding } from '../core/finding.js';
import { formatMessage, type PolicyPath } from '../core/rule.js';
import { cidrContains, isHostname, parseCidr, parseIp } from '../net/address.js';
import type { LoadedPolicy } from '../policy/loader.js';
import type { Policy } from '../policy/schema.js';
import type { ReportData } from '../report/model.js';
import { SipClient } from '../sip/client.js';
import { connect, DEFAULT_PORTS, type Endpoint, type TransportName } from '../sip/transport/index.js';
import type { ProbeCheck, ProbeContext, ProbeTarget } from './check.js';
import { loadChecks } from './index.js';
import type { LoggingVerification } from './logging.js';

export interface ProbeOptions {
  policy: LoadedPolicy;
  /** Explicit --target values (HOST[:PORT][;transport=...]); replace the policy's endpoints. */
  targets?: string[];
  /** Only these check ids. */
  only?: string[];
  /** Bind outgoing sockets to this local address. */
  localAddress?: string;
  now?: Date;
  /** Progress lines (the CLI passes one only on a TTY). */
  progress?: (line: string) => void;
  /** `--verify-logging`: the monitoring to check (runs the checks that require it). */
  monitor?: LoggingVerification;
}

const TRANSPORTS: TransportName[] = ['udp', 'tcp', 'tls', 'ws', 'wss'];

/** Parses `HOST[:PORT][;transport=udp|tcp|tls|ws|wss]` (IPv6 in brackets). */
export function parseTargetSpec(spec: string): Endpoint {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^:;[\]]+)(?::(\d{1,5}))?(?:;transport=([a-z]+))?$/i.exec(spec.trim());
  if (!m)
    throw new HardlineError(
      'HL_ERR_PROBE_TARGET',
      `--target ${spec}: expected HOST[:PORT][;transport=udp|tcp|tls|ws|wss]`,
    );
  const transport = (m[3]?.toLowerCase() ?? 'udp') as TransportName;
  if (!TRANSPORTS.includes(transport))
    throw new HardlineError('HL_ERR_PROBE_TARGET', `--target ${spec}: unknown transport ${m[3]}`);
  const host = m[1]!.replace(/^\[|\]$/g, '');
  if (!parseIp(host) && !isHostname(host))
    throw new HardlineError(
      'HL_ERR_PROBE_TARGET',
      `--target ${spec}: ${host} is neither an address nor a host name`,
    );
  const port = m[2] ? Number(m[2]) : DEFAULT_PORTS[transport];
  if (port < 1 || port > 65535) throw new HardlineError('HL_ERR_PROBE_TARGET', `--target ${spec}: bad port`);
  return { host, port, transport };
}

/** Addresses a probe never sends to, whatever the policy says. */
function forbidden(host: string): string | undefined {
  if (host.includes('/')) return 'a network, not one host (name one address per endpoint)';
  const ip = parseIp(host);
  if (!ip) return undefined;
  switch (ip.range()) {
    case 'unspecified':
      return 'an unspecified address (it means every interface, not a host)';
    case 'broadcast':
      return 'a broadcast address';
    case 'multicast':
      return 'a multicast address';
    case 'reserved':
      return ip.kind() === 'ipv4' && ip.toByteArray()[0]! >= 240 ? 'a reserved (class E) address' : undefined;
    default:
      return undefined;
  }
}

const normHost = (h: string) =>
  h
    .trim()
    .replace(/^\[|\]$/g, '')
    .toLowerCase();

/**
 * Is `host` within what the policy allows the probe to talk to: the host of a declared
 * endpoint, or a host, address or network listed in probe.scope? Names are compared as
 * written (no DNS lookups, so the answer never depends on a resolver).
 */
export function inPolicyScope(p: Policy, host: string): boolean {
  const h = normHost(host);
  if (p.endpoints.some((e) => normHost(e.host) === h)) return true;
  const ip = parseIp(h);
  for (const entry of p.probe.scope) {
    const c = parseCidr(entry);
    if (c) {
      if (ip && cidrContains(c, ip)) return true;
    } else if (normHost(entry) === h) return true;
  }
  return false;
}

/**
 * The scope guard: what may be probed. Without --target, the policy's endpoints. With
 * --target, the named endpoints, each of which must be on an endpoint's host or in probe.scope
 * when a policy file is given (without a policy file, the targets named are the scope).
 * Broadcast, multicast, unspecified and reserved addresses are refused either way.
 */
export function resolveTargets(policy: LoadedPolicy, specs: string[] | undefined): ProbeTarget[] {
  const declared = policy.policy.endpoints.map((e) => ({
    host: e.host,
    port: e.port ?? DEFAULT_PORTS[e.transport],
    transport: e.transport as TransportName,
    public: e.public,
  }));
  const isDeclared = (ep: Endpoint) =>
    declared.some((d) => d.host === ep.host && d.port === ep.port && d.transport === ep.transport);
  let chosen: (Endpoint & { public: boolean })[];
  if (specs?.length) {
    chosen = specs.map((s) => {
      const ep = parseTargetSpec(s);
      return { ...ep, public: declared.find((d) => d.host === ep.host)?.public ?? true };
    });
    for (const c of chosen) {
      const why = forbidden(c.host);
      if (why) throw new HardlineError('HL_ERR_PROBE_SCOPE', `refusing to probe ${c.host}: it is ${why}`);
    }
    if (policy.file) {
      const outside = chosen.filter((c) => !inPolicyScope(policy.policy, c.host));
      if (outside.length)
        throw new HardlineError(
          'HL_ERR_PROBE_SCOPE',
          `refusing to probe ${[...new Set(outside.map((c) => c.host))].join(', ')}: not in the policy's scope`,
          [
            {
              message: `the policy ${path.basename(policy.file)} allows the hosts of its endpoints (${[...new Set(declared.map((d) => d.host))].join(', ') || 'none'})${policy.policy.probe.scope.length ? ` and probe.scope (${policy.policy.probe.scope.join(', ')})` : ''}`,
              hint: 'add the host to endpoints or to probe.scope in the policy if you are allowed to probe it',
            },
          ],
        );
    }
  } else {
    if (declared.length === 0)
      throw new HardlineError(
        'HL_ERR_PROBE_SCOPE',
        'nothing to probe: the policy declares no endpoints and no --target was given',
        [
          {
            message:
              'add endpoints to hardline.yaml, or name a target explicitly with --target HOST[:PORT][;transport=udp]',
          },
        ],
      );
    chosen = declared;
  }
  const out: ProbeTarget[] = [];
  for (const c of chosen) {
    const why = forbidden(c.host);
    if (why) throw new HardlineError('HL_ERR_PROBE_SCOPE', `refusing to probe ${c.host}: it is ${why}`);
    const t: ProbeTarget = { ...c, name: `${c.transport}:${c.host}:${c.port}`, declared: isDeclared(c) };
    if (!out.some((o) => o.name === t.name)) out.push(t);
  }
  return out;
}

class Pacer {
  private next = 0;
  constructor(private readonly perSecond: number) {}
  async wait(): Promise<void> {
    const now = performance.now();
    const at = Math.max(now, this.next);
    this.next = at + 1000 / this.perSecond;
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  }
}

export interface ProbeResult extends ReportData {
  command: 'probe';
  /** Checks that could not run fully, and why. */
  notes: { checkId: string; target: string; text: string }[];
}

export async function runProbe(o: ProbeOptions): Promise<ProbeResult> {
  const t0 = performance.now();
  const started = Date.now();
  const now = o.now ?? new Date();
  const policy = o.policy.policy;
  const targets = resolveTargets(o.policy, o.targets);
  const all = await loadChecks();
  const needMonitor = all.filter((c) => c.requires === 'monitor' && o.only?.includes(c.id) && !o.monitor);
  if (needMonitor.length)
    throw new HardlineError(
      'HL_ERR_USAGE',
      `${needMonitor.map((c) => c.id).join(', ')} needs --verify-logging --watch-db FILE (the monitoring to check)`,
    );
  const checks = (o.only ? all.filter((c) => o.only!.includes(c.id)) : all)
    .filter((c) => c.requires !== 'monitor' || o.monitor)
    .sort((a, b) => a.order - b.order);
  const budget = policy.probe.max_time * 1000;
  const remainingMs = () => Math.max(0, budget - (Date.now() - started));
  const pacer = new Pacer(policy.probe.rate);
  const redactor = new Redactor();
  const raw: Finding[] = [];
  const notes: ProbeResult['notes'] = [];
  const policyDir = o.policy.file ? path.dirname(o.policy.file) : process.cwd();
  const connectOptions = {
    timeoutMs: Math.min(3000, policy.probe.timeout_ms + 1000),
    ...(o.localAddress ? { localAddress: o.localAddress } : {}),
    ...(policy.probe.ca_file ? { tls: { ca: readCa(path.resolve(policyDir, policy.probe.ca_file)) } } : {}),
  };
  const hosts = [...new Set(targets.map((t) => t.host))];
  const declaredAll = resolveDeclared(o.policy);
  const ranOnDefaults = new Map<string, { ruleId: string; uses: PolicyPath[] }>();
  const skipped = new Map<string, { ruleId: string; uses: PolicyPath[] }>();
  const rulesRun = new Set<string>();
  const policySets = (p: PolicyPath) => o.policy.provided.has(p);
  const jobs: { check: ProbeCheck; target: ProbeTarget; hostTargets: ProbeTarget[] }[] = [];
  for (const check of checks) {
    if (check.policy && !check.policy.uses.some(policySets)) {
      if (check.policy.without === 'skip') {
        skipped.set(check.id, { ruleId: check.id, uses: check.policy.uses });
        continue;
      }
      ranOnDefaults.set(check.id, { ruleId: check.id, uses: check.policy.uses });
    }
    if (check.scope === 'host') {
      for (const h of hosts) {
        const ht = targets.filter((t) => t.host === h);
        jobs.push({ check, target: ht[0]!, hostTargets: ht });
      }
    } else {
      for (const t of targets)
        if (!check.transports || check.transports.includes(t.transport))
          jobs.push({ check, target: t, hostTargets: targets.filter((x) => x.host === t.host) });
    }
  }
  let i = 0;
  for (const job of jobs) {
    i++;
    const { check, target } = job;
    if (remainingMs() <= 0) {
      notes.push({
        checkId: check.id,
        target: target.name,
        text: 'not run: the time budget (probe.max_time) was used up',
      });
      continue;
    }
    o.progress?.(`[${i}/${jobs.length}] ${check.id} ${check.scope === 'host' ? target.host : target.name}`);
    rulesRun.add(check.id);
    const ctx: ProbeContext = {
      policy,
      policyDir,
      target,
      hostTargets: job.hostTargets,
      declaredForHost: declaredAll.filter((d) => d.host === target.host),
      connectOptions,
      pace: () => pacer.wait(),
      remainingMs,
      async open(ep) {
        await pacer.wait();
        return connect({ ...target, ...ep }, connectOptions);
      },
      client: (conn, co) => new SipClient(conn, co),
      report(r) {
        const message = formatMessage(check.messages[r.messageId] ?? `(${r.messageId})`, r.data);
        raw.push({
          ruleId: check.id,
          severity: r.severity ?? check.severity,
          step: check.step,
          title: check.title,
          message,
          target: r.target,
          source: check.scope === 'host' ? target.host : target.name,
          ...(r.evidence?.length ? { evidence: r.evidence } : {}),
          waived: false,
        });
      },
      note(text) {
        notes.push({ checkId: check.id, target: check.scope === 'host' ? target.host : target.name, text });
      },
      secret(v) {
        redactor.add(v);
      },
      ...(o.monitor ? { monitor: o.monitor } : {}),
    };
    try {
      await withDeadline(check.run(ctx), remainingMs() + 5000);
    } catch (e) {
      ctx.note(`check failed: ${(e as Error).message}`);
    }
  }
  o.progress?.('');
  const policyFile = o.policy.file ? path.basename(o.policy.file) : undefined;
  const applied = applyExceptions(raw, o.policy, now, policyFile);
  const findings = applied.findings.map((f) => redactor.finding(f)).sort(compareFindings);
  return {
    command: 'probe',
    root: targets.map((t) => t.name).join(', '),
    ...(policyFile ? { policyFile } : {}),
    generatedAt: now.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    sources: targets.map((t) => ({
      name: t.name,
      kind: `sip ${t.transport}`,
      path: `${t.host}:${t.port}`,
      files: [],
      blindSpots: notes
        .filter((n) => n.target === t.name || n.target === t.host)
        .map((n) => `${n.checkId}: ${redactor.text(n.text)}`),
    })),
    findings,
    diagnostics: [],
    rulesRun: [...rulesRun].sort(),
    ranOnDefaults: [...ranOnDefaults.values()],
    skipped: [...skipped.values()],
    rules: all,
    notes: notes.map((n) => ({ ...n, text: redactor.text(n.text) })),
  };
}

function resolveDeclared(p: LoadedPolicy): ProbeTarget[] {
  return p.policy.endpoints.map((e) => {
    const port = e.port ?? DEFAULT_PORTS[e.transport];
    return {
      host: e.host,
      port,
      transport: e.transport as TransportName,
      public: e.public,
      declared: true,
      name: `${e.transport}:${e.host}:${port}`,
    };
  });
}

function readCa(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new HardlineError('HL_ERR_PATH_NOT_FOUND', `probe.ca_file ${file}: ${(e as Error).message}`);
  }
}

async function withDeadline<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<undefined>((_, reject) => {
    timer = setTimeout(() => reject(new Error('exceeded the time budget')), ms);
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}
