import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadAsterisk } from '../../src/pbx/asterisk/model.js';
import { render } from '../../src/report/index.js';
import { audit, NOW } from '../helpers.js';

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hl-wiz-'));
  for (const [n, t] of Object.entries(files)) writeFileSync(path.join(dir, n), t);
  return dir;
}

describe('pjsip_wizard.conf expansion', () => {
  const dir = folder({
    'pjsip_wizard.conf': [
      '[phone](!)', // 1
      'type = wizard',
      'accepts_auth = yes', // 3
      'accepts_registrations = yes',
      'endpoint/context = phones', // 5
      '[201](phone)', // 6
      'inbound_auth/password = Gd8!rT2q-Wz5mLp7', // 7
      '[carrier]', // 8
      'type = wizard',
      'sends_auth = yes', // 10
      'sends_registrations = yes', // 11
      'remote_hosts = sip.carrier.example:5060, 198.51.100.21', // 12
      'outbound_auth/username = acme',
      'outbound_auth/password = Xq7-vLp2!mR9tK4z', // 14
      'endpoint/context = from-carrier',
      'transport = t-udp', // 16
    ].join('\n'),
    'pjsip.conf': '[t-udp]\ntype=transport\nprotocol=udp\n[6001]\ntype=auth\npassword=Gd8!rT2q-Wz5mLp7\n',
  });
  const m = loadAsterisk(dir);
  it('creates the objects Asterisk creates, under the names Asterisk gives them', () => {
    assert.deepEqual(
      m.pjsip.endpoints.map((e) => e.name),
      ['201', 'carrier'],
    );
    assert.deepEqual(
      m.pjsip.auths.map((a) => a.name),
      ['6001', '201-iauth', 'carrier-oauth'],
    );
    assert.deepEqual(
      m.pjsip.identifies.map((i) => [i.name, i.all('match').map((v) => v.value)]),
      [['carrier-identify', ['sip.carrier.example', '198.51.100.21']]],
    );
    assert.deepEqual(
      m.pjsip.registrations.map((r) => [r.name, r.value('server_uri'), r.value('outbound_auth')]),
      [
        ['carrier-reg-0', 'sip:sip.carrier.example:5060', 'carrier-oauth'],
        ['carrier-reg-1', 'sip:198.51.100.21', 'carrier-oauth'],
      ],
    );
    const ep = m.pjsip.find('endpoint', '201')!;
    assert.equal(ep.value('auth'), '201-iauth');
    assert.equal(ep.value('context'), 'phones');
    assert.equal(m.pjsip.find('endpoint', 'carrier')!.value('transport'), 't-udp');
    assert.equal(m.pjsip.find('aor', 'carrier')!.all('contact').length, 2);
    assert.equal(
      m.pjsip.find('aor', '201')!.all('contact').length,
      0,
      'accepts_registrations: no static contact',
    );
  });
  it('every synthesized value points at the wizard line it came from', () => {
    const a = m.pjsip.find('auth', '201-iauth')!;
    assert.deepEqual([a.get('password')?.file, a.get('password')?.line], ['pjsip_wizard.conf', 7]);
    assert.equal(a.get('password')?.inherited, undefined);
    assert.equal(m.pjsip.find('endpoint', '201')!.get('context')?.inherited, 'phone');
    assert.equal(m.pjsip.find('endpoint', '201')!.get('auth')?.line, 3);
    assert.equal(m.pjsip.find('identify', 'carrier-identify')!.get('match')?.line, 12);
  });
  it('wizard credentials join the secret reuse check (AST-AUTH-002)', async () => {
    const r = await audit(dir, ['AST-AUTH-002']);
    assert.deepEqual(r.findings.map((f) => `${f.target} ${f.location?.file}:${f.location?.line}`).sort(), [
      'pjsip:auth/201-iauth pjsip_wizard.conf:7',
      'pjsip:auth/6001 pjsip.conf:6',
    ]);
  });
});

describe('realtime, sorcery and other blind spots', () => {
  const dir = folder({
    'sorcery.conf': [
      '[res_pjsip]',
      'endpoint=realtime,ps_endpoints', // 2
      'auth=realtime,ps_auths', // 3
      'contact=astdb,registrator',
      '[res_pjsip_endpoint_identifier_ip]',
      'identify=config,pjsip.conf,criteria=type=identify',
    ].join('\n'),
    'extconfig.conf': '[settings]\nps_endpoints => odbc,asterisk\nsippeers => mysql,general,sip_buddies\n',
    'extensions.conf':
      '[from-phones]\nswitch => Realtime/from-phones@extensions\nexten => 100,1,Dial(PJSIP/100)\n',
    'asterisk.conf': '[options]\nexecincludes = yes\n',
    'pjsip.conf': '#exec /usr/local/bin/make-endpoints\n[t]\ntype=transport\n',
    'voicemail.conf': '[general]\npasswordlocation = spooldir\n',
  });
  it('reports every database-backed family and its line', () => {
    const m = loadAsterisk(dir);
    assert.deepEqual(
      m.unseen.map((b) => `${b.at?.file}:${b.at?.line}`),
      [
        'sorcery.conf:2',
        'sorcery.conf:3',
        'extconfig.conf:2',
        'extconfig.conf:3',
        'extensions.conf:2',
        'pjsip.conf:1',
        'voicemail.conf:2',
      ],
    );
    assert.match(
      m.unseen[0]!.message,
      /res_pjsip endpoint objects are loaded from realtime \(ps_endpoints\)/,
    );
  });
  it('the audit report lists them per source, relative to the report, in text, JSON and HTML', async () => {
    const r = await audit(dir, ['AST-LOG-001'], NOW);
    const spots = r.sources[0]!.blindSpots;
    assert.equal(spots.length, 7);
    assert.match(
      spots[2]!,
      /^extconfig\.conf:2: realtime family ps_endpoints is read from odbc database asterisk/,
    );
    const text = render('text', r, { color: false, absRoot: dir });
    assert.match(text, /Outside this audit's sight\n {2}\S+: sorcery\.conf:2: res_pjsip endpoint objects/);
    const json = JSON.parse(render('json', r, { color: false, absRoot: dir }));
    assert.deepEqual(json.sources[0].blindSpots, spots);
    assert.match(render('html', r, { color: false, absRoot: dir }), /Outside this audit&#39;s sight/);
  });
  it('a plain file-based configuration has no blind spots', async () => {
    const clean = folder({
      'sorcery.conf': '[res_pjsip]\nendpoint=config,pjsip.conf,criteria=type=endpoint\n',
    });
    assert.deepEqual(loadAsterisk(clean).unseen, []);
  });
});
