import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { ROOT } from '../helpers.js';
import { type Lab, labPrerequisites, SKIP_LAB, withLab } from './helper.js';

/**
 * Enforcement against real components, in the lab's network namespaces: the ruleset generated
 * from a lab policy (firewall.mode: enforce) is loaded with the real nft in Kamailio's namespace,
 * `hardline watch --hep --ban` runs there on Kamailio's siptrace mirror, and
 * - svcrack from `outside` guessing account 2000's password is cut off after the brute-force
 *   threshold: the guesses that got through are counted on the attacker's wire (tcpdump, read
 *   with tshark) and in what watch saw over HEP;
 * - the phone (sipp with digest auth from `inside`) registers again and again during the attack;
 * - REGISTERs with wrong credentials whose IP source is the trunk's address (sent from `outside`
 *   through a raw socket: Kamailio's answers go to the real trunk namespace) raise a brute-force
 *   incident that the ban manager refuses and logs; the trunk never enters the ban set;
 * - the ban expires on its short ladder step, a relapse gets the next step;
 * - AMI (5038) and SSH (22) listeners in Kamailio's namespace are closed to `outside`, `inside`
 *   and the trunk, and open to the management network.
 */
const missing = SKIP_LAB
  ? undefined
  : (labPrerequisites() ??
    ['svcrack', 'tcpdump', 'tshark', 'nft', 'python3']
      .filter((b) => spawnSync('sh', ['-c', `command -v ${b}`]).status !== 0)
      .map(
        (b) =>
          `the enforcement lab test needs '${b}' (install the packages in .ci/apt-packages); set HARDLINE_SKIP_LAB=1 to skip it explicitly`,
      )[0]);
const opts = SKIP_LAB ? { skip: 'HARDLINE_SKIP_LAB=1' } : {};

const BIN = path.join(ROOT, 'bin', 'hardline.js');
const PEER = path.join(ROOT, 'test', 'enforce', 'netns-peer.mjs');
const SIP_TOOL = path.join(ROOT, 'test', 'lab', 'sip-tool.py');
const OUTSIDE = '198.18.1.2';
const PHONE = '198.18.2.2';
const TRUNK = '198.18.4.10';
const MGMT = '198.18.9.2';
const HEP_ADDR = '198.18.2.1';
const FAILURES = 5;
const LADDER = [10, 20];

function sh(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** A process in a namespace with its output collected; `ready` waits for a pattern. */
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
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM', ms = 15_000) {
      if (p.exitCode === null && p.signalCode === null) p.kill(signal);
      const t = setTimeout(() => p.kill('SIGKILL'), ms);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}

/** A namespace joined to Kamailio's by a veth pair: `addr` on its side, `gw` on Kamailio's. */
function attachNs(lab: Lab, tag: string, addr: string, gw: string): { ns: string; remove(): void } {
  const ns = `hl${tag}-${lab.id}`;
  const a = `v${tag}${lab.id}`;
  const b = `w${tag}${lab.id}`;
  const sip = `hls-${lab.id}`;
  sh('ip', ['netns', 'add', ns]);
  const remove = () => {
    spawnSync('ip', ['netns', 'del', ns]);
  };
  try {
    sh('ip', ['link', 'add', a, 'netns', ns, 'type', 'veth', 'peer', 'name', b, 'netns', sip]);
    sh('ip', ['-n', ns, 'addr', 'add', `${addr}/24`, 'dev', a]);
    sh('ip', ['-n', sip, 'addr', 'add', `${gw}/24`, 'dev', b]);
    for (const [n, d] of [
      [ns, 'lo'],
      [ns, a],
      [sip, b],
    ] as const)
      sh('ip', ['-n', n, 'link', 'set', d, 'up']);
    sh('ip', ['-n', ns, 'route', 'add', 'default', 'via', gw]);
  } catch (e) {
    remove();
    throw e;
  }
  return { ns, remove };
}

/** Runs a command and resolves with its exit code and output (never blocks the event loop). */
function run(cmd: string, args: string[], timeoutMs = 30_000, cwd?: string) {
  return new Promise<{ code: number | null; out: string }>((resolve) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.stderr.on('data', (d) => {
      out += d;
    });
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, out });
    });
  });
}

const hardline = (args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

const logRecords = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** Frames of a capture matching a tshark display filter. */
function tsharkCount(file: string, filter: string): number {
  const out = sh('tshark', ['-n', '-r', file, '-Y', filter, '-T', 'fields', '-e', 'frame.number']);
  return out.split('\n').filter(Boolean).length;
}

describe('lab: enforcement with nftables (firewall --apply, watch --hep --ban) against svcrack', {
  timeout: 600_000,
}, () => {
  it(
    'prerequisites: root, the lab packages, svcrack, tcpdump, tshark, nft, python3 (or HARDLINE_SKIP_LAB=1)',
    opts,
    () => {
      assert.equal(missing, undefined, missing);
    },
  );

  it(
    'svcrack cut off after the threshold, the phone unaffected, the trunk never banned despite spoofed failures, bans expire, AMI/SSH only from mgmt',
    opts,
    async () => {
      assert.equal(missing, undefined, missing);
      await withLab(
        'weak',
        async (lab) => {
          const sipNs = `hls-${lab.id}`;
          const trunk = attachNs(lab, 't', TRUNK, '198.18.4.1');
          const mgmt = attachNs(lab, 'm', MGMT, '198.18.9.1');
          const procs: ReturnType<typeof bg>[] = [];
          try {
            const stateDir = path.join(lab.dir, 'state');
            const policy = lab.policy(
              [
                'version: 1',
                'site: lab (enforce)',
                'endpoints:',
                `  - { name: kamailio, host: ${lab.sip}, transport: udp, port: 5060 }`,
                `trunks: [{ name: lab-carrier, addresses: [${TRUNK}] }]`,
                'networks: { lan: [198.18.2.0/24], mgmt: [198.18.9.0/24] }',
                'rtp: { start: 10000, end: 20000 }',
                'firewall:',
                '  mode: enforce',
                `  state_dir: ${JSON.stringify(stateDir)}`,
                `  bans: { ladder: [${LADDER.map((s) => `${s}s`).join(', ')}] }`,
                'detection:',
                `  ban: ${LADDER[0]}s`,
                `  brute_force: { failures: ${FAILURES}, window: 10s }`,
                // svcrack announces itself (friendly-scanner), which bans it at its first request:
                // off here, so the password-guessing threshold is what cuts it off
                '  scanner: { enabled: false }',
              ].join('\n'),
            );
            const db = path.join(lab.dir, 'watch.db');
            const reach = (ns: string, host: string, port: number) =>
              spawnSync('ip', [
                'netns',
                'exec',
                ns,
                process.execPath,
                PEER,
                'probe',
                'tcp',
                host,
                String(port),
                '-',
                '700',
              ]).status === 0;
            const sipPing = (ns: string) =>
              spawnSync('ip', ['netns', 'exec', ns, 'python3', SIP_TOOL, 'ping', lab.sip, '1'], {
                encoding: 'utf8',
                timeout: 10_000,
              });
            const ban4 = () =>
              sh('ip', ['netns', 'exec', sipNs, 'nft', 'list', 'set', 'inet', 'hardline', 'ban4']);

            // --- management listeners (SSH, AMI) in Kamailio's namespace, open before the ruleset
            const listeners = bg(sipNs, process.execPath, [PEER, 'serve', 'tcp:22,tcp:5038'], lab.dir);
            procs.push(listeners);
            await listeners.ready(/ready/);
            assert.ok(reach(lab.outside, lab.sip, 5038) && reach(lab.outside, lab.sip, 22), 'open before');

            // --- the ruleset from the policy, loaded in Kamailio's namespace
            const printed = hardline(['firewall', '--policy', policy]);
            assert.equal(printed.code, 0, printed.err);
            assert.match(printed.out, /ip saddr @ban4 counter drop/);
            const applied = hardline([
              'firewall',
              '--apply',
              '--confirm-timeout',
              '0',
              '--policy',
              policy,
              '--netns',
              sipNs,
            ]);
            assert.equal(applied.code, 0, applied.err);
            for (const port of [22, 5038]) {
              assert.equal(reach(lab.outside, lab.sip, port), false, `${port} from outside`);
              assert.equal(reach(`hli-${lab.id}`, '198.18.2.1', port), false, `${port} from inside (lan)`);
              assert.equal(reach(trunk.ns, '198.18.4.1', port), false, `${port} from the trunk`);
              assert.ok(reach(mgmt.ns, '198.18.9.1', port), `${port} from the management network`);
            }
            assert.match(sipPing(lab.outside).stdout, /^SIP\/2\.0 200/, 'public SIP stays open');

            // --- watch on the HEP mirror, enforcing
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
                db,
                '--ban',
                '--pbx',
                'lab-kamailio',
              ],
              lab.dir,
            );
            procs.push(watch);
            await watch.ready(/HEP listener ready/);
            assert.match(watch.out, /"tableLoaded":true,"msg":"bans: enforcing in table inet hardline"/);

            // --- spoofed failures in the trunk's name
            const spoof = spawnSync(
              'ip',
              [
                'netns',
                'exec',
                lab.outside,
                'python3',
                SIP_TOOL,
                'spoof',
                lab.sip,
                TRUNK,
                '2000',
                String(FAILURES * 3),
              ],
              { encoding: 'utf8', timeout: 30_000 },
            );
            assert.equal(spoof.status, 0, spoof.stderr);
            await watch.ready(/"event":"ban_refused","address":"198\.18\.4\.10"/);
            const refusal = logRecords(watch.out).find((r) => r['event'] === 'ban_refused')!;
            assert.equal(refusal['reason'], 'allowlisted');
            assert.equal(refusal['detail'], 'trunk lab-carrier');
            assert.ok(!ban4().includes(TRUNK), 'the trunk is not in the ban set');
            assert.match(sipPing(trunk.ns).stdout, /^SIP\/2\.0 200/, 'the trunk still reaches Kamailio');

            // --- the phone registers from inside every 300 ms while svcrack runs
            const phoneResults: number[] = [];
            let phoneOn = true;
            const phoneLoop = (async () => {
              while (phoneOn) {
                const r = await run(
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
                    '10s',
                    '-timeout_error',
                    `${lab.sip}:5060`,
                  ],
                  20_000,
                  lab.dir,
                );
                phoneResults.push(r.code ?? -1);
                await new Promise((res) => setTimeout(res, 300));
              }
            })();

            // --- svcrack from outside, its wire captured on the outside interface
            const pcap = path.join(lab.dir, 'outside.pcap');
            const cap = bg(
              lab.outside,
              'tcpdump',
              ['-i', `vo${lab.id}`, '-U', '-w', pcap, 'udp port 5060'],
              lab.dir,
            );
            procs.push(cap);
            await cap.ready(/listening on/);
            writeFileSync(
              path.join(lab.dir, 'guesses.txt'),
              `${Array.from({ length: 500 }, (_, i) => `wrong-guess-${i}`).join('\n')}\n`,
            );
            const crack = bg(
              lab.outside,
              'svcrack',
              ['-u', '2000', '-d', path.join(lab.dir, 'guesses.txt'), '--maximumtime', '3', lab.sip],
              lab.dir,
            );
            procs.push(crack);
            const started = Date.now();
            await watch.ready(/"event":"ban","address":"198\.18\.1\.2"/, 30_000);
            const banAt = Date.now();
            // svcrack keeps trying against the ban for a while
            await new Promise((r) => setTimeout(r, 1500));
            await crack.stop('SIGTERM', 3000);
            await new Promise((r) => setTimeout(r, 300));
            await cap.stop('SIGINT');
            phoneOn = false;
            await phoneLoop;

            const banLog = logRecords(watch.out).find((r) => r['event'] === 'ban')!;
            assert.equal(banLog['address'], OUTSIDE);
            assert.equal(banLog['durationSec'], LADDER[0]);
            assert.equal(banLog['offence'], 1);
            assert.match(ban4(), /198\.18\.1\.2 timeout 10s expires/);
            const listed = hardline([
              'ban',
              'list',
              '--policy',
              policy,
              '--netns',
              sipNs,
              '--format',
              'json',
            ]);
            assert.equal(listed.code, 0, listed.err);
            const bans = JSON.parse(listed.out) as {
              tableLoaded: boolean;
              bans: { address: string; origin: string; live: number | null }[];
            };
            assert.ok(bans.tableLoaded);
            assert.deepEqual(
              bans.bans.map((b) => [b.address, b.origin, b.live !== null]),
              [[OUTSIDE, 'incident', true]],
            );

            // --- how many guesses got through before the cut-off
            const sent = tsharkCount(
              pcap,
              'ip.src == 198.18.1.2 && sip.Method == "REGISTER" && sip.Authorization',
            );
            const answered = tsharkCount(
              pcap,
              'ip.dst == 198.18.1.2 && sip.Status-Code && sip.CSeq.seq == 2',
            );
            const allSent = tsharkCount(pcap, 'ip.src == 198.18.1.2 && sip.Method == "REGISTER"');
            const d = new Database(db, { readonly: true });
            const hep = d
              .prepare("SELECT count(*) AS n FROM events WHERE source_ip = ? AND kind = 'auth-failure'")
              .get(OUTSIDE) as { n: number };
            const history = d
              .prepare('SELECT action, address, detail FROM ban_history ORDER BY id')
              .all() as {
              action: string;
              address: string;
              detail: string;
            }[];
            d.close();
            const summary = `guesses sent ${sent}, answered ${answered}, seen over HEP ${hep.n}; REGISTERs sent ${allSent}; ban ${banAt - started} ms after svcrack started; phone registrations during the attack: ${phoneResults.length}`;
            process.stderr.write(`# enforcement lab: ${summary}\n`);
            assert.ok(hep.n >= FAILURES && hep.n <= FAILURES + 10, `HEP: ${summary}`);
            assert.ok(answered >= FAILURES && answered <= FAILURES + 10, `sender side: ${summary}`);
            assert.ok(Math.abs(answered - hep.n) <= 1, `both sides agree: ${summary}`);
            assert.ok(allSent > answered + 50, `svcrack kept sending into the ban: ${summary}`);
            assert.ok(!crack.out.includes('The password for'), 'svcrack found nothing');
            assert.deepEqual(
              history.map((h) => [h.action, h.address]),
              [
                ['refused', TRUNK],
                ['banned', OUTSIDE],
              ],
            );

            // --- the phone kept working
            assert.ok(phoneResults.length >= 3, `the phone registered during the attack: ${phoneResults}`);
            assert.deepEqual(
              phoneResults.filter((c) => c !== 0),
              [],
              `every registration succeeded: ${phoneResults}`,
            );

            // --- the ban expires on its own (nft element timeout), then a relapse escalates
            assert.match(
              sipPing(lab.outside).stdout,
              /no answer/,
              'banned: Kamailio does not answer outside',
            );
            const expiresBy = banAt + LADDER[0]! * 1000 + 4000;
            while (ban4().includes(OUTSIDE) && Date.now() < expiresBy)
              await new Promise((r) => setTimeout(r, 250));
            assert.ok(!ban4().includes(OUTSIDE), 'the element expired from the set');
            assert.match(sipPing(lab.outside).stdout, /^SIP\/2\.0 200/, 'outside reaches Kamailio again');
            assert.match(
              hardline(['ban', 'list', '--policy', policy, '--netns', sipNs]).out,
              /no active bans/,
            );
            const again = bg(
              lab.outside,
              'svcrack',
              ['-u', '2000', '-d', path.join(lab.dir, 'guesses.txt'), '--maximumtime', '2', lab.sip],
              lab.dir,
            );
            procs.push(again);
            await watch.ready(/"event":"ban","address":"198\.18\.1\.2".*"offence":2/, 30_000);
            await again.stop('SIGTERM', 3000);
            const second = logRecords(watch.out).filter((r) => r['event'] === 'ban')[1]!;
            assert.equal(second['durationSec'], LADDER[1], 'the second offence gets the next ladder step');
            assert.match(ban4(), /198\.18\.1\.2 timeout 20s expires/);
            assert.ok(!ban4().includes(TRUNK));

            assert.equal(await watch.stop(), 0, watch.out.slice(-3000));
            assert.ok(!watch.out.includes(lab.password), 'the password never reaches the log');
            assert.ok(!readFileSync(path.join(stateDir, 'bans.json'), 'utf8').includes(TRUNK));
          } finally {
            for (const p of procs) await p.stop('SIGKILL', 2000).catch(() => undefined);
            trunk.remove();
            mgmt.remove();
          }
        },
        { env: { LAB_HEP: `sip:${HEP_ADDR}:9060` } },
      );
    },
  );
});
