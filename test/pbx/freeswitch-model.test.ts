import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { describe as describeSet } from '../../src/net/cidrset.js';
import { breadthOf } from '../../src/pbx/common.js';
import { resolveAcl } from '../../src/pbx/freeswitch/acl.js';
import { freeswitchCommon } from '../../src/pbx/freeswitch/common.js';
import { internationalRoutes } from '../../src/pbx/freeswitch/dialplan.js';
import { loadFreeswitch } from '../../src/pbx/freeswitch/model.js';
import { policySchema } from '../../src/policy/schema.js';

function conf(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hl-fsm-'));
  for (const [rel, text] of Object.entries(files)) {
    const p = path.join(dir, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return dir;
}

const VARS = '<include>\n  <X-PRE-PROCESS cmd="set" data="domain=example.com"/>\n</include>\n';

describe('FreeSWITCH model', () => {
  it('merges user, group and domain params and variables as switch_xml_locate_user_merged does', () => {
    const m = loadFreeswitch(
      conf({
        'vars.xml': VARS,
        'directory/d.xml': `<include>
  <domain name="$\${domain}">
    <params><param name="vm-password" value="999999"/></params>
    <variables><variable name="toll_allow" value="local"/><variable name="user_context" value="default"/></variables>
    <groups>
      <group name="sales">
        <params><param name="password" value="GroupPw-9!xQ"/></params>
        <users>
          <user id="1000"><params><param name="password" value="Own-Pw-7#kL2m"/></params></user>
          <user id="1001"><variables><variable name="toll_allow" value="international"/></variables></user>
        </users>
      </group>
      <group name="all">
        <users><user id="1000" type="pointer"/></users>
      </group>
    </groups>
  </domain>
</include>
`,
      }),
    );
    assert.deepEqual(
      m.users.map((u) => u.id),
      ['1000', '1001'],
      'pointer entries are not users',
    );
    const [u0, u1] = m.users;
    assert.equal(u0!.param('password')?.value, 'Own-Pw-7#kL2m');
    assert.equal(u1!.param('password')?.value, 'GroupPw-9!xQ');
    assert.equal(u1!.param('vm-password')?.value, '999999');
    assert.equal(u0!.variable('toll_allow')?.value, 'local');
    assert.equal(u1!.variable('toll_allow')?.value, 'international');
    assert.deepEqual(u0!.groups, ['sales', 'all']);
    assert.equal(u0!.domain, 'example.com');
  });

  it('evaluates ACLs by longest prefix: /0 nodes match, deny carve-outs win, domain= adds user cidr', () => {
    const m = loadFreeswitch(
      conf({
        'vars.xml': VARS,
        'autoload_configs/acl.conf.xml': `<configuration name="acl.conf">
  <network-lists>
    <list name="wide" default="deny">
      <node type="allow" cidr="0.0.0.0/0"/>
      <node type="deny" cidr="10.0.0.0/8"/>
    </list>
    <list name="tight" default="allow">
      <node type="deny" cidr="0.0.0.0/0"/>
      <node type="deny" cidr="::/0"/>
      <node type="allow" cidr="192.168.1.10/32"/>
    </list>
    <list name="tie" default="deny">
      <node type="deny" cidr="192.168.2.0/24"/>
      <node type="allow" cidr="192.168.2.0/24"/>
    </list>
    <list name="domains" default="deny">
      <node type="allow" domain="$\${domain}"/>
    </list>
  </network-lists>
</configuration>
`,
        'directory/d.xml':
          '<include>\n  <domain name="$${domain}">\n    <user id="1000" cidr="172.16.0.0/12"/>\n  </domain>\n</include>\n',
      }),
    );
    const wide = resolveAcl(m, 'wide');
    assert.equal(describeSet(wide.allowed, 10), describeSet(wide.allowed, 10));
    assert.ok(wide.allowed.some((c) => c.text === '11.0.0.0/8'));
    assert.ok(!wide.allowed.some((c) => c.text.startsWith('10.')));
    assert.deepEqual(
      resolveAcl(m, 'tight').allowed.map((c) => c.text),
      ['192.168.1.10/32'],
    );
    assert.deepEqual(resolveAcl(m, 'tie').allowed, [], 'the first declared of two equal prefixes decides');
    const dom = resolveAcl(m, 'domains');
    assert.deepEqual(
      dom.allowed.map((c) => c.text),
      ['172.16.0.0/12'],
    );
    assert.deepEqual(dom.userSpans, [{ file: 'directory/d.xml', line: 3 }]);
    assert.equal(resolveAcl(m, 'wan.auto').origin, 'builtin');
    assert.equal(resolveAcl(m, 'no-such-list').origin, 'unknown');
    const policy = policySchema.parse({ version: 1, networks: { lan: ['192.168.1.0/24'] } });
    assert.equal(breadthOf(resolveAcl(m, 'tight').allowed, policy).breadth, 'trusted');
    assert.equal(breadthOf(dom.allowed, policy).breadth, 'private');
    assert.equal(breadthOf(wide.allowed, policy).breadth, 'public');
  });

  it('follows transfers to find international gateway routes and notes toll_allow gates', () => {
    const m = loadFreeswitch(
      conf({
        'vars.xml': VARS,
        'autoload_configs/sofia.conf.xml':
          '<configuration name="sofia.conf"><profiles><profile name="external"><gateways><gateway name="gw"/></gateways></profile></profiles></configuration>\n',
        'dialplan/p.xml': `<include>
  <context name="public">
    <extension name="catch"><condition field="destination_number" expression="^(.*)$"><action application="transfer" data="$1 XML mid"/></condition></extension>
  </context>
  <context name="mid">
    <extension name="to-default"><condition field="destination_number" expression="^(\\+?\\d+)$"><action application="transfer" data="\${destination_number} XML default"/></condition></extension>
  </context>
  <context name="default">
    <extension name="intl">
      <condition field="destination_number" expression="^(00\\d+)$"><action application="bridge" data="sofia/gateway/gw/$1"/></condition>
    </extension>
    <extension name="intl-gated">
      <condition field="\${toll_allow}" expression="international"/>
      <condition field="destination_number" expression="^011(\\d+)$"><action application="bridge" data="sofia/external/$1@203.0.113.10"/></condition>
    </extension>
    <extension name="national"><condition field="destination_number" expression="^(1?[2-9]\\d{9})$"><action application="bridge" data="sofia/gateway/gw/$1"/></condition></extension>
  </context>
</include>
`,
      }),
    );
    const routes = internationalRoutes(m, 'public');
    assert.deepEqual(
      routes.map((r) => `${r.step.ext.name} gated=${r.gated} via=${r.via.join('>')}`),
      ['intl gated=false via=public>mid>default', 'intl-gated gated=true via=public>mid>default'],
    );
    assert.deepEqual(routes[0]!.samples, ['00442071838750']);
  });

  it('fills the shared (common) part: secrets, TLS, SRTP and management listeners', () => {
    const m = loadFreeswitch(
      conf({
        'vars.xml':
          '<include>\n  <X-PRE-PROCESS cmd="set" data="domain=example.com"/>\n  <X-PRE-PROCESS cmd="set" data="rtp_secure_media=optional"/>\n</include>\n',
        'autoload_configs/event_socket.conf.xml':
          '<configuration name="event_socket.conf">\n  <settings>\n    <param name="listen-ip" value="$${local_ip_v4}"/>\n    <param name="password" value="ClueCon"/>\n  </settings>\n</configuration>\n',
        'autoload_configs/sofia.conf.xml':
          '<configuration name="sofia.conf"><profiles><profile name="internal"><settings>\n<param name="tls" value="true"/>\n</settings></profile></profiles></configuration>\n',
        'directory/d.xml':
          '<include>\n  <domain name="$${domain}">\n    <user id="1000"><params><param name="password" value="Secret-Pw-1!"/></params></user>\n  </domain>\n</include>\n',
      }),
    );
    const c = freeswitchCommon(m);
    assert.deepEqual(
      c.secrets.map((s) => `${s.purpose} ${s.owner}`),
      ['sip freeswitch:user/1000@example.com', 'management freeswitch:event_socket'],
    );
    assert.equal(c.tls[0]?.minVersion, 1.0, 'sofia default tls-version starts at TLS 1.0');
    assert.equal(c.tls[0]?.defaulted, true);
    assert.equal(c.srtp[0]?.mode, 'optional');
    assert.equal(c.management[0]?.scope, 'address', '$${local_ip_v4} is the host address, not loopback');
  });
});
