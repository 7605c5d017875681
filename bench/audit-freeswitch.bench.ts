// Audit time on a generated large FreeSWITCH configuration: the stock-like layout (freeswitch.xml,
// vars.xml, sofia profiles, acl, dialplan with transfers and gateway routes) and N directory
// users, one file each, pulled in by an X-PRE-PROCESS glob. Usage:
//   npm run bench:freeswitch -- [users] [runs]
// Writes the result to stdout as Markdown; docs/PERFORMANCE.md records it with the machine.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runAudit } from '../src/audit/engine.js';
import { defaultPolicy } from '../src/policy/loader.js';

const users = Number(process.argv[2] ?? 5000);
const runs = Number(process.argv[3] ?? 5);
const dir = path.resolve(import.meta.dirname, '..', '.tmp', `bench-fs-${users}`);
rmSync(dir, { recursive: true, force: true });
mkdirSync(path.join(dir, 'directory', 'default'), { recursive: true });
mkdirSync(path.join(dir, 'autoload_configs'), { recursive: true });
mkdirSync(path.join(dir, 'dialplan'), { recursive: true });
const w = (rel: string, text: string) => writeFileSync(path.join(dir, rel), text);

w(
  'freeswitch.xml',
  '<?xml version="1.0"?>\n<document type="freeswitch/xml">\n  <X-PRE-PROCESS cmd="include" data="vars.xml"/>\n  <section name="configuration">\n    <X-PRE-PROCESS cmd="include" data="autoload_configs/*.xml"/>\n  </section>\n  <section name="dialplan">\n    <X-PRE-PROCESS cmd="include" data="dialplan/*.xml"/>\n  </section>\n  <section name="directory">\n    <X-PRE-PROCESS cmd="include" data="directory/*.xml"/>\n  </section>\n</document>\n',
);
w(
  'vars.xml',
  '<include>\n  <X-PRE-PROCESS cmd="set" data="domain=bench.example"/>\n  <X-PRE-PROCESS cmd="set" data="default_password=1234"/>\n</include>\n',
);
w(
  'autoload_configs/sofia.conf.xml',
  `<configuration name="sofia.conf"><profiles>
<profile name="internal"><settings>
<param name="auth-calls" value="true"/><param name="apply-inbound-acl" value="domains"/><param name="log-auth-failures" value="true"/>
</settings></profile>
<profile name="external"><gateways><gateway name="gw"><param name="password" value="${randomBytes(12).toString('base64')}"/></gateway></gateways>
<settings><param name="auth-calls" value="false"/></settings></profile>
</profiles></configuration>\n`,
);
w(
  'autoload_configs/acl.conf.xml',
  '<configuration name="acl.conf"><network-lists><list name="domains" default="deny"><node type="allow" domain="$${domain}"/></list></network-lists></configuration>\n',
);
w(
  'dialplan/dp.xml',
  `<include>
<context name="public"><extension name="did"><condition field="destination_number" expression="^(\\d{5})$"><action application="transfer" data="$1 XML default"/></condition></extension></context>
<context name="default">
<extension name="local"><condition field="destination_number" expression="^(\\d{5})$"><action application="bridge" data="user/$1@\${domain_name}"/></condition></extension>
<extension name="intl"><condition field="\${toll_allow}" expression="international"/><condition field="destination_number" expression="^(00\\d+)$"><action application="bridge" data="sofia/gateway/gw/$1"/></condition></extension>
</context>
</include>\n`,
);
w(
  'directory/default.xml',
  '<include>\n  <domain name="$${domain}">\n    <groups><group name="default"><users>\n      <X-PRE-PROCESS cmd="include" data="default/*.xml"/>\n    </users></group></groups>\n  </domain>\n</include>\n',
);
// Deterministic mix: 90 % random 20-character passwords, 5 % equal to the user id, 5 % default.
let seed = 11;
const rnd = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
for (let i = 0; i < users; i++) {
  const id = String(20000 + i);
  const r = rnd();
  const pw = r < 0.05 ? id : r < 0.1 ? '$${default_password}' : randomBytes(15).toString('base64');
  w(
    `directory/default/${id}.xml`,
    `<include>\n  <user id="${id}"${i % 50 === 0 ? ` cidr="10.${i % 250}.0.0/24"` : ''}>\n    <params>\n      <param name="password" value="${pw}"/>\n      <param name="vm-password" value="${100000 + Math.floor(rnd() * 899999)}"/>\n    </params>\n    <variables>\n      <variable name="toll_allow" value="domestic,international"/>\n      <variable name="user_context" value="default"/>\n    </variables>\n  </user>\n</include>\n`,
  );
}

const times: number[] = [];
let findings = 0;
let rss = 0;
for (let k = 0; k < runs; k++) {
  const t = performance.now();
  const r = await runAudit({
    sources: [{ name: 'bench', kind: 'freeswitch', root: dir }],
    policy: defaultPolicy(),
    reportRoot: dir,
  });
  times.push(performance.now() - t);
  findings = r.findings.length;
  rss = Math.max(rss, process.memoryUsage().rss);
}
const sorted = [...times].sort((a, b) => a - b);
console.log(`| users (files) | findings | first run (cold) | median of ${runs} | max RSS |`);
console.log('|---|---|---|---|---|');
console.log(
  `| ${users} | ${findings} | ${(times[0]! / 1000).toFixed(2)} s | ${(sorted[Math.floor(runs / 2)]! / 1000).toFixed(2)} s | ${(rss / 1048576).toFixed(0)} MB |`,
);
console.log(
  `\nmachine: ${os.cpus()[0]?.model ?? 'unknown'} x${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`,
);
