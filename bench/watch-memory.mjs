// Resident memory under N distinct spoofed source addresses (decode + detect, every detector on,
// default state cap), on the compiled code (npm run build first). Prints JSON.
import { defaultPolicy } from '../dist/policy/loader.js';
import { limitHeapGrowth, MemoryGuard } from '../dist/watch/memory.js';
import { Pipeline } from '../dist/watch/pipeline.js';

const n = Number(process.argv[2] ?? 1_000_000);
// --guard=MB: the watch daemon's memory guard (a full collection when RSS passes MB)
const guardArg = process.argv.find((a) => a.startsWith('--guard='));
const guard = guardArg ? new MemoryGuard(Number(guardArg.slice(8)), 0) : undefined;
// --heap-growth=PERCENT: what `hardline watch` sets at start (limitHeapGrowth), no forced collections
const growthArg = process.argv.find((a) => a.startsWith('--heap-growth='));
if (growthArg) limitHeapGrowth(Number(growthArg.slice(14)));
let incidents = 0;
const p = await Pipeline.create({ policy: defaultPolicy().policy, sinks: [{ incident: () => incidents++ }] });
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const base = Date.UTC(2026, 10, 24);
let lines = 0;
for (let i = 0; i < n; i++) {
  const ip =
    i % 4 === 3
      ? `2001:db8:${((i >> 16) & 0xffff).toString(16)}::${(i & 0xffff).toString(16)}`
      : `${10 + ((i >> 24) & 63)}.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  if (guard && i % 5000 === 0) guard.check();
  const host = ip.includes(':') ? `[${ip}]` : ip;
  for (let k = 0; k < 3; k++) {
    const t = base + i * 3 + k;
    p.line(
      `[2026-11-24 10:00:00] NOTICE[2143] res_pjsip/pjsip_distributor.c:676 log_failed_request: Request 'REGISTER' from '<sip:${100 + k}@192.0.2.1>' failed for '${host}:5060' (callid: ${i}-${k}) - ${k === 0 ? 'No matching endpoint found' : 'Failed to authenticate'}`,
      { fallbackTime: t, refTime: t },
    );
    lines++;
  }
}
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
global.gc?.();
const s = p.engine.stateStats();
console.log(
  JSON.stringify({
    sources: n,
    lines,
    events: p.eventCount,
    incidents,
    ms: Math.round(ms),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    rssMB: Math.round(process.memoryUsage().rss / 2 ** 20),
    maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    stateKeys: s.keys,
    evictions: s.evictions,
    collections: guard?.collections ?? 0,
  }),
);
