// SIP parse throughput on one core, side by side in one run: hardline's parser, the `sip`
// package's parse() and sip.js's internal Parser.parseMessage, over the same corpus of typical
// REGISTER and INVITE messages (bench/sip-corpus.ts).
//
//   npm run bench:sip [-- MESSAGES ROUNDS]
//
// Two hardline figures: `parse` (start line, every header split and canonicalised, body framed;
// fields parsed on access) and `parse + fields`, which also parses what `sip` parses eagerly
// (every Via, From/To/Contact name-addr with tag, CSeq, Call-ID, Content-Length) so the
// comparison with `sip` is like for like. Rounds interleave the parsers to share machine noise.
import { createRequire } from 'node:module';
import os from 'node:os';
import { parse } from '../src/sip/parser.js';
import { corpus } from './sip-corpus.js';

const require = createRequire(import.meta.url);
const sipPkg = require('sip') as { parse(s: string): unknown };
const { Parser } = (await import('sip.js/lib/core/messages/parser.js')) as {
  Parser: { parseMessage(s: string, l: unknown): unknown };
};
const quiet = { log() {}, debug() {}, warn() {}, error() {} };

const N = Number(process.argv[2] ?? 20_000);
const ROUNDS = Number(process.argv[3] ?? 5);
const texts = corpus(N);
const bufs = texts.map((t) => Buffer.from(t));
const bytes = bufs.reduce((a, b) => a + b.length, 0);

let sink = 0;
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
      if (!r.ok) continue;
      const m = r.message;
      sink += m.vias().length + (m.from()?.tag?.length ?? 0) + (m.to() ? 1 : 0) + (m.cseq()?.seq ?? 0);
      const c = m.contacts();
      sink += (m.callId()?.length ?? 0) + (Array.isArray(c) ? c.length : 1) + (m.contentLength() ?? 0);
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

const rates: Record<string, number[]> = {};
for (const name of Object.keys(runners)) runners[name]!(Math.min(N, 2000)); // warm-up
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, fn] of Object.entries(runners)) {
    const n = name.startsWith('sip.js') ? Math.min(N, 1000) : N;
    const t0 = process.hrtime.bigint();
    fn(n);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    const list = rates[name] ?? [];
    list.push(n / s);
    rates[name] = list;
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `corpus: ${N} messages (REGISTER and INVITE with SDP alternating), ${Math.round(bytes / N)} bytes average`,
);
console.log(
  `machine: ${cpu} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}; median of ${ROUNDS} rounds`,
);
console.log('| parser | messages/s (median) | MB/s |');
console.log('|---|---|---|');
for (const [name, r] of Object.entries(rates))
  console.log(
    `| ${name} | ${Math.round(median(r)).toLocaleString('en-US')} | ${((median(r) * bytes) / N / 1e6).toFixed(0)} |`,
  );
const best = Math.max(
  median(rates['sip 0.0.6 parse (string)']!),
  median(rates['sip.js 0.21 Parser.parseMessage (string)']!),
);
console.log(`\nfaster peer: ${Math.round(best).toLocaleString('en-US')} msg/s`);
for (const k of ['hardline parse (Buffer)', 'hardline parse (string)', 'hardline parse + fields (string)'])
  console.log(`${k}: ${(median(rates[k]!) / best).toFixed(2)}x the faster peer`);
if (sink === -1) console.log(sink);
