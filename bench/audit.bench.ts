// Audit time on a generated large Asterisk configuration (5,000 pjsip endpoints with auth and aor
// sections from templates, 5,000 mailboxes). Usage: npm run bench -- [endpoints] [runs]
// Writes the result to stdout as Markdown; docs/PERFORMANCE.md records it with the machine.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runAudit } from '../src/audit/engine.js';
import { defaultPolicy } from '../src/policy/loader.js';

const endpoints = Number(process.argv[2] ?? 5000);
const runs = Number(process.argv[3] ?? 5);
const dir = path.resolve(import.meta.dirname, '..', '.tmp', `bench-${endpoints}`);
mkdirSync(dir, { recursive: true });

// Deterministic mix: mostly random 20-character secrets, some weak, some shared.
let seed = 7;
const rnd = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const pj: string[] = [
  '[transport-tls]\ntype=transport\nprotocol=tls\nbind=0.0.0.0:5061\nmethod=tlsv1_2\n',
  '[phone](!)\ntype=endpoint\ncontext=internal\ndisallow=all\nallow=g722,alaw\nmedia_encryption=sdes\ntransport=transport-tls\n',
  '[phone-auth](!)\ntype=auth\nauth_type=userpass\n',
  '[phone-aor](!)\ntype=aor\nmax_contacts=1\n',
];
const vm: string[] = ['[general]\nminpassword=6\n', '[default]'];
const shared = randomBytes(15).toString('base64');
for (let i = 0; i < endpoints; i++) {
  const ext = String(10000 + i);
  const r = rnd();
  const pw = r < 0.05 ? `${ext}` : r < 0.1 ? shared : randomBytes(15).toString('base64');
  pj.push(
    `[${ext}](phone)\nauth=${ext}\naors=${ext}\ncallerid="User ${i}" <${ext}>\n[${ext}](phone-auth)\nusername=${ext}\npassword=${pw}\n[${ext}](phone-aor)\n`,
  );
  vm.push(
    `${ext} => ${r < 0.1 ? '1234' : String(100000 + Math.floor(rnd() * 899999))},User ${i},u${i}@example.com`,
  );
}
writeFileSync(path.join(dir, 'pjsip.conf'), pj.join('\n'));
writeFileSync(path.join(dir, 'voicemail.conf'), `${vm.join('\n')}\n`);
writeFileSync(path.join(dir, 'logger.conf'), '[logfiles]\nsecurity => security\n');

const times: number[] = [];
let findings = 0;
let rss = 0;
for (let k = 0; k < runs; k++) {
  const t = performance.now();
  const r = await runAudit({
    sources: [{ name: 'bench', kind: 'asterisk', root: dir }],
    policy: defaultPolicy(),
    reportRoot: dir,
  });
  times.push(performance.now() - t);
  findings = r.findings.length;
  rss = Math.max(rss, process.memoryUsage().rss);
}
const sorted = [...times].sort((a, b) => a - b);
const lines = pj.join('\n').split('\n').length;
console.log(`| endpoints | pjsip.conf lines | findings | first run (cold) | median of ${runs} | max RSS |`);
console.log('|---|---|---|---|---|---|');
console.log(
  `| ${endpoints} | ${lines} | ${findings} | ${(times[0]! / 1000).toFixed(2)} s | ${(sorted[Math.floor(runs / 2)]! / 1000).toFixed(2)} s | ${(rss / 1048576).toFixed(0)} MB |`,
);
console.log(
  `\nmachine: ${os.cpus()[0]?.model ?? 'unknown'} x${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`,
);
