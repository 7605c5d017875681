// Enforcement benchmark: how fast a threshold crossing becomes an element in the nft set, and how
// many guesses an attacker gets before the cut-off, for hardline and for fail2ban's asterisk jail.
//
//   sudo npm run bench:enforce -- [--bans 200] [--runs 3] [--gap 1000] [--no-fail2ban] [--no-lab]
//
// Everything real: nft in network namespaces created here (unique names, deleted at the end, also
// on failure), `hardline watch --ban` and `fail2ban-server` as processes, `nft monitor` timing
// the moment an element enters a set. Nothing touches the host's own ruleset.
//
// 1. Latency (p50/p99 over --bans bans, one attacker after the other): the time from sending the
//    event that crosses the threshold (the 10th failed login) to the element in the set, for
//    - hardline over HEP (REGISTER with credentials / 401 pairs, as Kamailio's siptrace sends them),
//    - hardline tailing an Asterisk log (the same NOTICE lines fail2ban reads),
//    - fail2ban 1.0 (Debian), asterisk jail, nftables-multiport, pyinotify backend, same log lines.
// 2. Guesses before the cut-off on one recorded svcrack attack: svcrack runs once in the lab
//    (Kamailio, weak profile, no firewall) while tcpdump records it; the recording is replayed
//    with its real timing to each tool (SIP as HEP to hardline; Asterisk lines, one per
//    rejected guess, to hardline's tail and to fail2ban). Guesses before the cut-off = guesses the
//    recording shows before the ban element appeared. (In a live attack the firewall's per-source
//    rate limit slows svcrack further; the replay leaves that out, for both tools alike.)

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { encodeHep } from '../src/hep/codec.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'bin', 'hardline.js');
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const BANS = Math.min(arg('bans', 200), 2000);
const RUNS = Math.min(arg('runs', 3), 10);
// idle time before each attacker (uniform 0..GAP ms): attacks arrive at random moments, not in step
// with a tool's internal polling (fail2ban's actions thread polls for tickets every 0.2..2 s)
const GAP = Math.min(arg('gap', 1000), 10_000);
const WITH_F2B = !process.argv.includes('--no-fail2ban');
const WITH_LAB = !process.argv.includes('--no-lab');
const THRESHOLD = 10; // fail2ban's asterisk jail (maxretry 10) and hardline's default (brute_force.failures 10)
const PBX = '198.18.1.1';

if (process.getuid?.() !== 0) {
  console.error('bench:enforce needs root (network namespaces, nft)');
  process.exit(2);
}
for (const b of [
  'ip',
  'nft',
  'stdbuf',
  ...(WITH_F2B ? ['fail2ban-server'] : []),
  ...(WITH_LAB ? ['svcrack', 'tcpdump', 'tshark', 'kamailio'] : []),
])
  if (spawnSync('sh', ['-c', `command -v ${b}`]).status !== 0) {
    console.error(`bench:enforce needs ${b} (see .ci/apt-packages)`);
    process.exit(2);
  }

const id = randomBytes(3).toString('hex');
const loadAtStart = spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' })
  .stdout.split(' ')
  .slice(0, 3)
  .join(' ');
const startedAt = new Date();
const F2B = WITH_F2B
  ? `fail2ban ${spawnSync('fail2ban-server', ['-V'], { encoding: 'utf8' }).stdout.split('\n')[0]?.trim()}`
  : '';
let f2bBackend = '?';
const work = mkdtempSync(path.join(tmpdir(), `hl-bench-enforce-${id}-`));
const namespaces: string[] = [];
const children: ChildProcess[] = [];
let lab: { id: string; dir: string } | undefined;
function cleanup() {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const ns of namespaces) {
    for (const pid of spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter(Boolean))
      spawnSync('kill', ['-9', pid]);
    spawnSync('ip', ['netns', 'del', ns]);
  }
  if (lab)
    spawnSync('bash', [path.join(ROOT, 'lab', 'lab.sh'), 'down', lab.id, lab.dir], { stdio: 'ignore' });
  rmSync(work, { recursive: true, force: true });
}
process.on('exit', cleanup);
// a failure anywhere (also a rejected top-level await) still tears everything down
for (const ev of ['uncaughtException', 'unhandledRejection'] as const)
  process.on(ev, (e) => {
    console.error(e);
    process.exit(1);
  });
for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, () => process.exit(130));

function sh(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 256 * 1024 * 1024,
    ...(input ? { input } : {}),
  });
  if (r.status !== 0)
    throw new Error(
      `${cmd} ${args.join(' ')}: ${r.error?.message ?? ''} ${`${r.stderr}${r.stdout}`.slice(-2000)}`,
    );
  return r.stdout;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.timeOrigin + performance.now();

function newNs(tag: string): string {
  const ns = `hlb${tag}${id}`;
  sh('ip', ['netns', 'add', ns]);
  namespaces.push(ns);
  sh('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
  return ns;
}

/** `nft monitor new elements` in a namespace: the time each address entered a set. */
function monitor(ns: string) {
  const p = spawn('ip', ['netns', 'exec', ns, 'stdbuf', '-oL', 'nft', 'monitor', 'new', 'elements'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(p);
  const seen = new Map<string, number>();
  const waiters = new Map<string, (t: number) => void>();
  createInterface({ input: p.stdout! }).on('line', (l) => {
    const t = now();
    const m = /^add element inet \S+ (\S+) \{ ([^ ]+)/.exec(l);
    if (!m) return;
    for (const addr of m[2]!.split(',')) {
      const a = addr.trim();
      if (!seen.has(a)) seen.set(a, t);
      waiters.get(a)?.(t);
      waiters.delete(a);
    }
  });
  return {
    seen,
    wait(addr: string, ms: number): Promise<number | undefined> {
      const t = seen.get(addr);
      if (t !== undefined) return Promise.resolve(t);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiters.delete(addr);
          resolve(undefined);
        }, ms);
        waiters.set(addr, (x) => {
          clearTimeout(timer);
          resolve(x);
        });
      });
    },
    stop() {
      p.kill('SIGTERM');
    },
  };
}

/** Starts a process; with `re`, resolves once it appears in its stderr/stdout (rejects after ms). */
async function start(cmd: string, args: string[], re?: RegExp, ms = 30_000) {
  const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(p);
  let out = '';
  p.stdout!.on('data', (d) => {
    out = (out + d).slice(-200_000);
  });
  p.stderr!.on('data', (d) => {
    out = (out + d).slice(-200_000);
  });
  const end = Date.now() + ms;
  while (re && !re.test(out)) {
    if (Date.now() > end || p.exitCode !== null) throw new Error(`${cmd} did not start: ${out.slice(-3000)}`);
    await sleep(20);
  }
  return {
    p,
    get out() {
      return out;
    },
    async stop() {
      if (p.exitCode !== null || p.signalCode !== null) return;
      const done = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      const t = setTimeout(() => p.kill('SIGKILL'), 10_000);
      await done;
      clearTimeout(t);
    },
  };
}

// ---------- hardline

function hardlinePolicy(dir: string): string {
  const file = path.join(dir, 'hardline.yaml');
  writeFileSync(
    file,
    [
      'version: 1',
      'site: bench',
      `endpoints: [{ host: ${PBX}, transport: udp, port: 5060 }]`,
      'trunks: [{ name: carrier, addresses: [192.0.2.10] }]',
      'networks: { mgmt: [192.168.99.0/28] }',
      'rtp: { start: 10000, end: 20000 }',
      'firewall:',
      '  mode: enforce',
      `  state_dir: ${JSON.stringify(path.join(dir, 'state'))}`,
      '  bans: { ladder: [10m] }',
      'detection:',
      `  brute_force: { failures: ${THRESHOLD}, window: 10m }`,
      '  scanner: { enabled: false }',
      '  request_flood: { enabled: false }',
    ].join('\n'),
  );
  return file;
}

async function hardlineSetup(tag: string, source: 'hep' | 'log') {
  const dir = path.join(work, `hardline-${tag}`);
  mkdirSync(dir, { recursive: true });
  const ns = newNs(tag);
  const policy = hardlinePolicy(dir);
  sh(process.execPath, [
    BIN,
    'firewall',
    '--apply',
    '--confirm-timeout',
    '0',
    '--policy',
    policy,
    '--netns',
    ns,
  ]);
  const mon = monitor(ns);
  const log = path.join(dir, 'messages');
  writeFileSync(log, '');
  const watch = await start(
    process.execPath,
    [
      BIN,
      'watch',
      '--policy',
      policy,
      ...(source === 'hep' ? ['--hep', 'udp://127.0.0.1:0'] : ['--log', log]),
      '--db',
      path.join(dir, 'watch.db'),
      '--ban',
      '--netns',
      ns,
    ],
    /"msg":"watching"/,
  );
  const port = Number(/"port":(\d+),"msg":"HEP listener ready"/.exec(watch.out)?.[1] ?? 0);
  return { ns, mon, watch, log, port };
}

const sock = createSocket('udp4');
function hepSend(port: number, src: string, dst: string, payload: string): void {
  const t = Date.now();
  sock.send(
    encodeHep({
      srcIp: src,
      dstIp: dst,
      srcPort: 5060,
      dstPort: 5060,
      ipProto: 17,
      timeSec: Math.floor(t / 1000),
      timeUsec: (t % 1000) * 1000,
      protoType: 1,
      captureId: 2001,
      payload: Buffer.from(payload),
    }),
    port,
    '127.0.0.1',
  );
}

/** A REGISTER with wrong credentials and Kamailio's new challenge, as siptrace mirrors them. */
function failedRegister(src: string, n: number): [string, string] {
  const head = `Via: SIP/2.0/UDP ${src}:5060;branch=z9hG4bK${n}x${src.replace(/\./g, '')}\r\nFrom: "2000" <sip:2000@${PBX}>;tag=f${n}\r\nTo: "2000" <sip:2000@${PBX}>\r\nCall-ID: c${n}@${src}\r\nCSeq: 2 REGISTER\r\n`;
  const req = `REGISTER sip:${PBX} SIP/2.0\r\n${head}Contact: <sip:2000@${src}:5060>\r\nAuthorization: Digest username="2000", realm="${PBX}", nonce="n${n}", uri="sip:${PBX}", response="00000000000000000000000000000000", algorithm=MD5\r\nUser-Agent: bench\r\nContent-Length: 0\r\n\r\n`;
  const res = `SIP/2.0 401 Unauthorized\r\n${head.replace(/^(To: .*)$/m, '$1;tag=srv')}WWW-Authenticate: Digest realm="${PBX}", nonce="m${n}", qop="auth"\r\nServer: kamailio\r\nContent-Length: 0\r\n\r\n`;
  return [req, res];
}

function asteriskLine(src: string, n: number): string {
  const d = new Date();
  const p = (x: number) => String(x).padStart(2, '0');
  const ts = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  return `[${ts}] NOTICE[2143] res_pjsip/pjsip_distributor.c:676 in log_failed_request: Request 'REGISTER' from '<sip:2000@${PBX}>' failed for '${src}:5060' (callid: c${n}@${src}) - Failed to authenticate\n`;
}

// ---------- fail2ban

async function fail2banSetup(tag: string) {
  const dir = path.join(work, `fail2ban-${tag}`);
  const conf = path.join(dir, 'etc');
  mkdirSync(dir, { recursive: true });
  cpSync('/etc/fail2ban', conf, { recursive: true });
  // only our jail: drop the distribution's jail.d (Debian enables sshd there)
  for (const f of readdirSync(path.join(conf, 'jail.d'))) rmSync(path.join(conf, 'jail.d', f));
  const log = path.join(dir, 'messages');
  writeFileSync(log, '');
  writeFileSync(
    path.join(conf, 'fail2ban.local'),
    `[Definition]\nloglevel = INFO\nlogtarget = ${dir}/fail2ban.log\nsocket = ${dir}/f2b.sock\npidfile = ${dir}/f2b.pid\ndbfile = :memory:\n`,
  );
  writeFileSync(
    path.join(conf, 'jail.local'),
    `[DEFAULT]\nbanaction = nftables-multiport\nbanaction_allports = nftables-allports\nbackend = auto\n\n[asterisk]\nenabled = true\nlogpath = ${log}\nmaxretry = ${THRESHOLD}\nfindtime = 10m\nbantime = 10m\n`,
  );
  const ns = newNs(tag);
  const mon = monitor(ns);
  const server = await start('ip', [
    'netns',
    'exec',
    ns,
    'fail2ban-server',
    '-f',
    '-x',
    '-c',
    conf,
    '-s',
    `${dir}/f2b.sock`,
    '-p',
    `${dir}/f2b.pid`,
  ]);
  // fail2ban-server -f prints nothing on success: wait for its jail in the log file
  const end = Date.now() + 30_000;
  for (;;) {
    const text = spawnSync('cat', [`${dir}/fail2ban.log`], { encoding: 'utf8' }).stdout ?? '';
    if (/Jail 'asterisk' started/.test(text)) {
      f2bBackend = /Initiated '(\w+)' backend/.exec(text)?.[1] ?? '?';
      break;
    }
    if (Date.now() > end || server.p.exitCode !== null)
      throw new Error(`fail2ban did not start: ${text.slice(-3000)}${server.out.slice(-2000)}`);
    await sleep(100);
  }
  return { ns, mon, log, dir, server };
}

// ---------- part 1: latency

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
};
const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

interface Row {
  tool: string;
  source: string;
  n: number;
  missed: number;
  p50: number;
  p99: number;
  max: number;
}

async function latency(
  tool: string,
  source: string,
  emit: (src: string, k: number) => void,
  mon: ReturnType<typeof monitor>,
  tag: number,
): Promise<Row> {
  const lat: number[] = [];
  let missed = 0;
  const warm = 3;
  for (let i = 0; i < BANS + warm; i++) {
    await sleep(Math.random() * GAP);
    const src = `10.${60 + tag}.${1 + Math.floor(i / 200)}.${1 + (i % 200)}`;
    for (let k = 0; k < THRESHOLD - 1; k++) emit(src, k);
    await sleep(5);
    const t0 = now();
    emit(src, THRESHOLD - 1);
    const t1 = await mon.wait(src, 10_000);
    if (t1 === undefined) missed++;
    else if (i >= warm) lat.push(t1 - t0);
    await sleep(15);
  }
  return {
    tool,
    source,
    n: lat.length,
    missed,
    p50: pct(lat, 50),
    p99: pct(lat, 99),
    max: Math.max(...lat),
  };
}

const rows: Row[] = [];
{
  const h = await hardlineSetup('h', 'hep');
  let seq = 0;
  rows.push(
    await latency(
      'hardline',
      'HEP (SIP REGISTER/401)',
      (src) => {
        const [req, res] = failedRegister(src, seq++);
        hepSend(h.port, src, PBX, req);
        hepSend(h.port, PBX, src, res);
      },
      h.mon,
      1,
    ),
  );
  await h.watch.stop();
  h.mon.stop();
}
{
  const h = await hardlineSetup('l', 'log');
  let seq = 0;
  rows.push(
    await latency(
      'hardline',
      'Asterisk log (tail)',
      (src) => appendFileSync(h.log, asteriskLine(src, seq++)),
      h.mon,
      2,
    ),
  );
  await h.watch.stop();
  h.mon.stop();
}
if (WITH_F2B) {
  const f = await fail2banSetup('f');
  let seq = 0;
  rows.push(
    await latency(
      F2B,
      'Asterisk log (asterisk jail)',
      (src) => appendFileSync(f.log, asteriskLine(src, seq++)),
      f.mon,
      3,
    ),
  );
  await f.server.stop();
  f.mon.stop();
}

// ---------- part 2: guesses before the cut-off on one recorded svcrack attack

interface Msg {
  t: number;
  src: string;
  dst: string;
  guess: boolean;
  rejected: boolean;
  payload: string;
}
interface CutRow {
  tool: string;
  source: string;
  guesses: number;
  runs: number[];
  banMs: number[];
}
const cut: CutRow[] = [];
let recording: { msgs: Msg[]; guesses: number; seconds: number } | undefined;
if (WITH_LAB) {
  const labId = `b${id.slice(0, 5)}`;
  const labDir = path.join(work, 'lab');
  lab = { id: labId, dir: labDir };
  sh('bash', [path.join(ROOT, 'lab', 'lab.sh'), 'up', labId, 'weak', labDir], undefined);
  const pcap = path.join(labDir, 'svcrack.pcap');
  const cap = await start(
    'ip',
    ['netns', 'exec', `hls-${labId}`, 'tcpdump', '-i', `vs${labId}`, '-U', '-w', pcap, 'udp port 5060'],
    /listening on/,
  );
  writeFileSync(
    path.join(labDir, 'guesses.txt'),
    `${Array.from({ length: 2000 }, (_, i) => `wrong-${i}`).join('\n')}\n`,
  );
  sh('ip', [
    'netns',
    'exec',
    `hlo-${labId}`,
    'svcrack',
    '-u',
    '2000',
    '-d',
    path.join(labDir, 'guesses.txt'),
    '--maximumtime',
    '2',
    PBX,
  ]);
  await sleep(300);
  await cap.stop();
  const fields = sh('tshark', [
    '-n',
    '-r',
    pcap,
    '-T',
    'fields',
    '-E',
    'separator=|',
    '-e',
    'frame.time_epoch',
    '-e',
    'ip.src',
    '-e',
    'ip.dst',
    '-e',
    'udp.payload',
  ]);
  const msgs: Msg[] = [];
  let t0 = 0;
  for (const line of fields.split('\n').filter(Boolean)) {
    const [t, src, dst, hex] = line.split('|') as [string, string, string, string];
    const payload = Buffer.from(hex, 'hex').toString('utf8');
    const time = Number(t) * 1000;
    t0 ||= time;
    msgs.push({
      t: time - t0,
      src,
      dst,
      guess: /^REGISTER /.test(payload) && /^Authorization:/im.test(payload),
      rejected: /^SIP\/2\.0 401 /.test(payload) && /^CSeq: 2 REGISTER/im.test(payload),
      payload,
    });
  }
  spawnSync('bash', [path.join(ROOT, 'lab', 'lab.sh'), 'down', labId, labDir], { stdio: 'ignore' });
  lab = undefined;
  const guesses = msgs.filter((m) => m.guess).length;
  recording = { msgs, guesses, seconds: (msgs.at(-1)?.t ?? 0) / 1000 };
  const attacker = msgs.find((m) => m.guess)?.src ?? '198.18.1.2';

  /** Replays the recording with its timing; returns when the attacker's ban appeared (ms from start). */
  const replay = async (send: (m: Msg, n: number) => void, mon: ReturnType<typeof monitor>) => {
    await sleep(Math.random() * 2 * GAP);
    const start = now();
    let n = 0;
    for (const m of msgs) {
      const due = start + m.t;
      const wait = due - now();
      if (wait > 1) await sleep(wait);
      send(m, n++);
      if (mon.seen.has(attacker)) break;
    }
    const t = await mon.wait(attacker, 15_000);
    return t === undefined ? undefined : t - start;
  };
  const guessesBefore = (ms: number | undefined) =>
    ms === undefined ? guesses : msgs.filter((m) => m.guess && m.t < ms).length;

  for (const [tool, source] of [
    ['hardline', 'HEP (SIP REGISTER/401)'],
    ['hardline', 'Asterisk log (tail)'],
    ...(WITH_F2B ? [[F2B, 'Asterisk log (asterisk jail)']] : []),
  ] as const) {
    const r: CutRow = { tool, source, guesses: 0, runs: [], banMs: [] };
    for (let run = 0; run < RUNS; run++) {
      const tag = `${tool[0]}${source[0]}${run}`.toLowerCase();
      let ms: number | undefined;
      if (tool === 'hardline') {
        const h = await hardlineSetup(tag, source.startsWith('HEP') ? 'hep' : 'log');
        ms = await replay(
          (m, n) =>
            source.startsWith('HEP')
              ? hepSend(h.port, m.src, m.dst, m.payload)
              : m.rejected && appendFileSync(h.log, asteriskLine(m.dst, n)),
          h.mon,
        );
        await h.watch.stop();
        h.mon.stop();
      } else {
        const f = await fail2banSetup(tag);
        ms = await replay((m, n) => m.rejected && appendFileSync(f.log, asteriskLine(m.dst, n)), f.mon);
        await f.server.stop();
        f.mon.stop();
      }
      r.runs.push(guessesBefore(ms));
      r.banMs.push(ms ?? Number.NaN);
    }
    r.guesses = pct(r.runs, 50);
    cut.push(r);
  }
}

// ---------- report

const nftVersion = sh('nft', ['--version']).trim();
const loadAtEnd = spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' })
  .stdout.split(' ')
  .slice(0, 3)
  .join(' ');
console.log(`\ncommand: npm run bench:enforce -- ${process.argv.slice(2).join(' ')}`);
console.log(
  `machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, linux ${release()}, Node ${process.version}, ${nftVersion}${WITH_F2B ? `, ${F2B} (backend ${f2bBackend}, banaction nftables-multiport)` : ''}`,
);
console.log(
  `date: ${startedAt.toISOString()} to ${new Date().toISOString()}; load average (1/5/15 min) ${loadAtStart} at start, ${loadAtEnd} at the end`,
);
console.log(
  `\nthreshold-crossing event -> element in the nft set (${BANS} bans each, one attacker after the other, each after a random idle time of 0..${GAP} ms, threshold ${THRESHOLD} failures)\n`,
);
console.log('| tool | input | bans | p50 ms | p99 ms | max ms | missed |');
console.log('|---|---|---:|---:|---:|---:|---:|');
for (const r of rows)
  console.log(
    `| ${r.tool} | ${r.source} | ${r.n} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.max)} | ${r.missed} |`,
  );
if (recording) {
  console.log(
    `\nrecorded svcrack attack: ${recording.guesses} guesses in ${recording.seconds.toFixed(1)} s (${Math.round(recording.guesses / recording.seconds)}/s), ${recording.msgs.length} SIP messages; replayed ${RUNS}x per tool\n`,
  );
  console.log(
    '| tool | input | guesses before the cut-off (median) | per run | ban after (ms from first packet) |',
  );
  console.log('|---|---|---:|---|---|');
  for (const r of cut)
    console.log(
      `| ${r.tool} | ${r.source} | ${r.guesses} | ${r.runs.join(', ')} | ${r.banMs.map((x) => fmt(x)).join(', ')} |`,
    );
}
sock.close();
process.exit(0);
