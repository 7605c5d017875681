// One hardline ingest run (decode + detect, no store) over a log file, on the compiled code
// (npm run build first); prints JSON. Lines are read as bytes in chunks and decoded by the same
// Pipeline.chunk() path `hardline watch` uses for files.
import { statSync } from 'node:fs';
import { defaultPolicy } from '../dist/policy/loader.js';
import { Pipeline } from '../dist/watch/pipeline.js';
import { readLineChunks } from '../dist/watch/sources/lines.js';

const file = process.argv[2];
// --decode-only: the same decoders with every detector off (what fail2ban-regex does: match only)
const decodeOnly = process.argv.includes('--decode-only');
let incidents = 0;
const p = await Pipeline.create({
  policy: defaultPolicy().policy,
  sinks: [{ incident: () => incidents++ }],
  ...(decodeOnly ? { only: [] } : {}),
});
const ref = statSync(file).mtimeMs;
const ctx = { fallbackTime: ref, refTime: ref };
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for await (const chunk of readLineChunks(file)) p.chunk(chunk, 0, chunk.length, ctx);
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
console.log(
  JSON.stringify({
    lines: p.lines,
    events: p.eventCount,
    incidents,
    ms: Math.round(ms),
    cpuMs: Math.round(cpuMs),
    linesPerSec: Math.round(p.lines / (ms / 1000)),
    linesPerCpuSec: Math.round(p.lines / (cpuMs / 1000)),
    maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
