// Where the time per line goes (the floor of hardline's ingest on this machine): the same file
// through successively more of the pipeline, CPU time per line, median of 3 passes each (in one
// process, the file in the page cache). Usage: node bench/watch-floor.mjs LOG  (npm run build first)
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { defaultPolicy } from '../dist/policy/loader.js';
import { LineDecoder } from '../dist/watch/decode.js';
import { Pipeline } from '../dist/watch/pipeline.js';
import { PrefixScan, scanAsteriskPrefix } from '../dist/watch/prefix.js';

const file = process.argv[2];
const ref = statSync(file).mtimeMs;
const ctx = { fallbackTime: ref, refTime: ref };
const sc = new PrefixScan();
const decoder = await LineDecoder.create();
// a fresh pipeline per pass (detector state must not carry over from the previous pass)
let full;
const fresh = async () => {
  full = await Pipeline.create({ policy: defaultPolicy().policy, sinks: [{ incident: () => {} }] });
};

/** Reads the file in 1 MiB chunks and calls `each(buf, start, end)` per line. */
function pass(each) {
  const fd = openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  let pos = 0;
  let carry = 0;
  let lines = 0;
  for (;;) {
    const n = readSync(fd, buf, carry, buf.length - carry, pos);
    if (n === 0) break;
    pos += n;
    const end = carry + n;
    let s = 0;
    for (;;) {
      const nl = buf.indexOf(10, s);
      if (nl < 0 || nl >= end) break;
      each(buf, s, nl);
      lines++;
      s = nl + 1;
    }
    buf.copy(buf, 0, s, end);
    carry = end - s;
  }
  closeSync(fd);
  return lines;
}

let sink = 0;
const steps = [
  ['read the file and find line ends', () => {}],
  [
    '+ scan the logger prefix in bytes',
    (b, s, e) => {
      if (scanAsteriskPrefix(b, s, e, sc)) sink += sc.msgStart;
    },
  ],
  [
    '+ make a string of every line',
    (b, s, e) => {
      if (scanAsteriskPrefix(b, s, e, sc)) sink += sc.msgStart;
      sink += b.toString('utf8', s, e).length;
    },
  ],
  [
    "decode (hardline's byte path: strings only for lines a decoder reads)",
    (b, s, e) => {
      sink += decoder.decodeBytes(b, s, e, ctx).events.length;
    },
  ],
  [
    'decode + every default detector (the ingest benchmark)',
    (b, s, e) => {
      full.lineBytes(b, s, e, ctx);
    },
  ],
];
const out = [];
for (const [name, f] of steps) {
  const times = [];
  let lines = 0;
  for (let r = 0; r < 3; r++) {
    await fresh();
    const c0 = process.cpuUsage();
    lines = pass(f);
    const c = process.cpuUsage(c0);
    times.push((c.user + c.system) / lines);
  }
  times.sort((a, b) => a - b);
  out.push({ step: name, usPerLine: Number(times[1].toFixed(3)), lines });
}
console.log(JSON.stringify({ file, steps: out, sink: sink > 0 }));
