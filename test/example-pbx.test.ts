import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { FORMATS, render } from '../src/report/index.js';
import { audit, FIXTURES, ROOT } from './helpers.js';

/**
 * The FreeSWITCH and Kamailio examples, checked finding by finding like the Asterisk one, so a
 * rule that stops (or starts) firing on them is noticed.
 */
const FREESWITCH = path.join(ROOT, 'examples', 'freeswitch');
const KAMAILIO = path.join(ROOT, 'examples', 'kamailio-edge');

const line = (f: {
  ruleId: string;
  severity: string;
  location?: { file: string; line: number };
  target: string;
  waived: boolean;
}) =>
  `${f.ruleId} ${f.severity} ${f.location?.file}:${f.location?.line} ${f.target}${f.waived ? ' waived' : ''}`;

const FS_EXPECTED = [
  'FS-ESL-001 critical freeswitch/autoload_configs/event_socket.conf.xml:6 freeswitch:event_socket',
  'HL-MGMT-001 critical freeswitch/autoload_configs/event_socket.conf.xml:4 freeswitch:event_socket',
  'FS-SIP-005 low freeswitch/sip_profiles/internal.xml:1 freeswitch:profile/internal',
  'FS-ACL-001 critical freeswitch/sip_profiles/internal.xml:25 freeswitch:profile/internal/apply-inbound-acl',
  'FS-AUTH-001 critical freeswitch/directory/default/1002.xml:4 freeswitch:user/1002@pbx.acme-clinic.example',
  'FS-AUTH-002 critical freeswitch/directory/default/1005.xml:2 freeswitch:user/1005@pbx.acme-clinic.example',
  'FS-CRED-001 critical freeswitch/vars.xml:9 freeswitch:global/default_password',
  'FS-DP-001 critical freeswitch/directory/default/1000.xml:8 freeswitch:user/1000@pbx.acme-clinic.example',
  'FS-DP-001 critical freeswitch/directory/default/1001.xml:8 freeswitch:user/1001@pbx.acme-clinic.example',
  'FS-DP-002 critical freeswitch/dialplan/public/00_inbound.xml:14 freeswitch:dialplan/public/did_block',
  'FS-VM-001 high freeswitch/directory/default/1000.xml:5 freeswitch:user/1000@pbx.acme-clinic.example',
  'FS-VM-001 high freeswitch/directory/default/1001.xml:5 freeswitch:user/1001@pbx.acme-clinic.example',
  'FS-VM-001 high freeswitch/directory/default/1003.xml:5 freeswitch:user/1003@pbx.acme-clinic.example',
  'FS-VM-002 high freeswitch/autoload_configs/voicemail.conf.xml:17 freeswitch:voicemail/default',
  'HL-CRED-001 high freeswitch/directory/default/1000.xml:4 freeswitch:user/1000@pbx.acme-clinic.example',
  'HL-CRED-001 high freeswitch/directory/default/1001.xml:4 freeswitch:user/1001@pbx.acme-clinic.example',
  'HL-SRTP-001 high freeswitch/directory/default/1003.xml:16 freeswitch:user/1003@pbx.acme-clinic.example',
  'HL-SRTP-001 high freeswitch/directory/default/1005.xml:16 freeswitch:user/1005@pbx.acme-clinic.example waived',
  'HL-TLS-001 high freeswitch/sip_profiles/internal.xml:34 freeswitch:profile/internal',
  'FS-SRTP-001 medium freeswitch/vars.xml:20 freeswitch:global/rtp_sdes_suites',
  'FS-RTP-001 low freeswitch/autoload_configs/switch.conf.xml:7 freeswitch:rtp-range',
  'FS-LOG-001 medium freeswitch/sip_profiles/internal.xml:46 freeswitch:profile/internal',
];

const KAM_EXPECTED = [
  'HL-MGMT-001 critical kamailio/kamailio.cfg:73 kamailio:ctl/tcp:0.0.0.0:2049',
  'KAM-RPC-001 high kamailio/kamailio.cfg:208 kamailio:xhttp/rpc',
  'KAM-NET-001 medium kamailio/kamailio.cfg:1 kamailio:listen',
  'KAM-AUTH-003 high kamailio/kamailio.cfg:136 kamailio:permissions/1',
  'KAM-DB-001 high kamailio/kamailio.cfg:11 kamailio:db/kamailio@localhost',
  'HL-TLS-001 high kamailio/tls.cfg:4 kamailio:tls/server:default',
  'KAM-TLS-002 medium kamailio/tls.cfg:12 kamailio:tls/client:default',
  'HL-POL-003 medium hardline.yaml:28 policy:firewall/egress',
];

describe('bundled example: examples/freeswitch (FusionPBX-style)', () => {
  it('reports exactly the expected findings, in the hardening plan order', async () => {
    const r = await audit(FREESWITCH);
    assert.deepEqual(r.findings.map(line), FS_EXPECTED);
  });
  it('covers all five hardening steps, parses cleanly and names its blind spots', async () => {
    const r = await audit(FREESWITCH);
    assert.equal(new Set(r.findings.map((f) => f.step)).size, 5);
    assert.deepEqual(r.diagnostics, []);
    assert.equal(r.sources[0]?.kind, 'freeswitch');
    assert.ok(r.sources[0]?.files.includes('freeswitch/directory/default/1005.xml'));
    assert.ok(r.sources[0]?.blindSpots.some((b) => b.includes('stun-set')));
  });
});

describe('secrets of FreeSWITCH and Kamailio configurations never appear in any report', () => {
  // Well-known defaults (ClueCon, 1234, kamailiorw) are named in the rule documentation: public.
  for (const [dir, secrets] of [
    [FREESWITCH, ['acme1002', 'Pr0v!der-Issued-7fK2q', 'Vq7#kd9!Lm2xRt4p', 'Hn4$wQ9!pLx7Rz2kYb']],
    [path.join(FIXTURES, 'common', 'HL-CRED-001', 'bad-cross-pbx'), ['Gx7!pLq2#Wm9vRt4Zk8s']],
  ] as const) {
    it(`${path.relative(ROOT, dir)}: no secret in text, json, sarif or html`, async () => {
      const r = await audit(dir);
      assert.ok(r.findings.length > 0);
      for (const format of FORMATS) {
        const out = render(format, r, { color: false, absRoot: dir });
        for (const s of secrets)
          assert.ok(!out.includes(s), `${format} report contains a secret (${s.slice(0, 2)}...)`);
      }
    });
  }
});

describe('bundled example: examples/kamailio-edge (edge proxy in front of a PBX)', () => {
  it('reports exactly the expected findings with the defines from hardline.yaml', async () => {
    const r = await audit(KAMAILIO);
    assert.deepEqual(r.findings.map(line), KAM_EXPECTED);
    assert.deepEqual(r.diagnostics, []);
  });
});
