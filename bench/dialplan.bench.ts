// Dialplan path analysis on a generated FreePBX-sized configuration: N phones, N/10 DIDs,
// N/100 IVR menus, 10 identify-matched trunks, 20 outbound routes through a dial macro, and a
// custom include that opens the internal dialplan to the trunks (so every path is explored).
// Usage: npm run bench:dialplan -- [phones] [runs]. Prints Markdown for docs/PERFORMANCE.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadAsterisk } from '../src/pbx/asterisk/model.js';
import { analyzeDialplan } from '../src/pbx/asterisk/paths.js';
import { loadRules } from '../src/rules/index.js';

const phones = Number(process.argv[2] ?? 3000);
const runs = Number(process.argv[3] ?? 5);
const dir = path.resolve(import.meta.dirname, '..', '.tmp', `bench-dialplan-${phones}`);
mkdirSync(dir, { recursive: true });

const pj: string[] = ['[t]\ntype=transport\nprotocol=udp\nbind=0.0.0.0:5060\n'];
for (let t = 0; t < 10; t++)
  pj.push(
    `[trunk${t}]\ntype=endpoint\ncontext=from-pstn\nidentify_by=ip\noutbound_auth=trunk${t}\n[trunk${t}]\ntype=identify\nendpoint=trunk${t}\nmatch=203.0.113.${t + 1}\n[trunk${t}]\ntype=auth\nusername=acct${t}\npassword=Xq7-vLp2!mR9tK4z${t}\n`,
  );
const ext: string[] = ['[globals]', ...Array.from({ length: 10 }, (_, t) => `OUT_${t} = PJSIP/trunk${t}`)];
ext.push('[from-internal]', 'include => ext-local', 'include => outbound-allroutes');
ext.push('[ext-local]');
for (let i = 0; i < phones; i++) {
  const n = 10000 + i;
  pj.push(`[${n}]\ntype=endpoint\ncontext=from-internal\nauth=${n}\naors=${n}\n`);
  ext.push(`exten => ${n},1,Dial(PJSIP/${n},20)`, ` same => n,VoiceMail(${n}@default,u)`);
}
ext.push('[outbound-allroutes]');
for (let r = 0; r < 20; r++) ext.push(`include => outrt-${r}`);
for (let r = 0; r < 20; r++)
  ext.push(
    `[outrt-${r}]`,
    `exten => _${r % 2 ? '011' : '00'}${r}X.,1,Macro(dialout-trunk,${r % 10},\${EXTEN},,off)`,
  );
ext.push(
  '[macro-dialout-trunk]',
  'exten => s,1,Set(NUM=${ARG2})',
  ' same => n,Dial(${OUT_${ARG1}}/${NUM},300)',
);
ext.push('[from-pstn]', 'include => from-pstn-custom', 'include => ext-did');
ext.push('[from-pstn-custom]', 'include => from-internal');
ext.push('[ext-did]');
const ivrs = Math.max(1, Math.floor(phones / 100));
for (let d = 0; d < phones / 10; d++)
  ext.push(`exten => 55512${String(d).padStart(5, '0')},1,Goto(ivr-${d % ivrs},s,1)`);
for (let v = 0; v < ivrs; v++) {
  ext.push(`[ivr-${v}]`, 'exten => s,1,Background(menu)', ' same => n,WaitExten(5)');
  for (let k = 1; k <= 9; k++)
    ext.push(`exten => ${k},1,Goto(ext-local,${10000 + ((v * 9 + k) % phones)},1)`);
}
writeFileSync(path.join(dir, 'pjsip.conf'), pj.join('\n'));
writeFileSync(path.join(dir, 'extensions.conf'), `${ext.join('\n')}\n`);

const rules = (await loadRules()).filter((r) => r.id.startsWith('AST-DP-'));
const times: number[] = [];
let findings = 0;
let rss = 0;
for (let k = 0; k < runs; k++) {
  const m = loadAsterisk(dir);
  const t = performance.now();
  const a = analyzeDialplan(m);
  let n = 0;
  for (const rule of rules) rule.check(m, { policy: {}, policySets: () => false, report: () => void n++ });
  times.push(performance.now() - t);
  findings = n;
  rss = Math.max(rss, process.memoryUsage().rss);
  if (k === 0) {
    const states = [...a.byContext.values()].reduce((s, x) => s + x.exploration.reached.length, 0);
    console.error(
      `entries ${a.entries.length}, steps reached from entries ${states}, everywhere ${a.everywhere.reached.length}`,
    );
  }
}
const sorted = [...times].sort((a, b) => a - b);
const lines = ext.length;
console.log('| phones | extensions.conf lines | DP findings | first run | median | max RSS |');
console.log('|---|---|---|---|---|---|');
console.log(
  `| ${phones} | ${lines} | ${findings} | ${(times[0]! / 1000).toFixed(2)} s | ${(sorted[Math.floor(runs / 2)]! / 1000).toFixed(2)} s | ${Math.round(rss / 2 ** 20)} MB |`,
);
console.log(
  `\nmachine: ${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}, measured ${new Date().toISOString().slice(0, 10)}.`,
);
