import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { asteriskCommon } from '../../src/pbx/asterisk/common.js';
import { loadAsterisk } from '../../src/pbx/asterisk/model.js';
import { loadModel } from '../../src/pbx/index.js';
import { audit, EXAMPLE, FIXTURES } from '../helpers.js';

/** The shared model part and the cross-PBX rules that read it. */
describe('common (cross-PBX) model and rules', () => {
  it('every PBX kind provides the common part', () => {
    for (const [kind, dir] of [
      ['asterisk', path.join(EXAMPLE, 'asterisk')],
      ['freeswitch', path.join(FIXTURES, 'common', 'HL-MGMT-001', 'bad')],
      ['kamailio', path.join(FIXTURES, 'kamailio-hardened')],
    ] as const) {
      const m = loadModel(kind, dir);
      assert.ok(m.common, kind);
      assert.ok(Array.isArray(m.common.secrets) && Array.isArray(m.common.tls), kind);
    }
  });

  it('the Asterisk common part classifies secrets and lists TLS, SRTP and management listeners', () => {
    const c = asteriskCommon(loadAsterisk(path.join(EXAMPLE, 'asterisk')));
    const purposes = new Set(c.secrets.map((s) => s.purpose));
    for (const p of ['sip', 'management', 'voicemail']) assert.ok(purposes.has(p as never), p);
    assert.ok(c.secrets.some((s) => s.owner === 'pjsip:auth/provider-auth' && s.purpose === 'sip-outbound'));
    assert.deepEqual(
      c.tls.map((t) => `${t.owner} ${t.minVersion}`),
      ['pjsip:transport/transport-tls 1'],
    );
    assert.ok(c.srtp.length >= 10);
    assert.deepEqual(
      c.management.map((l) => `${l.owner} ${l.scope}`),
      ['manager:general all', 'http:general all'],
    );
  });

  it('runs cross-PBX rules once per source and points related places into the other PBX folders', async () => {
    const dir = path.join(FIXTURES, 'common', 'HL-CRED-001', 'bad-cross-pbx');
    const r = await audit(dir, ['HL-CRED-001']);
    assert.deepEqual(
      r.findings.map((f) => `${f.source} ${f.location?.file}:${f.location?.line} ${f.target}`),
      [
        'legacy asterisk/manager.conf:6 manager:user/monitor',
        'edge edge/kamailio.cfg:73 kamailio:db/kamailio@db.internal',
        'pbx fs/autoload_configs/event_socket.conf.xml:5 freeswitch:event_socket',
      ].sort((a, b) => a.split(' ')[1]!.localeCompare(b.split(' ')[1]!)),
    );
    const fs = r.findings.find((f) => f.source === 'pbx')!;
    assert.match(fs.message, /edge:kamailio:db\/kamailio@db\.internal/);
    assert.deepEqual(fs.related?.map((s) => `${s.file}:${s.line}`).sort(), [
      'asterisk/manager.conf:6',
      'edge/kamailio.cfg:73',
    ]);
    // The shared secret itself is in no message, target or related span.
    assert.doesNotMatch(JSON.stringify(r.findings), /Gx7!pLq2/);
    assert.deepEqual(r.rulesRun, ['HL-CRED-001']);
  });
});
