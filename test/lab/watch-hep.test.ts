import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { ROOT } from '../helpers.js';
import { type Lab, labPrerequisites, SKIP_LAB, withLab } from './helper.js';

/**
 * hardline watch against real components: Kamailio (weak lab profile, account 2000 with digest
 * auth) mirrors every SIP message as HEP v3 (siptrace) to `hardline watch --hep` in the sip
 * namespace. svwar enumerates from `outside`, svcrack guesses account 2000's password from a
 * second outside namespace, and sipp registers the legitimate phone (account 2000, the right
 * password) from `inside`. The same traffic is captured with tcpdump and tshark, and the
 * captures are replayed with `hardline backtest --pcap`.
 */
const missing = SKIP_LAB
  ? undefined
  : (labPrerequisites() ??
    ['svcrack', 'tcpdump', 'tshark']
      .filter((b) => spawnSync('sh', ['-c', `command -v ${b}`]).status !== 0)
      .map(
        (b) =>
          `the watch lab test needs '${b}' (install the packages in .ci/apt-packages); set HARDLINE_SKIP_LAB=1 to skip it explicitly`,
      )[0]);
const opts = SKIP_LAB ? { skip: 'HARDLINE_SKIP_LAB=1' } : {};

const BIN = path.join(ROOT, 'bin', 'hardline.js');
const OUTSIDE = '198.18.1.2';
const CRACKER = '198.18.3.2';
const PHONE = '198.18.2.2';
const HEP_ADDR = '198.18.2.1';
const PHONE_UA = 'Yealink SIP-T46U 66.86.0.15';

/** A process in a namespace whose stderr/stdout are collected; `ready` waits for a pattern. */
function bg(ns: string, cmd: string, args: string[], cwd: string) {
  const p = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout!.on('data', (d) => {
    out += d;
  });
  p.stderr!.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
  return {
    p,
    get out() {
      return out;
    },
    exited,
    async ready(re: RegExp, ms = 20_000) {
      const end = Date.now() + ms;
      while (!re.test(out)) {
        if (Date.now() > end || p.exitCode !== null) throw new Error(`${cmd} not ready: ${out.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM', ms = 15_000) {
      if (p.exitCode === null) p.kill(signal);
      const t = setTimeout(() => p.kill('SIGKILL'), ms);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}

function sh(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

/** A second outside namespace (198.18.3.2) attached to the sip namespace: one attacker per namespace. */
function addAttackerNs(lab: Lab): { ns: string; remove(): void } {
  const ns = `hlx-${lab.id}`;
  const a = `vx${lab.id}`;
  const b = `vy${lab.id}`;
  const sip = `hls-${lab.id}`;
  sh('ip', ['netns', 'add', ns]);
  const remove = () => {
    spawnSync('ip', ['netns', 'del', ns]);
  };
  try {
    sh('ip', ['link', 'add', a, 'type', 'veth', 'peer', 'name', b]);
    sh('ip', ['link', 'set', a, 'netns', ns]);
    sh('ip', ['link', 'set', b, 'netns', sip]);
    sh('ip', ['-n', ns, 'addr', 'add', `${CRACKER}/24`, 'dev', a]);
    sh('ip', ['-n', sip, 'addr', 'add', '198.18.3.1/24', 'dev', b]);
    for (const [n, d] of [
      [ns, 'lo'],
      [ns, a],
      [sip, b],
    ] as const)
      sh('ip', ['-n', n, 'link', 'set', d, 'up']);
    sh('ip', ['-n', ns, 'route', 'add', 'default', 'via', '198.18.3.1']);
  } catch (e) {
    remove();
    throw e;
  }
  return { ns, remove };
}

interface JsonIncident {
  detector: string;
  subject: { source?: string };
  sources?: string[];
  decision: { action: string; source?: string };
  events: { source?: { ip: string }; evidence: { format: string } }[];
}

const involves = (i: JsonIncident, ip: string) =>
  i.decision.source === ip || i.subject.source === ip || (i.sources ?? []).includes(ip);

function backtest(policy: string, pcap: string) {
  const r = spawnSync(
    process.execPath,
    [BIN, 'backtest', '--policy', policy, '--pcap', pcap, '--format', 'json'],
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as {
    incidents: JsonIncident[];
    wouldBan: { source: string; decision: string }[];
    eventsByKind: Record<string, number>;
    pcap: { pcap: { frames: number; sipMessages: number; hepPackets: number } }[];
  };
}

describe('lab: hardline watch over HEP from Kamailio, attacked by svwar and svcrack', {
  timeout: 600_000,
}, () => {
  it('prerequisites: root, the lab packages, svcrack, tcpdump, tshark (or HARDLINE_SKIP_LAB=1)', opts, () => {
    assert.equal(missing, undefined, missing);
  });

  it(
    'enumeration and brute force name the attackers; nothing against the phone; its registration is in the inventory; real captures replay the same',
    opts,
    async () => {
      assert.equal(missing, undefined, missing);
      await withLab(
        'weak',
        async (lab) => {
          const sipNs = `hls-${lab.id}`;
          const attacker2 = addAttackerNs(lab);
          const procs: ReturnType<typeof bg>[] = [];
          try {
            const policy = lab.policy(
              `version: 1\nsite: lab-watch\nendpoints:\n  - { host: ${lab.sip}, transport: udp, port: 5060 }\n`,
            );
            const files = {
              db: path.join(lab.dir, 'watch.db'),
              jsonl: path.join(lab.dir, 'incidents.jsonl'),
              sip: path.join(lab.dir, 'sip.pcap'),
              hep: path.join(lab.dir, 'hep.pcap'),
              outside: path.join(lab.dir, 'outside.pcapng'),
            };
            // real captures: SIP on every interface (classic pcap, ns timestamps, Linux cooked v2),
            // the HEP mirror on loopback (Ethernet), the outside link with tshark (pcapng)
            const cap1 = bg(
              sipNs,
              'tcpdump',
              [
                '-i',
                'any',
                '-U',
                '-Z',
                'root',
                '--time-stamp-precision=nano',
                '-w',
                files.sip,
                'udp port 5060 and not udp port 9060',
              ],
              lab.dir,
            );
            const cap2 = bg(
              sipNs,
              'tcpdump',
              ['-i', 'lo', '-U', '-Z', 'root', '-w', files.hep, 'udp port 9060'],
              lab.dir,
            );
            const cap3 = bg(
              sipNs,
              'tshark',
              ['-i', `vs${lab.id}`, '-f', 'udp port 5060', '-w', files.outside],
              lab.dir,
            );
            procs.push(cap1, cap2, cap3);
            const watch = bg(
              sipNs,
              process.execPath,
              [
                BIN,
                'watch',
                '--policy',
                policy,
                '--hep',
                `udp://${HEP_ADDR}:9060`,
                '--db',
                files.db,
                '--jsonl',
                files.jsonl,
                '--events',
                '--pbx',
                'lab-kamailio',
              ],
              lab.dir,
            );
            procs.push(watch);
            await Promise.all([
              cap1.ready(/listening on any/),
              cap2.ready(/listening on lo/),
              cap3.ready(/Capturing on/),
              watch.ready(/HEP listener ready/),
            ]);

            const phone = () => {
              const r = spawnSync(
                'ip',
                [
                  'netns',
                  'exec',
                  `hli-${lab.id}`,
                  'sipp',
                  '-sf',
                  path.join(ROOT, 'lab', 'sipp', 'register-auth.xml'),
                  '-s',
                  '2000',
                  '-au',
                  '2000',
                  '-ap',
                  lab.password,
                  '-i',
                  PHONE,
                  '-p',
                  '5070',
                  '-m',
                  '1',
                  '-nostdin',
                  '-timeout',
                  '20s',
                  '-timeout_error',
                  `${lab.sip}:5060`,
                ],
                { cwd: lab.dir, encoding: 'utf8', timeout: 30_000 },
              );
              assert.equal(r.status, 0, `the phone registers: ${r.stdout.slice(-1500)}${r.stderr}`);
            };
            phone();
            const svwar = lab.run('svwar', ['-e1000-1012', '-m', 'REGISTER', lab.sip], {}, 120_000);
            assert.match(svwar.out, /\|\s*1000\s*\|/, `svwar ran: ${svwar.out}${svwar.err}`);
            writeFileSync(
              path.join(lab.dir, 'guesses.txt'),
              `${Array.from({ length: 15 }, (_, i) => `guess${i}`).join('\n')}\n`,
            );
            const crack = spawnSync(
              'ip',
              [
                'netns',
                'exec',
                attacker2.ns,
                'svcrack',
                '-u',
                '2000',
                '-d',
                path.join(lab.dir, 'guesses.txt'),
                lab.sip,
              ],
              { cwd: lab.dir, encoding: 'utf8', timeout: 120_000 },
            );
            assert.equal(crack.status, 0, crack.stderr);
            phone(); // and the phone keeps working
            await new Promise((r) => setTimeout(r, 1000));
            assert.equal(await watch.stop(), 0, watch.out.slice(-3000));
            for (const c of [cap1, cap2, cap3]) await c.stop('SIGINT');

            // --- what watch saw over HEP
            const incidents = readFileSync(files.jsonl, 'utf8')
              .split('\n')
              .filter(Boolean)
              .map((l) => JSON.parse(l) as JsonIncident & { type: string })
              .filter((o) => o.type === 'incident');
            const by = (d: string) => incidents.filter((i) => i.detector === d);
            assert.ok(
              by('enumeration').some((i) => i.decision.source === OUTSIDE && i.decision.action === 'ban'),
              `enumeration names svwar's address: ${JSON.stringify(incidents.map((i) => [i.detector, i.decision]))}`,
            );
            assert.ok(
              by('brute-force').some((i) => i.decision.source === CRACKER && i.decision.action === 'ban'),
              `brute force names svcrack's address: ${JSON.stringify(incidents.map((i) => [i.detector, i.decision]))}`,
            );
            for (const i of incidents) {
              assert.ok(!involves(i, PHONE), `nothing against the phone: ${JSON.stringify(i.decision)}`);
              for (const e of i.events) assert.equal(e.evidence.format, 'hep-sip');
            }
            const db = new Database(files.db, { readonly: true });
            try {
              const eps = db
                .prepare(
                  'SELECT account, source_ip AS ip, transport, user_agent AS ua, pbx FROM endpoints WHERE source_ip = ?',
                )
                .all(PHONE);
              assert.deepEqual(eps, [
                { account: '2000', ip: PHONE, transport: 'udp', ua: PHONE_UA, pbx: 'lab-kamailio' },
              ]);
              const kinds = db
                .prepare(
                  'SELECT kind, count(*) AS n FROM events WHERE source_ip = ? GROUP BY kind ORDER BY kind',
                )
                .all(CRACKER) as { kind: string; n: number }[];
              assert.ok(
                kinds.some((k) => k.kind === 'auth-failure' && k.n >= 10),
                `svcrack's wrong passwords are auth failures: ${JSON.stringify(kinds)}`,
              );
              const dump = JSON.stringify(db.prepare('SELECT data FROM events').all());
              assert.ok(!dump.includes(lab.password), 'the password never reaches the store');
            } finally {
              db.close();
            }
            assert.ok(
              !watch.out.includes(lab.password) && !readFileSync(files.jsonl, 'utf8').includes(lab.password),
            );

            // --- the same traffic from real capture files
            const head = (f: string) => readFileSync(f).subarray(0, 4).toString('hex');
            assert.equal(head(files.sip), '4d3cb2a1', 'tcpdump wrote a nanosecond pcap');
            assert.equal(head(files.outside), '0a0d0d0a', 'tshark wrote pcapng');
            for (const f of [files.sip, files.hep]) {
              const r = backtest(policy, f);
              const bans = Object.fromEntries(r.wouldBan.map((w) => [w.source, w.decision]));
              assert.equal(bans[OUTSIDE], 'ban', `${f}: ${JSON.stringify(r.wouldBan)}`);
              assert.equal(bans[CRACKER], 'ban', `${f}: ${JSON.stringify(r.wouldBan)}`);
              assert.equal(bans[PHONE], undefined);
              assert.ok(r.incidents.every((i) => !involves(i, PHONE)));
              assert.equal(r.eventsByKind['registration'], 2, `${f}: the phone registered twice`);
              assert.ok(r.pcap[0]!.pcap.sipMessages > 50);
            }
            assert.ok(
              backtest(policy, files.hep).pcap[0]!.pcap.hepPackets > 50,
              'the loopback capture holds HEP',
            );
            const outside = backtest(policy, files.outside);
            assert.deepEqual(
              outside.wouldBan.map((w) => [w.source, w.decision]),
              [[OUTSIDE, 'ban']],
              'the outside link only carries svwar',
            );
          } finally {
            for (const p of procs) await p.stop('SIGKILL', 2000).catch(() => undefined);
            attacker2.remove();
          }
        },
        { env: { LAB_HEP: `sip:${HEP_ADDR}:9060` } },
      );
    },
  );
});
