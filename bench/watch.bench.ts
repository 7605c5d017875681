// hardline watch benchmarks, side by side with fail2ban-regex in one run.
// Usage: npm run bench:watch -- [lines=1000000] [sources=1000000] [hep-rates=5000,10000,...]
//        [--runs=5] [--mixes=full,attack,phase-a] [--skip-memory] [--skip-hep]
// 1. log ingest (read, decode + detect, every default detector on, no store: what
//    `hardline backtest` runs) on generated Asterisk logs of three compositions
//    (bench/watch-gen.ts) vs `fail2ban-regex LOG asterisk.conf` on the same files, also the whole
//    `hardline backtest FILE` process; runs interleaved, medians; wall and CPU time of each;
// 2. resident memory under N distinct spoofed source addresses;
// 3. HEP ingest from a loopback sender, highest rate with zero loss (checked per packet).
// Results: printed as Markdown, and as JSON in .tmp/bench-watch/results.json.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateAsteriskLog, type LogMix } from './watch-gen.js';

const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const pos = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const flag = (name: string) => flags.find((f) => f.startsWith(`--${name}=`))?.split('=')[1];
const lines = Number(pos[0] ?? 1_000_000);
const sources = Number(pos[1] ?? 1_000_000);
const hepRates = pos[2] ?? '5000,10000,15000,20000,25000,30000,40000';
const runs = Number(flag('runs') ?? 5);
const mixes = (flag('mixes') ?? 'full,attack,phase-a').split(',') as LogMix[];
const dir = path.resolve(import.meta.dirname, '..', '.tmp', 'bench-watch');
mkdirSync(dir, { recursive: true });

const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

interface Run {
  linesPerSec: number;
  linesPerCpuSec: number;
  ms: number;
  cpuMs: number;
  maxRssMB: number;
  events?: number;
  incidents?: number;
  matched?: number;
}

function hardline(file: string, decodeOnly: boolean): Run {
  const out = execFileSync(
    process.execPath,
    [path.join(import.meta.dirname, 'watch-ingest.mjs'), file, ...(decodeOnly ? ['--decode-only'] : [])],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  return JSON.parse(out.trim()) as Run;
}

/** `/usr/bin/time` of a whole process: wall, user, system (s) and max RSS (KiB). */
function timed(cmd: string, args: string[]): { wall: number; cpu: number; kb: number; stdout: string } {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', cmd, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr.slice(-500)}`);
  const [wall, user, sys, kb] = (r.stderr.trim().split('\n').pop() ?? '').split(' ').map(Number) as [
    number,
    number,
    number,
    number,
  ];
  return { wall, cpu: user + sys, kb, stdout: r.stdout };
}

/** The whole `hardline backtest FILE` process: Node start-up, read, decode, detect, text report. */
function hardlineCli(file: string, n: number): Run {
  const t = timed(process.execPath, [
    path.join(import.meta.dirname, '..', 'bin', 'hardline.js'),
    'backtest',
    file,
  ]);
  return {
    ms: t.wall * 1000,
    cpuMs: t.cpu * 1000,
    linesPerSec: n / t.wall,
    linesPerCpuSec: n / t.cpu,
    maxRssMB: Math.round(t.kb / 1024),
    incidents: Number(/^incidents: (\d+)/m.exec(t.stdout)?.[1] ?? 0),
  };
}

const filter = '/etc/fail2ban/filter.d/asterisk.conf';
const f2bVersion = existsSync(filter)
  ? (spawnSync('fail2ban-regex', ['--version'], { encoding: 'utf8' }).stdout.trim().split('\n')[0] ?? '')
  : '';
function fail2ban(file: string, n: number): Run | undefined {
  if (!f2bVersion) return undefined;
  // -r (raw): no DNS lookups of the hosts found, as in the first benchmark
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', 'fail2ban-regex', '-r', file, filter], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const [wall, user, sys, kb] = (r.stderr.trim().split('\n').pop() ?? '').split(' ').map(Number) as [
    number,
    number,
    number,
    number,
  ];
  const matched = Number(/(\d+) matched/.exec(r.stdout)?.[1] ?? 0);
  return {
    ms: wall * 1000,
    cpuMs: (user + sys) * 1000,
    linesPerSec: n / wall,
    linesPerCpuSec: n / (user + sys),
    maxRssMB: Math.round(kb / 1024),
    matched,
  };
}

// 1. ingest
const ingest: Record<
  string,
  {
    file: string;
    sizeMiB: number;
    loadBefore: string;
    loadAfter: string;
    hl: Run[];
    cli: Run[];
    decodeOnly: Run[];
    f2b: Run[];
  }
> = {};
for (const mix of mixes) {
  const file = path.join(dir, `asterisk-${mix}-v2-${lines}.log`);
  if (!existsSync(file)) await generateAsteriskLog(file, lines, mix);
  const r = {
    file,
    sizeMiB: statSync(file).size / 2 ** 20,
    loadBefore: load(),
    loadAfter: '',
    hl: [] as Run[],
    cli: [] as Run[],
    decodeOnly: [] as Run[],
    f2b: [] as Run[],
  };
  hardline(file, false); // warms the page cache
  for (let i = 0; i < runs; i++) {
    r.hl.push(hardline(file, false));
    if (i < 3) {
      const f = fail2ban(file, lines);
      if (f) r.f2b.push(f);
      r.decodeOnly.push(hardline(file, true));
      r.cli.push(hardlineCli(file, lines));
    }
  }
  r.loadAfter = load();
  ingest[mix] = r;
  process.stderr.write(`ingest ${mix} done\n`);
}

// 2. memory under distinct spoofed sources
type Mem = {
  maxRssMB: number;
  rssMB: number;
  ms: number;
  cpuMs: number;
  stateKeys: number;
  evictions: number;
  lines: number;
};
const memRun = (args: string[] = []): Mem =>
  JSON.parse(
    execFileSync(
      process.execPath,
      [path.join(import.meta.dirname, 'watch-memory.mjs'), String(sources), ...args],
      {
        encoding: 'utf8',
      },
    ).trim(),
  );
let mem: { name: string; m: Mem }[] = [];
if (!flags.includes('--skip-memory')) {
  mem = [
    { name: 'V8 defaults (no heap limit, no collections forced)', m: memRun() },
    {
      name: "heap growth capped at 20 % (watch's default --heap-growth), no collections forced",
      m: memRun(['--heap-growth=20']),
    },
    {
      name: "watch's defaults: heap growth 20 % and the --max-rss 160 guard",
      m: memRun(['--heap-growth=20', '--guard=160']),
    },
  ];
  process.stderr.write('memory done\n');
}

// 3. HEP
type HepRow = {
  target: number;
  sent: number;
  received: number;
  lost: number;
  duplicates: number;
  achieved: number;
  kernelDrops: number;
};
let hep: { rows: HepRow[]; zeroLossRate: number } | undefined;
let hepLoad = '';
if (!flags.includes('--skip-hep')) {
  hepLoad = load();
  hep = JSON.parse(
    execFileSync(process.execPath, [path.join(import.meta.dirname, 'watch-hep.mjs'), hepRates, '3'], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    }).trim(),
  );
}

const cpu = os.cpus()[0]?.model ?? 'cpu';
const out: string[] = [
  `machine: ${cpu} x${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.type()} ${os.release()}, ${new Date().toISOString().slice(0, 16)}Z; fail2ban-regex ${f2bVersion || 'not installed'}`,
  '',
];
for (const [mix, r] of Object.entries(ingest)) {
  const hl = median(r.hl.map((x) => x.linesPerSec));
  const hlCpu = median(r.hl.map((x) => x.linesPerCpuSec));
  const d = median(r.decodeOnly.map((x) => x.linesPerSec));
  const dCpu = median(r.decodeOnly.map((x) => x.linesPerCpuSec));
  const f = r.f2b.length ? median(r.f2b.map((x) => x.linesPerSec)) : 0;
  const fCpu = r.f2b.length ? median(r.f2b.map((x) => x.linesPerCpuSec)) : 0;
  out.push(
    `### Ingest, ${mix}: ${lines.toLocaleString('en-US')} lines (${r.sizeMiB.toFixed(0)} MiB), load average ${r.loadBefore} before, ${r.loadAfter} after`,
    '',
    '| tool | what it does | lines/s (wall) | lines per CPU-second | max RSS | runs (wall lines/s) |',
    '|---|---|---|---|---|---|',
    `| hardline, in process (runBacktest) | read, decode + every default detector | ${fmt(hl)} | ${fmt(hlCpu)} | ${median(r.hl.map((x) => x.maxRssMB))} MB | ${r.hl.map((x) => fmt(x.linesPerSec)).join(', ')} |`,
    `| \`hardline backtest FILE\`, whole process | the above plus Node start-up and the text report | ${fmt(median(r.cli.map((x) => x.linesPerSec)))} | ${fmt(median(r.cli.map((x) => x.linesPerCpuSec)))} | ${median(r.cli.map((x) => x.maxRssMB))} MB | ${r.cli.map((x) => fmt(x.linesPerSec)).join(', ')} |`,
    `| hardline, decoders only | decode, no detectors | ${fmt(d)} | ${fmt(dCpu)} | ${median(r.decodeOnly.map((x) => x.maxRssMB))} MB | ${r.decodeOnly.map((x) => fmt(x.linesPerSec)).join(', ')} |`,
    f
      ? `| fail2ban-regex (asterisk filter) | match only | ${fmt(f)} | ${fmt(fCpu)} | ${median(r.f2b.map((x) => x.maxRssMB))} MB | ${r.f2b.map((x) => fmt(x.linesPerSec)).join(', ')} |`
      : '| fail2ban-regex | not installed | | | | |',
    '',
    f
      ? `hardline / fail2ban-regex: **${(hl / f).toFixed(1)}x** wall, **${(hlCpu / fCpu).toFixed(1)}x** CPU; whole \`hardline backtest\` process: **${(median(r.cli.map((x) => x.linesPerSec)) / f).toFixed(1)}x** wall, **${(median(r.cli.map((x) => x.linesPerCpuSec)) / fCpu).toFixed(1)}x** CPU (decoders only: ${(d / f).toFixed(1)}x wall, ${(dCpu / fCpu).toFixed(1)}x CPU); events ${fmt(r.hl[0]?.events ?? 0)}, incidents ${fmt(r.hl[0]?.incidents ?? 0)}; fail2ban matched ${fmt(r.f2b[0]?.matched ?? 0)} lines`
      : '',
    '',
  );
}
if (mem.length) {
  out.push(
    `### Memory: ${sources.toLocaleString('en-US')} distinct spoofed sources (${fmt(mem[0]!.m.lines)} failed REGISTER lines)`,
    '',
    '| memory control | max RSS | RSS at the end | time | detector state keys at the end | evicted |',
    '|---|---|---|---|---|---|',
    ...mem.map(
      ({ name, m }) =>
        `| ${name} | ${m.maxRssMB} MB | ${m.rssMB} MB | ${(m.ms / 1000).toFixed(1)} s | ${fmt(m.stateKeys)} | ${fmt(m.evictions)} |`,
    ),
    '',
  );
}
if (hep) {
  out.push(
    `### HEP ingest (UDP loopback, LOG packets, decoders + detectors + SQLite store; load average ${hepLoad})`,
    '',
    '| target rate | sent | stored (distinct sequence numbers) | lost | duplicates | achieved rate | kernel receive-buffer drops |',
    '|---|---|---|---|---|---|---|',
    ...hep.rows.map(
      (r) =>
        `| ${r.target} | ${r.sent} | ${r.received} | ${r.lost} | ${r.duplicates} | ${r.achieved} | ${r.kernelDrops} |`,
    ),
    '',
    `highest rate with zero loss: **${fmt(hep.zeroLossRate)} packets/s**`,
  );
}
writeFileSync(path.join(dir, 'results.json'), JSON.stringify({ ingest, mem, hep, hepLoad }, null, 1));
console.log(out.join('\n'));
