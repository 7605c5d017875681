// HEP ingest: a loopback sender (separate process) sends HEP LOG packets at increasing rates to
// the real watch daemon (compiled code: HEP UDP listener, decoders, detectors, SQLite store on
// disk). Every packet carries a sequence number; after each rate the store is asked which ones
// arrived, so loss is counted packet by packet (and duplicates would show). The kernel's UDP
// receive-buffer drop counter is read before and after. Result: the highest rate with zero loss.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { policySchema } from '../dist/policy/schema.js';
import { startWatch } from '../dist/watch/daemon.js';

const rates = (process.argv[2] ?? '5000,10000,20000,40000,80000').split(',').map(Number);
const seconds = Number(process.argv[3] ?? 3);
const dir = path.resolve(import.meta.dirname, '..', '.tmp', 'bench-hep');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const db = path.join(dir, 'hep.db');

/** UDP RcvbufErrors from /proc/net/snmp (all sockets of the machine; other users add to it). */
function rcvbufErrors() {
  try {
    const lines = readFileSync('/proc/net/snmp', 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('Udp:'));
    const names = lines[0].split(/\s+/);
    const values = lines[1].split(/\s+/);
    return Number(values[names.indexOf('RcvbufErrors')]);
  } catch {
    return Number.NaN;
  }
}

const w = await startWatch({
  policy: policySchema.parse({ version: 1 }),
  logs: [],
  syslog: [],
  hep: ['udp://127.0.0.1:0'],
  db,
  logger: pino({ level: 'silent' }),
  ...(process.env.HL_BENCH_MAX_RSS ? { maxRssMB: Number(process.env.HL_BENCH_MAX_RSS) } : {}),
});
const { monitorEventLoopDelay } = await import('node:perf_hooks');
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();
const port = w.ports['hep udp://127.0.0.1:0'];
const reader = new Database(db, { readonly: true });
const rows = [];
let step = 0;
for (const rate of rates) {
  const tag = `r${step++}`;
  const count = Math.min(rate * seconds, 400_000);
  const drops0 = rcvbufErrors();
  const res = await new Promise((resolve) => {
    execFile(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(import.meta.dirname, 'hep-sender.ts'),
        String(port),
        String(rate),
        String(count),
        tag,
      ],
      { timeout: 120_000 },
      (_e, stdout) => resolve(stdout),
    );
  });
  const s = JSON.parse(res || '{"sent":0,"rate":0}');
  // let the receiver drain its socket buffer and commit
  let last = -1;
  while (w.pipeline.lines !== last) {
    last = w.pipeline.lines;
    await new Promise((r) => setTimeout(r, 400));
  }
  w.flush();
  const got = reader
    .prepare(
      "SELECT count(*) AS n, count(DISTINCT json_extract(data, '$.sip.callId')) AS d FROM events WHERE json_extract(data, '$.sip.callId') LIKE ?",
    )
    .get(`${tag}-%`);
  const kernelDrops = rcvbufErrors() - drops0;
  const maxDelayMs = Math.round(loopDelay.max / 1e6);
  loopDelay.reset();
  rows.push({
    maxLoopDelayMs: maxDelayMs,
    rssMB: Math.round(process.memoryUsage.rss() / 2 ** 20),
    target: rate,
    sent: s.sent,
    received: got.d,
    lost: s.sent - got.d,
    duplicates: got.n - got.d,
    achieved: s.rate,
    kernelDrops,
  });
  if (s.sent - got.d > 0 && rows.length > 1 && rows[rows.length - 2].lost > 0) break;
}
reader.close();
await w.stop();
const best = rows.filter((r) => r.lost === 0 && r.sent > 0).sort((a, b) => b.achieved - a.achieved)[0];
console.log(JSON.stringify({ rows, zeroLossRate: best?.achieved ?? 0 }));
