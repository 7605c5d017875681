import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadFreeswitch } from '../../src/pbx/freeswitch/model.js';
import { preprocessFreeswitch } from '../../src/pbx/freeswitch/preprocess.js';
import { parseXml } from '../../src/pbx/freeswitch/xml.js';

/** Writes a FreeSWITCH configuration folder from a map of relative paths to contents. */
function conf(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hl-fs-'));
  for (const [rel, text] of Object.entries(files)) {
    const p = path.join(dir, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return dir;
}

const MAIN = `<?xml version="1.0"?>
<document type="freeswitch/xml">
  <X-PRE-PROCESS cmd="include" data="vars.xml"/>
  <section name="configuration" description="Various Configuration">
    <X-PRE-PROCESS cmd="include" data="autoload_configs/*.xml"/>
  </section>
  <section name="directory" description="User Directory">
    <X-PRE-PROCESS cmd="include" data="directory/*.xml"/>
  </section>
</document>
`;

describe('FreeSWITCH pre-processor', () => {
  it('expands $${var} in order with the globals set so far; unknown names expand to nothing; ${var} stays', () => {
    const dir = conf({
      'freeswitch.xml': MAIN,
      'vars.xml': [
        '<include>',
        '  <X-PRE-PROCESS cmd="set" data="early=$${late}x"/>',
        '  <X-PRE-PROCESS cmd="set" data="late=L"/>',
        '  <X-PRE-PROCESS cmd="set" data="both=$${early}-$${late}"/>',
        '  <X-PRE-PROCESS cmd="set" data="name = spaced value"/>',
        '</include>',
      ].join('\n'),
      'autoload_configs/x.conf.xml':
        '<configuration name="x.conf">\n  <settings>\n    <param name="a" value="$${both}/${runtime}"/>\n  </settings>\n</configuration>\n',
    });
    const r = preprocessFreeswitch(dir);
    assert.equal(r.globals.get('early')?.value, 'x');
    assert.equal(r.globals.get('both')?.value, 'x-L');
    assert.equal(r.globals.get('name')?.value, 'spaced value');
    const line = r.lines.find((l) => l.text.includes('name="a"'))!;
    assert.match(line.text, /value="x-L\/\$\{runtime\}"/);
    assert.deepEqual(line.vars, ['both']);
    assert.equal(line.file, 'autoload_configs/x.conf.xml');
    assert.equal(line.line, 3);
  });

  it('runs X-PRE-PROCESS inside XML comments (case-insensitive); Z-PRE-PROCESS is ignored', () => {
    const dir = conf({
      'vars.xml': [
        '<include>',
        '  <!-- <X-PRE-PROCESS cmd="set" data="commented=still-set"/> -->',
        '  <!--',
        '    <x-pre-process cmd="set" data="multiline=yes"/>',
        '  -->',
        '  <Z-PRE-PROCESS cmd="set" data="disabled=1"/>',
        '</include>',
      ].join('\n'),
    });
    const r = preprocessFreeswitch(dir);
    assert.equal(r.globals.get('commented')?.value, 'still-set');
    assert.equal(r.globals.get('multiline')?.value, 'yes');
    assert.equal(r.globals.has('disabled'), false);
    // The comment lines around the executed directive survive and still parse as XML.
    assert.deepEqual(parseXml(r.lines).diagnostics, []);
  });

  it('drops whole lines holding <include>, </include> or <?, and lines mentioning X-PRE-PROCESS without <', () => {
    const dir = conf({
      'vars.xml':
        '<include><X-PRE-PROCESS cmd="set" data="lost=1"/>\n<?xml version="1.0"?>\n<!-- see X-PRE-PROCESS docs -->\n</include>\n',
    });
    const r = preprocessFreeswitch(dir);
    // The first line has <include>: FreeSWITCH drops it before looking for the directive.
    assert.equal(r.globals.has('lost'), false);
    assert.equal(r.lines.filter((l) => !l.synthetic).length, 0);
  });

  it('understands the old <!--#set "a=b"--> and <!--#include "file"--> forms', () => {
    const dir = conf({
      'vars.xml': '<include>\n<!--#set "old=style"-->\n<!--#include "more.xml"-->\n</include>\n',
      'more.xml': '<include>\n  <X-PRE-PROCESS cmd="set" data="more=1"/>\n</include>\n',
    });
    const r = preprocessFreeswitch(dir);
    assert.equal(r.globals.get('old')?.value, 'style');
    assert.equal(r.globals.get('more')?.value, '1');
  });

  it('includes globs relative to the including file, in sorted order, and maps /etc/freeswitch to the folder', () => {
    const dir = conf({
      'freeswitch.xml': MAIN,
      'vars.xml': '<include>\n</include>\n',
      'autoload_configs/sofia.conf.xml': [
        '<configuration name="sofia.conf">',
        '  <profiles>',
        '    <X-PRE-PROCESS cmd="include" data="../sip_profiles/*.xml"/>',
        '    <X-PRE-PROCESS cmd="include" data="/etc/freeswitch/extra/*.xml"/>',
        '  </profiles>',
        '</configuration>',
      ].join('\n'),
      'sip_profiles/b.xml': '<include>\n  <profile name="b"/>\n</include>\n',
      'sip_profiles/a.xml': '<include>\n  <profile name="a"/>\n</include>\n',
      'extra/c.xml': '<profile name="c"/>\n',
    });
    const m = loadFreeswitch(dir);
    assert.deepEqual(
      m.profiles.map((p) => `${p.name} ${p.file}:${p.line}`),
      ['a sip_profiles/a.xml:2', 'b sip_profiles/b.xml:2', 'c extra/c.xml:1'],
    );
    assert.ok(m.files.includes('sip_profiles/a.xml'));
  });

  it('never runs exec-set, env-set, stun: or exec; their values are runtime-only and listed as blind spots', () => {
    const dir = conf({
      'vars.xml': [
        '<include>',
        '  <X-PRE-PROCESS cmd="exec-set" data="ip=/usr/bin/curl -s ifconfig.me"/>',
        '  <X-PRE-PROCESS cmd="env-set" data="tenant=TENANT"/>',
        '  <X-PRE-PROCESS cmd="stun-set" data="ext=stun:stun.example.org"/>',
        '  <X-PRE-PROCESS cmd="stun-set" data="fixed=203.0.113.9"/>',
        '  <X-PRE-PROCESS cmd="exec" data="/usr/local/bin/gen-users"/>',
        '  <X-PRE-PROCESS cmd="set" data="uses=$${ip}"/>',
        '</include>',
      ].join('\n'),
    });
    const r = preprocessFreeswitch(dir);
    assert.equal(r.globals.get('ip')?.runtime, true);
    assert.equal(r.globals.get('uses')?.value, '$${ip}');
    assert.equal(r.globals.get('fixed')?.value, '203.0.113.9');
    assert.equal(r.globals.get('ext')?.runtime, true);
    assert.equal(r.blindSpots.filter((b) => b.startsWith('vars.xml:')).length, 4);
  });

  it('reports include cycles, missing files and malformed XML with file:line instead of throwing', () => {
    const dir = conf({
      'freeswitch.xml': MAIN,
      'vars.xml':
        '<include>\n  <X-PRE-PROCESS cmd="include" data="loop.xml"/>\n  <X-PRE-PROCESS cmd="include" data="nope.xml"/>\n</include>\n',
      'loop.xml': '<include>\n  <X-PRE-PROCESS cmd="include" data="vars.xml"/>\n</include>\n',
      'directory/default.xml':
        '<include>\n  <domain name="d">\n    <user id="1000">\n  </domain>\n</include>\n',
    });
    const m = loadFreeswitch(dir);
    const codes = m.diagnostics.map((d) => `${d.code} ${d.file}:${d.line}`);
    assert.ok(
      codes.includes('include-cycle vars.xml:1') || codes.some((c) => c.startsWith('include-cycle')),
      codes.join('\n'),
    );
    assert.ok(codes.includes('include-missing vars.xml:3'), codes.join('\n'));
    const xml = m.diagnostics.find((d) => d.code === 'xml');
    assert.ok(xml, 'malformed XML is a diagnostic');
    assert.equal(xml.file, 'directory/default.xml');
    assert.equal(xml.line, 4);
    assert.equal(m.users.length, 1, 'what parsed before the error is kept');
  });

  it('assumes the stock layout when freeswitch.xml is missing and says so', () => {
    const dir = conf({
      'vars.xml': '<include>\n  <X-PRE-PROCESS cmd="set" data="domain=example.com"/>\n</include>\n',
      'directory/default.xml':
        '<include>\n  <domain name="$${domain}">\n    <user id="1000"/>\n  </domain>\n</include>\n',
    });
    const m = loadFreeswitch(dir);
    assert.equal(m.domains[0]?.name, 'example.com');
    assert.equal(m.users[0]?.file, 'directory/default.xml');
    assert.equal(m.users[0]?.line, 3);
    assert.ok(m.blindSpots.some((b) => b.includes('stock layout')));
  });
});
