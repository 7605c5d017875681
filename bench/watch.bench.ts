// hardline watch benchmarks, side by side with fail2ban-regex in one run.
// Usage: npm run bench:watch -- [lines=1000000] [sources=1000000] [hep-rates=5000,10000,...]
// 1. log ingest (decode + detect, every detector on) on a generated Asterisk log vs
//    `fail2ban-regex -r LOG /etc/fail2ban/filter.d/asterisk.conf` on the same file;
// 2. resident memory under N distinct spoofed source addresses;
// 3. HEP ingest from a loopback sender, highest rate with zero loss.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateAsteriskLog } from './watch-gen.js';

const lines = Number(process.argv[2] ?? 1_000_000);
const sources = Number(process.argv[3] ?? 1_000_000);
const hepRates = process.argv[4] ?? '5000,10000,20000,40000,80000';
const dir = path.resolve(import.meta.dirname, '..', '.tmp', 'bench-watch');
mkdirSync(dir, { recursive: true });
const log = path.join(dir, `asterisk-${lines}.log`);
if (!existsSync(log)) await generateAsteriskLog(log, lines);
const node = (script: string, ...args: string[]) =>
  JSON.parse(
    execFileSync(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, script), ...args], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    }).trim(),
  );

const ingest = (...args: string[]) =>
  JSON.parse(
    execFileSync(process.execPath, [path.join(import.meta.dirname, 'watch-ingest.mjs'), ...args], {
      encoding: 'utf8',
    }).trim(),
  );
// 1. hardline ingest, 3 runs (median), then fail2ban-regex once on the same file
const runs = [0, 1, 2].map(
  () =>
    ingest(log) as {
      linesPerSec: number;
      ms: number;
      decoded: number;
      incidents: number;
      maxRssMB: number;
    },
);
runs.sort((a, b) => a.linesPerSec - b.linesPerSec);
const hl = runs[1]!;
const decodeOnly = ingest(log, '--decode-only') as {
  linesPerSec: number;
  ms: number;
  decoded: number;
  maxRssMB: number;
};
let f2b:
  | { seconds: number; matched: number; linesPerSec: number; maxRssMB: number; version: string }
  | undefined;
const filter = '/etc/fail2ban/filter.d/asterisk.conf';
if (existsSync(filter)) {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', 'fail2ban-regex', '-r', log, filter], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const seconds = (performance.now() - t0) / 1000;
  const matched = Number(/(\d+) matched/.exec(r.stdout)?.[1] ?? 0);
  const rssKb = Number(r.stderr.trim().split('\n').pop());
  const version =
    spawnSync('fail2ban-regex', ['--version'], { encoding: 'utf8' }).stdout.trim().split('\n')[0] ?? '';
  f2b = {
    seconds,
    matched,
    linesPerSec: Math.round(lines / seconds),
    maxRssMB: Math.round(rssKb / 1024),
    version,
  };
}

// 2. memory under distinct spoofed sources, on the compiled code: V8 defaults, then with the
//    memory guard watch runs by default (--max-rss 160), and with a V8 heap limit instead
type Mem = {
  maxRssMB: number;
  rssMB: number;
  ms: number;
  stateKeys: number;
  evictions: number;
  lines: number;
};
const memRun = (flags: string[], args: string[] = []): Mem =>
  JSON.parse(
    execFileSync(
      process.execPath,
      [...flags, path.join(import.meta.dirname, 'watch-memory.mjs'), String(sources), ...args],
      {
        encoding: 'utf8',
      },
    ).trim(),
  );
const memDefault = memRun([]);
const memGuard = memRun([], ['--guard=160']);
const mem = memRun(['--max-old-space-size=128']);

// 3. HEP
const hep = node('watch-hep.ts', hepRates, '2') as {
  rows: { target: number; sent: number; received: number; lost: number; achieved: number }[];
  zeroLossRate: number;
};

const cpu = os.cpus()[0]?.model ?? 'cpu';
const size = (statSync(log).size / 2 ** 20).toFixed(0);
const out = [
  `machine: ${cpu} x${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.type()} ${os.release()}, load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}, ${new Date().toISOString().slice(0, 10)}`,
  '',
  `### Log ingest: ${lines.toLocaleString('en-US')} generated Asterisk lines (${size} MiB)`,
  '',
  '| tool | what it does | time | lines/s | matched lines | max RSS |',
  '|---|---|---|---|---|---|',
  `| hardline (median of 3) | decode to SecurityEvents + 12 detectors | ${(hl.ms / 1000).toFixed(2)} s | ${hl.linesPerSec.toLocaleString('en-US')} | ${hl.decoded.toLocaleString('en-US')} (${hl.incidents} incidents) | ${hl.maxRssMB} MB |`,
  `| hardline, decoders only | decode to SecurityEvents, no detectors | ${(decodeOnly.ms / 1000).toFixed(2)} s | ${decodeOnly.linesPerSec.toLocaleString('en-US')} | ${decodeOnly.decoded.toLocaleString('en-US')} | ${decodeOnly.maxRssMB} MB |`,
  f2b
    ? `| fail2ban-regex ${f2b.version} (asterisk filter) | regex match only | ${f2b.seconds.toFixed(2)} s | ${f2b.linesPerSec.toLocaleString('en-US')} | ${f2b.matched.toLocaleString('en-US')} | ${f2b.maxRssMB} MB |`
    : '| fail2ban-regex | not installed | | | | |',
  '',
  f2b
    ? `hardline / fail2ban-regex: **${(hl.linesPerSec / f2b.linesPerSec).toFixed(1)}x** (runs: ${runs.map((r) => r.linesPerSec).join(', ')} lines/s)`
    : '',
  '',
  `### Memory: ${sources.toLocaleString('en-US')} distinct spoofed sources (${mem.lines.toLocaleString('en-US')} failed REGISTER lines)`,
  '',
  '| memory control | max RSS | RSS at the end | time | detector state keys at the end | evicted |',
  '|---|---|---|---|---|---|',
  ...(
    [
      ['V8 defaults, no guard', memDefault],
      ["hardline's memory guard at 160 MB (watch's default --max-rss)", memGuard],
      ['V8 --max-old-space-size=128', mem],
    ] as const
  ).map(
    ([k, m]) =>
      `| ${k} | ${m.maxRssMB} MB | ${m.rssMB} MB | ${(m.ms / 1000).toFixed(1)} s | ${m.stateKeys.toLocaleString('en-US')} | ${m.evictions.toLocaleString('en-US')} |`,
  ),
  '',
  '### HEP ingest (UDP loopback, LOG packets, decoders + detectors + SQLite store)',
  '',
  '| target rate | sent | decoded | lost | achieved rate |',
  '|---|---|---|---|---|',
  ...hep.rows.map((r) => `| ${r.target} | ${r.sent} | ${r.received} | ${r.lost} | ${r.achieved} |`),
  '',
  `highest rate with zero loss: **${hep.zeroLossRate.toLocaleString('en-US')} packets/s**`,
];
console.log(out.join('\n'));
