// One hardline ingest run (decode + detect, no store) over a log file, on the compiled code
// (npm run build first); prints JSON.
import { statSync } from 'node:fs';
import { defaultPolicy } from '../dist/policy/loader.js';
import { Pipeline } from '../dist/watch/pipeline.js';
import { readLineBatches } from '../dist/watch/sources/lines.js';

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
let decoded = 0;
const t0 = performance.now();
for await (const batch of readLineBatches(file)) {
  for (const line of batch) {
    if (!line) continue;
    const r = p.line(line, { fallbackTime: ref, refTime: ref });
    if (r.events.length) decoded++;
  }
}
const ms = performance.now() - t0;
console.log(
  JSON.stringify({
    lines: p.lines,
    decoded,
    events: p.eventCount,
    incidents,
    ms: Math.round(ms),
    linesPerSec: Math.round(p.lines / (ms / 1000)),
    maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
