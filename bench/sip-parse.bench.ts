// SIP parse throughput on one core, side by side in one run: hardline's parser, the `sip`
// package's parse() and sip.js's internal Parser.parseMessage, over the same corpus of typical
// REGISTER and INVITE messages (bench/sip-corpus.ts).
//
//   npm run bench:sip [-- MESSAGES ROUNDS]
//
// hardline rows:
//   parse            start line, every header found, validated and canonicalised (compact forms),
//                    body framed; structured fields are parsed when read.
//   parse + fields   also every field `sip` parses eagerly, read through hardline's accessors:
//                    each Via (transport, host, port, branch, received, rport), From and To
//                    (display name, URI text, tag), each Contact (URI text), CSeq (number and
//                    method), Call-ID, Content-Length. Like for like with `sip` on these fields.
//   parse + all      the above plus what `sip` also builds: the Authorization/Proxy-Authorization
//                    scheme and every auth-param, and the parameter record of each Contact and
//                    Via. The strictest equal-output comparison.
// Every measurement runs in a fresh Node process (warm-up passes, then one timed pass over the
// corpus), so no parser inherits another's JIT type feedback or garbage; rounds interleave the
// parsers so machine noise hits them alike. Each rate is reported as a median over rounds
// twice: by wall clock, and by the process's CPU time (user + system), which on a shared
// machine is closer to "one core" (GC helper threads count against the parser measured).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { SipMessage } from '../src/sip/message.js';
import { parse } from '../src/sip/parser.js';
import { corpus } from './sip-corpus.js';

const require = createRequire(import.meta.url);
const sipPkg = require('sip') as { parse(s: string): unknown };
const { Parser } = (await import('sip.js/lib/core/messages/parser.js')) as {
  Parser: { parseMessage(s: string, l: unknown): unknown };
};
const quiet = { log() {}, debug() {}, warn() {}, error() {} };

const N = Number(process.argv[2] ?? 20_000);
const ROUNDS = Number(process.argv[3] ?? 9);
const texts = corpus(N);
const bufs = texts.map((t) => Buffer.from(t));
const bytes = bufs.reduce((a, b) => a + b.length, 0);

let sink = 0;
const len = (s: string | undefined) => (s === undefined ? 0 : s.length);

/** The fields `sip` parses eagerly, read from hardline's accessors. */
function fields(m: SipMessage): void {
  for (const r of m.vias()) {
    if (!r.ok) continue;
    const v = r.value;
    sink += len(v.transport) + len(v.host) + (v.port ?? 0) + len(v.branch) + len(v.received) + (v.rport ?? 0);
  }
  const f = m.from();
  if (f) sink += len(f.displayName) + len(f.uriText) + len(f.tag);
  const t = m.to();
  if (t) sink += len(t.displayName) + len(t.uriText) + len(t.tag);
  const c = m.contacts();
  if (c !== '*') for (const x of c) sink += len(x.uriText);
  const cs = m.cseq();
  if (cs) sink += cs.seq + len(cs.method);
  sink += len(m.callId()) + (m.contentLength() ?? 0);
}

/** ... and everything else `sip` builds: auth-params, Contact and Via parameter records. */
function all(m: SipMessage): void {
  fields(m);
  const a = m.authorization();
  if (a) sink += len(a.scheme) + len(a.params['username']) + len(a.params['response']);
  const c = m.contacts();
  if (c !== '*') for (const x of c) sink += len(x.params['expires'] ?? undefined);
  for (const r of m.vias()) if (r.ok) sink += r.value.params['rport'] === null ? 1 : 0;
}

const runners: Record<string, (n: number) => void> = {
  'hardline parse (Buffer)': (n) => {
    for (let i = 0; i < n; i++) {
      const r = parse(bufs[i]!);
      if (r.ok) sink += r.message.headers.length;
    }
  },
  'hardline parse (string)': (n) => {
    for (let i = 0; i < n; i++) {
      const r = parse(texts[i]!);
      if (r.ok) sink += r.message.headers.length;
    }
  },
  'hardline parse + fields (string)': (n) => {
    for (let i = 0; i < n; i++) {
      const r = parse(texts[i]!);
      if (r.ok) fields(r.message);
    }
  },
  'hardline parse + all (string)': (n) => {
    for (let i = 0; i < n; i++) {
      const r = parse(texts[i]!);
      if (r.ok) all(r.message);
    }
  },
  'sip 0.0.6 parse (string)': (n) => {
    for (let i = 0; i < n; i++) if (sipPkg.parse(texts[i]!)) sink++;
  },
  'sip.js 0.21 Parser.parseMessage (string)': (n) => {
    // sip.js is about 1000x slower; a slice keeps the run short (rate is per message).
    for (let i = 0; i < Math.min(n, 1000); i++) if (Parser.parseMessage(texts[i]!, quiet)) sink++;
  },
};

const names = Object.keys(runners);
const childArg = process.argv.indexOf('--child');
if (childArg > 0) {
  // One parser in this fresh process: warm up (the JIT optimises it), then one timed pass.
  const name = names[Number(process.argv[childArg + 1])]!;
  const fn = runners[name]!;
  const n = name.startsWith('sip.js') ? Math.min(N, 1000) : N;
  fn(n);
  fn(n);
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  fn(n);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  process.stdout.write(`${JSON.stringify({ wall: n / s, cpu: n / ((c.user + c.system) / 1e6), sink })}\n`);
  process.exit(0);
}

// Each measurement runs in a fresh Node process, so no parser inherits another's JIT type
// feedback or garbage; rounds interleave the parsers so machine noise hits them alike.
const self = fileURLToPath(import.meta.url);
const load0 = os.loadavg();
const wall: Record<string, number[]> = {};
const cpu: Record<string, number[]> = {};
for (let round = 0; round < ROUNDS; round++) {
  names.forEach((name, i) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', self, String(N), '1', '--child', String(i)], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    if (r.status !== 0) throw new Error(`${name}: ${r.stderr}`);
    const m = JSON.parse(r.stdout.trim().split('\n').pop()!) as { wall: number; cpu: number };
    wall[name] = [...(wall[name] ?? []), m.wall];
    cpu[name] = [...(cpu[name] ?? []), m.cpu];
  });
}
const load1 = os.loadavg();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const cpuModel = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `corpus: ${N} messages (REGISTER and INVITE with SDP alternating), ${Math.round(bytes / N)} bytes average`,
);
console.log(
  `machine: ${cpuModel} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}; median of ${ROUNDS} rounds`,
);
console.log(
  `load average (1 min) at start ${load0[0]!.toFixed(2)}, at end ${load1[0]!.toFixed(2)} on ${os.cpus().length} cores`,
);
console.log('| parser | messages/s, wall clock (median) | messages/s, CPU time (median) | MB/s (wall) |');
console.log('|---|---|---|---|');
for (const name of Object.keys(runners))
  console.log(
    `| ${name} | ${fmt(median(wall[name]!))} | ${fmt(median(cpu[name]!))} | ${((median(wall[name]!) * bytes) / N / 1e6).toFixed(0)} |`,
  );
const best = (r: Record<string, number[]>) =>
  Math.max(median(r['sip 0.0.6 parse (string)']!), median(r['sip.js 0.21 Parser.parseMessage (string)']!));
console.log(`\nfaster peer: ${fmt(best(wall))} msg/s wall, ${fmt(best(cpu))} msg/s CPU`);
for (const k of Object.keys(runners).filter((x) => x.startsWith('hardline')))
  console.log(
    `${k}: ${(median(wall[k]!) / best(wall)).toFixed(2)}x the faster peer (wall), ${(median(cpu[k]!) / best(cpu)).toFixed(2)}x (CPU)`,
  );
// Per-round ratio to `sip` in the same round, so a busy moment hits both sides of the ratio.
const sipWall = wall['sip 0.0.6 parse (string)']!;
for (const k of ['hardline parse + fields (string)', 'hardline parse + all (string)'])
  console.log(
    `${k}: per-round ratio to sip, median ${median(wall[k]!.map((x, i) => x / sipWall[i]!)).toFixed(2)}x (min ${Math.min(...wall[k]!.map((x, i) => x / sipWall[i]!)).toFixed(2)}x)`,
  );
if (sink === -1) console.log(sink);
