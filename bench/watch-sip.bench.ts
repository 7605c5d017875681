// SIP transactions over HEP and in captures. Usage:
//   npm run bench:watch-sip -- [transactions=100000] [hep-rates=5000,10000,20000,40000]
// 1. the transaction decoder alone (in process): SIP messages/s;
// 2. a generated capture (REGISTER + 401/200 pairs from 10,000 sources) read by
//    `hardline backtest --pcap` (decode + every detector) side by side with
//    `tshark -r FILE -Y sip` (dissection only) on the same file;
// 3. SIP over HEP from a loopback sender to the real watch daemon (decoder, detectors, SQLite
//    store): the highest rate at which every message arrived.
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { policySchema } from '../src/policy/schema.js';
import { startWatch } from '../src/watch/daemon.js';
import type { SipCapture } from '../src/watch/sip.js';
import { SipTransactionTracker } from '../src/watch/sip-transactions.js';
import { classicPcap, ethernet, ipv4, type Rec, udp } from '../test/pcap/writer.js';

const n = Number(process.argv[2] ?? 100_000);
const rates = (process.argv[3] ?? '5000,10000,20000,40000').split(',').map(Number);
const dir = path.resolve(import.meta.dirname, '..', '.tmp', 'bench-sip');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const PBX = '192.0.2.1';
const policy = policySchema.parse({ version: 1, endpoints: [{ host: PBX, transport: 'udp', port: 5060 }] });

/** Transaction i: a REGISTER from one of 10,000 phones and its answer (401, or 200 every 4th). */
function pair(i: number): { src: string; req: Buffer; res: Buffer } {
  // phone k always registers account 10000+k from its own address
  const k = i % 10_000;
  const src = `203.0.${k >> 8}.${k & 255}`;
  const user = 10_000 + k;
  const auth = i % 4 === 3;
  const head = [
    `Via: SIP/2.0/UDP ${src}:5060;rport;branch=z9hG4bK${i}`,
    `From: <sip:${user}@pbx.example>;tag=t${i}`,
    `To: <sip:${user}@pbx.example>`,
    `Call-ID: c${i}@bench`,
    `CSeq: ${1 + (i % 3)} REGISTER`,
  ];
  const req = Buffer.from(
    `REGISTER sip:pbx.example SIP/2.0\r\n${head.join('\r\n')}\r\nMax-Forwards: 70\r\nContact: <sip:${user}@${src}:5060>\r\nUser-Agent: Bench Phone 1.0\r\nExpires: 600\r\n${auth ? `Authorization: Digest username="${user}", realm="pbx.example", nonce="abc", uri="sip:pbx.example", response="0123456789abcdef0123456789abcdef"\r\n` : ''}Content-Length: 0\r\n\r\n`,
  );
  const res = Buffer.from(
    `SIP/2.0 ${auth ? '200 OK' : '401 Unauthorized'}\r\n${head.join('\r\n').replace(/^To: (.*)$/m, 'To: $1;tag=srv')}\r\n${auth ? '' : 'WWW-Authenticate: Digest realm="pbx.example", nonce="xyz", qop="auth"\r\n'}Content-Length: 0\r\n\r\n`,
  );
  return { src, req, res };
}

const T0 = 1_764_000_000_000;

// 1. decoder alone
const caps: SipCapture[] = [];
for (let i = 0; i < n; i++) {
  const { src, req, res } = pair(i);
  const t = T0 + i * 2;
  caps.push(
    {
      time: t,
      src: { ip: src, port: 5060, transport: 'udp' },
      dst: { ip: PBX, port: 5060, transport: 'udp' },
      payload: req,
      origin: 'bench',
    },
    {
      time: t + 1,
      src: { ip: PBX, port: 5060, transport: 'udp' },
      dst: { ip: src, port: 5060, transport: 'udp' },
      payload: res,
      origin: 'bench',
    },
  );
}
const tracker = new SipTransactionTracker({ policy });
let events = 0;
const t1 = performance.now();
for (const c of caps) {
  const r = tracker.decode(c);
  if ('events' in r) events += r.events.length;
}
const decodeMs = performance.now() - t1;
const decoder = {
  messages: caps.length,
  events,
  ms: Math.round(decodeMs),
  messagesPerSec: Math.round(caps.length / (decodeMs / 1000)),
};

// 2. capture file: hardline backtest --pcap vs tshark
const recs: Rec[] = [];
for (let i = 0; i < n; i++) {
  const { src, req, res } = pair(i);
  recs.push(
    { time: T0 + i * 2, data: ethernet(ipv4(src, PBX, 17, udp(5060, 5060, req))[0]!) },
    { time: T0 + i * 2 + 1, data: ethernet(ipv4(PBX, src, 17, udp(5060, 5060, res))[0]!) },
  );
}
const pcap = path.join(dir, `sip-${n}.pcap`);
writeFileSync(pcap, classicPcap(recs));
const polFile = path.join(dir, 'p.yaml');
writeFileSync(polFile, `version: 1\nendpoints:\n  - { host: ${PBX}, transport: udp, port: 5060 }\n`);
const timed = (cmd: string, args: string[]) => {
  const t = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = performance.now() - t;
  const rss = Number(/(\d+)\s*$/.exec(r.stderr)?.[1] ?? 0) / 1024;
  return { ms, rss, out: r.stdout, status: r.status, err: r.stderr };
};
const hl = timed(process.execPath, [
  path.resolve(import.meta.dirname, '..', 'bin', 'hardline.js'),
  'backtest',
  '--policy',
  polFile,
  '--pcap',
  pcap,
  '--format',
  'json',
]);
if (hl.status !== 0) throw new Error(hl.err);
const hlJson = JSON.parse(hl.out) as { events: number; incidents: unknown[] };
let tshark: { ms: number; rss: number; lines: number; version: string } | undefined;
if (spawnSync('sh', ['-c', 'command -v tshark']).status === 0) {
  const ts = timed('tshark', [
    '-r',
    pcap,
    '-Y',
    'sip',
    '-T',
    'fields',
    '-e',
    'ip.src',
    '-e',
    'sip.Method',
    '-e',
    'sip.Status-Code',
  ]);
  tshark = {
    ms: ts.ms,
    rss: ts.rss,
    lines: ts.out.split('\n').filter(Boolean).length,
    version: spawnSync('tshark', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]!,
  };
}
const capture = {
  file: `${(statSync(pcap).size / 1048576).toFixed(1)} MiB, ${caps.length} SIP messages`,
  hardline: {
    ms: Math.round(hl.ms),
    messagesPerSec: Math.round(caps.length / (hl.ms / 1000)),
    maxRssMB: Math.round(hl.rss),
    events: hlJson.events,
    incidents: hlJson.incidents.length,
  },
  tshark: tshark && {
    ms: Math.round(tshark.ms),
    messagesPerSec: Math.round(tshark.lines / (tshark.ms / 1000)),
    maxRssMB: Math.round(tshark.rss),
    messages: tshark.lines,
    version: tshark.version,
  },
};

// 3. HEP over UDP into the daemon
const live = new SipTransactionTracker({ policy });
const w = await startWatch({
  policy,
  logs: [],
  syslog: [],
  hep: ['udp://127.0.0.1:0'],
  db: path.join(dir, 'hep.db'),
  sipDecoder: live,
  logger: pino({ level: 'silent' }),
});
const port = w.ports['hep udp://127.0.0.1:0']!;
const rows: { target: number; sent: number; received: number; lost: number; achieved: number }[] = [];
for (const rate of rates) {
  const count = Math.min(rate * 2, 200_000);
  const before = live.stats.messages;
  const out = await new Promise<string>((resolve) =>
    execFile(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(import.meta.dirname, 'hep-sip-sender.ts'),
        String(port),
        String(rate),
        String(count),
      ],
      { timeout: 120_000 },
      (_e, stdout) => resolve(stdout),
    ),
  );
  const s = JSON.parse(out || '{"sent":0,"rate":0}') as { sent: number; rate: number };
  let last = -1;
  while (live.stats.messages !== last) {
    last = live.stats.messages;
    await new Promise((r) => setTimeout(r, 300));
  }
  const received = live.stats.messages - before;
  rows.push({ target: rate, sent: s.sent, received, lost: s.sent - received, achieved: s.rate });
  if (s.sent - received > 0 && rows.length > 1 && rows[rows.length - 2]!.lost > 0) break;
}
await w.stop();
const best = rows.filter((r) => r.lost === 0).sort((a, b) => b.achieved - a.achieved)[0];
console.log(
  JSON.stringify(
    {
      machine: `${os.cpus()[0]?.model ?? '?'} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, load ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
      decoder,
      capture,
      hep: { rows, zeroLossRate: best?.achieved ?? 0 },
    },
    null,
    2,
  ),
);
