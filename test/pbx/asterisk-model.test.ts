import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { readAcl } from '../../src/pbx/asterisk/acl.js';
import { parseConfigText } from '../../src/pbx/asterisk/config.js';
import { bindScope, identifyBy } from '../../src/pbx/asterisk/helpers.js';
import { loadAsterisk } from '../../src/pbx/asterisk/model.js';
import { splitHostPort } from '../../src/pbx/asterisk/values.js';
import { detectPbxKind } from '../../src/pbx/index.js';

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hl-ast-'));
  for (const [n, t] of Object.entries(files)) writeFileSync(path.join(dir, n), t);
  return dir;
}

describe('asterisk model', () => {
  const dir = folder({
    'pjsip.conf': [
      '[t](!)',
      'type=endpoint',
      '[6001](t)',
      'auth=6001',
      '[6001]',
      'type=auth',
      'password=x',
      '[6001]',
      'type=aor',
      '[g]',
      'type=global',
      '[id]',
      'type=identify',
      'endpoint=trunk',
    ].join('\n'),
    'voicemail.conf':
      '[general]\nminpassword=6\n[zonemessages]\neu=Europe/Berlin|x\n[default]\n1001 => -1234,Alice,a@x,,attach=yes|delete=no\n[other]\n2001 => ,Bob\n',
    'logger.conf': '[general]\n[logfiles]\nmessages => notice,warning\nfull.json => [json]debug,security\n',
    'extensions.conf': [
      '[general]',
      'static=yes',
      '[globals]',
      'TRUNK=PJSIP/provider',
      '[internal]',
      'exten => _1XX,1(start),Dial(PJSIP/${EXTEN},30)',
      ' same => n,VoiceMail(${EXTEN}@default,u)',
      'include => outbound,08:00-18:00,mon-fri,*,*',
      '[outbound]',
      'exten => _00X.,1,Dial(${TRUNK}/${EXTEN:2},60,T)',
    ].join('\n'),
    'manager.conf': '[general]\nenabled=yes\n[admin]\nsecret=Abcdef-123456\n',
  });
  const m = loadAsterisk(dir);

  it('groups pjsip sections by type, skipping templates', () => {
    assert.deepEqual(
      m.pjsip.endpoints.map((e) => e.name),
      ['6001'],
    );
    assert.equal(m.pjsip.auths.length, 1);
    assert.equal(m.pjsip.aors.length, 1);
    assert.equal(m.pjsip.global?.name, 'g');
    assert.equal(m.pjsip.find('auth', '6001')?.value('password'), 'x');
    assert.equal(m.pjsip.identifies.length, 1);
  });
  it('reads mailboxes with their PIN, options and location; skips special sections', () => {
    assert.deepEqual(
      m.mailboxes.map((b) => [b.context, b.mailbox, b.pin, b.fullname, b.options, b.line]),
      [
        ['default', '1001', '-1234', 'Alice', 'attach=yes|delete=no', 6],
        ['other', '2001', '', 'Bob', '', 8],
      ],
    );
  });
  it('reads logger channels with levels and format', () => {
    assert.deepEqual(
      m.logger.map((c) => [c.name, c.levels, c.format]),
      [
        ['messages', ['notice', 'warning'], undefined],
        ['full.json', ['debug', 'security'], 'json'],
      ],
    );
  });
  it('reads dialplan contexts, steps, labels and includes', () => {
    const internal = m.dialplan.contexts.get('internal')!;
    assert.deepEqual(
      internal.steps.map((s) => [s.exten, s.priority, s.label, s.app, s.args]),
      [
        ['_1XX', '1', 'start', 'Dial', 'PJSIP/${EXTEN},30'],
        ['_1XX', 'n', undefined, 'VoiceMail', '${EXTEN}@default,u'],
      ],
    );
    assert.deepEqual(internal.includes[0]?.context, 'outbound');
    assert.equal(internal.includes[0]?.timespec, '08:00-18:00,mon-fri,*,*');
    assert.equal(m.dialplan.globals.get('TRUNK')?.value, 'PJSIP/provider');
    assert.ok(!m.dialplan.contexts.has('general'));
  });
  it('collects secrets with their owners', () => {
    assert.deepEqual(
      m.secrets.map((s) => [s.kind, s.owner]),
      [
        ['sip-password', 'pjsip:auth/6001'],
        ['ami-secret', 'manager:user/admin'],
        ['voicemail-pin', 'voicemail:default/1001'],
      ],
    );
  });
  it('detects the PBX kind from marker files', () => {
    assert.equal(detectPbxKind(dir), 'asterisk');
    assert.equal(detectPbxKind(folder({ 'kamailio.cfg': '' })), 'kamailio');
    assert.equal(detectPbxKind(folder({ 'vars.xml': '' })), 'freeswitch');
    assert.equal(detectPbxKind(folder({ 'readme.txt': '' })), undefined);
  });
});

describe('asterisk helpers', () => {
  it('classifies bind addresses', () => {
    assert.equal(bindScope(undefined), 'all');
    assert.equal(bindScope('0.0.0.0'), 'all');
    assert.equal(bindScope('[::]:5038'), 'all');
    assert.equal(bindScope('127.0.0.1'), 'loopback');
    assert.equal(bindScope('[::1]:8088'), 'loopback');
    assert.equal(bindScope('192.168.1.5:8088'), 'address');
    assert.equal(bindScope('pbx.example.com'), 'unresolved');
  });
  it('splits host and port', () => {
    assert.deepEqual(splitHostPort('1.2.3.4:5060'), { host: '1.2.3.4', port: 5060 });
    assert.deepEqual(splitHostPort('[2001:db8::1]:5061'), { host: '2001:db8::1', port: 5061 });
    assert.deepEqual(splitHostPort('2001:db8::1'), { host: '2001:db8::1' });
  });
  it('reads ACLs the way Asterisk applies them', () => {
    const c = parseConfigText(
      '[u]\ndeny=0.0.0.0/0.0.0.0\npermit=10.0.0.0/8,192.168.1.0/255.255.255.0\n[v]\npermit=1.2.3.4\n',
      'x.conf',
      { root: '/' },
    );
    const a = readAcl(c.sections[0]!);
    assert.equal(a.deniesAllV4, true);
    assert.equal(a.deniesAllV6, false);
    assert.deepEqual(
      a.rules.map((r) => [r.action, r.cidr?.text]),
      [
        ['deny', '0.0.0.0/0'],
        ['permit', '10.0.0.0/8'],
        ['permit', '192.168.1.0/24'],
      ],
    );
    assert.deepEqual(
      a.broadPermits.map((r) => r.text),
      ['10.0.0.0/8'],
    );
    const b = readAcl(c.sections[1]!);
    assert.equal(b.hasDeny, false);
  });
  it('identify_by defaults to username,ip', () => {
    const c = parseConfigText('[e]\ntype=endpoint\n[f]\nidentify_by=ip\n', 'x.conf', { root: '/' });
    assert.deepEqual(identifyBy(c.sections[0]!), ['username', 'ip']);
    assert.deepEqual(identifyBy(c.sections[1]!), ['ip']);
  });
});
