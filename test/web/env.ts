import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { FakeNftExecutor } from '../../src/enforce/executor.js';
import { createBanManager } from '../../src/enforce/index.js';
import { renderText } from '../../src/enforce/nft.js';
import { generateRuleset } from '../../src/enforce/ruleset.js';
import { parsePolicy } from '../../src/policy/loader.js';
import type { Policy } from '../../src/policy/schema.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { Classifier } from '../../src/watch/classify.js';
import type { SecurityEvent } from '../../src/watch/event.js';
import type { Incident } from '../../src/watch/incident.js';
import { BanOutput } from '../../src/watch/outputs/bans.js';
import { Dashboard } from '../../src/web/server.js';
import { SqliteDashboardStore } from '../../src/web/store.js';

export const silent = pino({ level: 'silent' });

export const POLICY_YAML = (dir: string, extra = '') => `version: 1
site: Example dental practice
trunks: [{ name: carrier, addresses: [192.0.2.10] }]
networks: { lan: [192.168.1.0/24] }
security: { sip_tls: required, srtp: required }
firewall: { mode: enforce, state_dir: ${JSON.stringify(path.join(dir, 'state'))} }
detection:
  registration_network:
    accounts: [{ account: "10*", networks: [lan] }]
exceptions:
  - { rule: AST-SRTP-001, target: pjsip:endpoint/110, reason: Fax ATA cannot do SRTP, approver: M. Jones, expires: 2099-03-31 }
  - { rule: AST-RTP-001, target: rtp:range, reason: carrier needs the wide range, approver: IT contractor, expires: 2020-09-30 }
${extra}`;

/** Writes a tiny MaxMind database with MaxMind's Perl writer (Debian libmaxmind-db-writer-perl). */
export function makeMmdb(dir: string): string {
  const out = path.join(dir, 'test-geo.mmdb');
  const r = spawnSync('perl', [path.join(import.meta.dirname, 'make-mmdb.pl'), out], { encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`cannot write the test .mmdb (apt-get install libmaxmind-db-writer-perl): ${r.stderr}`);
  return out;
}

export function ev(
  kind: SecurityEvent['kind'],
  time: number,
  ip: string,
  over: Partial<SecurityEvent> = {},
): SecurityEvent {
  return {
    kind,
    time,
    source: { ip, port: 5060, transport: 'udp' },
    account: '101',
    pbx: 'pbx1',
    evidence: {
      raw: `${kind} from ${ip} at ${new Date(time).toISOString()}`,
      format: 'asterisk',
      decoder: 'test',
    },
    ...over,
  };
}

export function banIncident(source: string, time: number, events: SecurityEvent[]): Incident {
  return {
    id: `brute-force:${source}:${time}`,
    detector: 'brute-force',
    title: 'Password guessing from one source',
    severity: 'high',
    time,
    firstSeen: events[0]?.time ?? time,
    subject: { kind: 'source', source, key: source },
    summary: `${events.length} failed logins from ${source} within 300 s (accounts: 101)`,
    count: events.length,
    events,
    decision: { action: 'ban', source, reason: 'password guessing', duration: 3600 },
  };
}

export interface WebEnv {
  dir: string;
  policy: Policy;
  db: string;
  dashboard: Dashboard;
  token: string;
  securityEvents: SecurityEvent[];
  exec: FakeNftExecutor;
  bans: BanOutput;
  incident: Incident;
  cleanup(): Promise<void>;
}

/**
 * A dashboard over a seeded watch store: a week of normal registrations (baseline), a brute force
 * with its incident, inventory rows, and a ban manager on the fake nftables executor.
 */
export async function webEnv(
  o: { extraPolicy?: string; tls?: { cert: string; key: string } } = {},
): Promise<WebEnv> {
  const dir = mkdtempSync(path.join(tmpdir(), 'hl-web-'));
  const policyFile = path.join(dir, 'hardline.yaml');
  const policy = parsePolicy(POLICY_YAML(dir, o.extraPolicy ?? ''), policyFile).policy;
  const db = path.join(dir, 'watch.db');
  const now = Date.now();
  const store = new SqliteStore(db);
  // history: registrations every 30 min on each of the previous 8 days (baseline)
  for (let t = now - 8 * 86400_000; t < now - 3600_000; t += 1800_000)
    store.addEvent(ev('registration', t, '192.168.1.21', { userAgent: 'Yealink SIP-T54W 96.86.0.70' }));
  // inventory: one phone twice with different firmware, one over UDP from outside
  store.addEvent(
    ev('registration', now - 600_000, '192.168.1.21', { userAgent: 'Yealink SIP-T54W 96.86.0.75' }),
  );
  store.addEvent(
    ev('registration', now - 500_000, '198.51.100.10', {
      account: '103',
      source: { ip: '198.51.100.10', port: 40123, transport: 'udp' },
      userAgent: 'Zoiper rv2.10',
    }),
  );
  const attack = Array.from({ length: 10 }, (_, k) =>
    ev('auth-failure', now - 120_000 + k * 1000, '203.0.113.77'),
  );
  for (const e of attack) store.addEvent(e);
  const incident = banIncident('203.0.113.77', now - 110_000, attack);
  store.addIncident(incident);
  store.commit();
  store.close();

  const exec = new FakeNftExecutor();
  await exec.load(renderText(generateRuleset(policy).table));
  const { manager } = await createBanManager({
    policy,
    executor: exec,
    logger: silent,
    resolver: async () => [],
    host: [],
  });
  const bans = new BanOutput({ manager, logger: silent });
  const securityEvents: SecurityEvent[] = [];
  const classifier = new Classifier(policy);
  const { dashboard, createdToken } = await Dashboard.create({
    policy,
    baseDir: dir,
    store: new SqliteDashboardStore(db),
    tokenFile: path.join(policy.firewall.state_dir, 'web-token.json'),
    logger: silent,
    securityEvent: (e) => securityEvents.push(e),
    classify: (ip) => classifier.classify(ip),
    bans,
    ...(o.tls ? { tls: o.tls } : {}),
    tickMs: 200,
  });
  return {
    dir,
    policy,
    db,
    dashboard,
    token: createdToken!,
    securityEvents,
    exec,
    bans,
    incident,
    async cleanup() {
      await bans.close();
      await dashboard.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Logs in through the form; returns the session cookie and the CSRF token. */
export async function login(d: Dashboard, token: string): Promise<{ cookie: string; csrf: string }> {
  const r = await d.app.inject({
    method: 'POST',
    url: '/login',
    headers: { 'content-type': 'application/json' },
    payload: { token },
  });
  if (r.statusCode !== 200) throw new Error(`login failed: ${r.statusCode} ${r.body}`);
  const set = r.cookies.find((c) => c.name.endsWith('hl_session'))!;
  return { cookie: `${set.name}=${set.value}`, csrf: (r.json() as { csrf: string }).csrf };
}
