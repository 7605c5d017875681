// One hardline ingest run over a log file, on the compiled code (npm run build first); prints
// JSON. It runs what `hardline backtest FILE` runs, in process: runBacktest() reads the file in
// chunks of whole lines, decodes each line from its bytes, and feeds the events through every
// default detector (no store: backtest keeps none); only the CLI's start-up and its report
// printing are left out (bench/watch.bench.ts also times the whole `hardline backtest` process).
import { defaultPolicy } from '../dist/policy/loader.js';
import { runBacktest } from '../dist/watch/backtest.js';

const file = process.argv[2];
// --decode-only: the same decoders with every detector off (what fail2ban-regex does: match only)
const decodeOnly = process.argv.includes('--decode-only');
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const r = await runBacktest({
  policy: defaultPolicy().policy,
  files: [file],
  ...(decodeOnly ? { only: [] } : {}),
});
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
console.log(
  JSON.stringify({
    lines: r.lines,
    events: r.events,
    incidents: r.incidents.length,
    ms: Math.round(ms),
    cpuMs: Math.round(cpuMs),
    linesPerSec: Math.round(r.lines / (ms / 1000)),
    linesPerCpuSec: Math.round(r.lines / (cpuMs / 1000)),
    maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
