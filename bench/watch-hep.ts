// HEP ingest: a loopback sender (separate process) sends HEP LOG packets at increasing rates to
// the real watch daemon (HEP UDP listener, decoders, detectors, SQLite store on disk). Reports,
// per rate, packets sent and decoded; the result is the highest rate with zero loss.

import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { policySchema } from '../src/policy/schema.js';
import { startWatch } from '../src/watch/daemon.js';

const rates = (process.argv[2] ?? '5000,10000,20000,40000,80000').split(',').map(Number);
const seconds = Number(process.argv[3] ?? 2);
const dir = path.resolve(import.meta.dirname, '..', '.tmp', 'bench-hep');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const w = await startWatch({
  policy: policySchema.parse({ version: 1 }),
  logs: [],
  syslog: [],
  hep: ['udp://127.0.0.1:0'],
  db: path.join(dir, 'hep.db'),
  logger: pino({ level: 'silent' }),
});
const port = w.ports['hep udp://127.0.0.1:0']!;
const rows: { target: number; sent: number; received: number; lost: number; achieved: number }[] = [];
for (const rate of rates) {
  const count = Math.min(rate * seconds, 200_000);
  const before = w.pipeline.lines;
  // the sender runs in its own process; spawnSync would block our event loop, so run it async
  const res = await new Promise<string>((resolve) => {
    import('node:child_process').then(({ execFile }) =>
      execFile(
        process.execPath,
        [
          '--import',
          'tsx',
          path.join(import.meta.dirname, 'hep-sender.ts'),
          String(port),
          String(rate),
          String(count),
        ],
        { timeout: 60_000 },
        (_e, stdout) => resolve(stdout),
      ),
    );
  });
  const s = JSON.parse(res || '{"sent":0,"rate":0}') as { sent: number; rate: number };
  // let the receiver drain its socket buffer
  let last = -1;
  while (w.pipeline.lines !== last) {
    last = w.pipeline.lines;
    await new Promise((r) => setTimeout(r, 300));
  }
  const received = w.pipeline.lines - before;
  rows.push({ target: rate, sent: s.sent, received, lost: s.sent - received, achieved: s.rate });
  if (s.sent - received > 0 && rows.length > 1 && rows[rows.length - 2]!.lost > 0) break;
}
await w.stop();
const best = rows.filter((r) => r.lost === 0).sort((a, b) => b.achieved - a.achieved)[0];
console.log(JSON.stringify({ rows, zeroLossRate: best?.achieved ?? 0 }));
