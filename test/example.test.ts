import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { audit, EXAMPLE } from './helpers.js';

/**
 * The bundled example is the quick start's main job: its report is checked line by line, so a
 * rule that stops firing (or starts firing) on it is noticed.
 */
const EXPECTED = [
  'AST-AMI-001 critical asterisk/manager.conf:5 manager:general',
  'AST-AMI-002 critical asterisk/manager.conf:9 manager:user/admin',
  'AST-AMI-003 high asterisk/manager.conf:10 manager:user/admin',
  'AST-AMI-004 high asterisk/manager.conf:12 manager:user/admin',
  'AST-ARI-001 high asterisk/ari.conf:10 ari:user/wallboard',
  'AST-HTTP-001 high asterisk/http.conf:4 http:general',
  'AST-HTTP-002 high asterisk/http.conf:4 http:general',
  'AST-AMI-004 medium asterisk/manager.conf:19 manager:user/crm',
  'AST-AMI-005 medium asterisk/manager.conf:5 manager:tls',
  'AST-ARI-002 medium asterisk/ari.conf:4 ari:general',
  'AST-AMI-006 low asterisk/manager.conf:8 manager:user/admin',
  'AST-AMI-006 low asterisk/manager.conf:14 manager:user/crm',
  'AST-ARI-003 low asterisk/ari.conf:11 ari:user/wallboard',
  'AST-AUTH-001 critical asterisk/pjsip.conf:78 pjsip:auth/102',
  'AST-AUTH-001 critical asterisk/pjsip.conf:88 pjsip:auth/103',
  'AST-AUTH-001 critical asterisk/pjsip.conf:126 pjsip:auth/107',
  'AST-DP-001 critical asterisk/extensions.conf:30 dialplan:from-trunk/outbound/_011.',
  'AST-VM-001 critical asterisk/voicemail.conf:19 voicemail:default/109',
  'AST-AUTH-002 high asterisk/pjsip.conf:107 pjsip:auth/105',
  'AST-AUTH-002 high asterisk/pjsip.conf:116 pjsip:auth/106',
  'AST-AUTH-003 high asterisk/pjsip.conf:176 pjsip:endpoint/provider',
  'AST-DP-002 high asterisk/extensions.conf:31 dialplan:outbound/_011./Dial',
  'AST-VM-001 high asterisk/voicemail.conf:14 voicemail:default/101',
  'AST-VM-001 high asterisk/voicemail.conf:15 voicemail:default/102',
  'AST-VM-001 high asterisk/voicemail.conf:17 voicemail:default/104',
  'AST-AUTH-005 medium asterisk/pjsip.conf:190 pjsip:identify/provider-identify',
  'AST-DP-003 medium asterisk/extensions.conf:17 dialplan:from-trunk/internal/*97/VoiceMailMain',
  'AST-DP-003 medium asterisk/extensions.conf:18 dialplan:from-trunk/internal/*98/VoiceMailMain',
  'AST-DP-004 medium asterisk/extensions.conf:31 dialplan:from-trunk/outbound/_011./Dial',
  'AST-VM-002 medium asterisk/voicemail.conf:1 voicemail:general',
  'AST-AUTH-007 low asterisk/pjsip.conf:68 pjsip:auth/101',
  'AST-AUTH-007 low asterisk/pjsip.conf:78 pjsip:auth/102',
  'AST-AUTH-007 low asterisk/pjsip.conf:88 pjsip:auth/103',
  'AST-AUTH-007 low asterisk/pjsip.conf:98 pjsip:auth/104',
  'AST-AUTH-007 low asterisk/pjsip.conf:107 pjsip:auth/105',
  'AST-AUTH-007 low asterisk/pjsip.conf:116 pjsip:auth/106',
  'AST-AUTH-007 low asterisk/pjsip.conf:126 pjsip:auth/107',
  'AST-AUTH-007 low asterisk/pjsip.conf:135 pjsip:auth/108',
  'AST-AUTH-007 low asterisk/pjsip.conf:148 pjsip:auth/109',
  'AST-AUTH-007 low asterisk/pjsip.conf:162 pjsip:auth/110',
  'AST-AUTH-007 low asterisk/pjsip.conf:170 pjsip:auth/provider-auth',
  'AST-AUTH-008 low asterisk/pjsip.conf:67 pjsip:auth/101',
  'AST-AUTH-008 low asterisk/pjsip.conf:77 pjsip:auth/102',
  'AST-AUTH-008 low asterisk/pjsip.conf:87 pjsip:auth/103',
  'AST-AUTH-008 low asterisk/pjsip.conf:97 pjsip:auth/104',
  'AST-AUTH-008 low asterisk/pjsip.conf:106 pjsip:auth/105',
  'AST-AUTH-008 low asterisk/pjsip.conf:115 pjsip:auth/106',
  'AST-AUTH-008 low asterisk/pjsip.conf:125 pjsip:auth/107',
  'AST-AUTH-008 low asterisk/pjsip.conf:134 pjsip:auth/108',
  'AST-AUTH-008 low asterisk/pjsip.conf:147 pjsip:auth/109',
  'AST-AUTH-008 low asterisk/pjsip.conf:161 pjsip:auth/110',
  'AST-REG-001 low asterisk/pjsip.conf:57 pjsip:aor/101',
  'AST-REG-001 low asterisk/pjsip.conf:57 pjsip:aor/102',
  'AST-REG-001 low asterisk/pjsip.conf:57 pjsip:aor/103',
  'AST-REG-001 low asterisk/pjsip.conf:57 pjsip:aor/104',
  'AST-REG-001 low asterisk/pjsip.conf:57 pjsip:aor/105',
  'AST-REG-001 low asterisk/pjsip.conf:57 pjsip:aor/106',
  'AST-REG-001 low asterisk/pjsip.conf:57 pjsip:aor/107',
  'AST-REG-001 low asterisk/pjsip.conf:57 pjsip:aor/108',
  'AST-REG-001 low asterisk/pjsip.conf:57 pjsip:aor/109',
  'AST-REG-001 low asterisk/pjsip.conf:57 pjsip:aor/110',
  'AST-SRTP-001 high asterisk/pjsip.conf:158 pjsip:endpoint/110 waived',
  'AST-SRTP-001 high asterisk/pjsip.conf:176 pjsip:endpoint/provider waived',
  'AST-SRTP-002 high asterisk/pjsip.conf:44 pjsip:endpoint/101',
  'AST-SRTP-002 high asterisk/pjsip.conf:44 pjsip:endpoint/102',
  'AST-SRTP-002 high asterisk/pjsip.conf:44 pjsip:endpoint/103',
  'AST-SRTP-002 high asterisk/pjsip.conf:44 pjsip:endpoint/104',
  'AST-SRTP-002 high asterisk/pjsip.conf:44 pjsip:endpoint/105',
  'AST-SRTP-002 high asterisk/pjsip.conf:44 pjsip:endpoint/106',
  'AST-SRTP-002 high asterisk/pjsip.conf:44 pjsip:endpoint/107',
  'AST-SRTP-002 high asterisk/pjsip.conf:44 pjsip:endpoint/108',
  'AST-SRTP-002 high asterisk/pjsip.conf:44 pjsip:endpoint/109',
  'AST-SRTP-003 high asterisk/pjsip.conf:143 pjsip:endpoint/109',
  'AST-TLS-001 high asterisk/pjsip.conf:26 pjsip:transport/transport-tls',
  'HL-POL-003 medium hardline.yaml:28 policy:firewall/egress',
  'AST-RTP-001 low asterisk/rtp.conf:2 rtp:range',
  'AST-LOG-001 medium asterisk/logger.conf:4 logger:security',
  'HL-POL-001 medium hardline.yaml:58 exception/AST-RTP-001/rtp:range',
];

describe('bundled example: examples/smb-asterisk', () => {
  it('reports exactly the expected findings, in the hardening plan order', async () => {
    const r = await audit(EXAMPLE);
    const got = r.findings.map(
      (f) =>
        `${f.ruleId} ${f.severity} ${f.location?.file}:${f.location?.line} ${f.target}${f.waived ? ' waived' : ''}`,
    );
    assert.deepEqual(got, EXPECTED);
  });
  it('covers all five hardening steps and parses cleanly', async () => {
    const r = await audit(EXAMPLE);
    assert.deepEqual(new Set(r.findings.map((f) => f.step)).size, 5);
    assert.deepEqual(r.diagnostics, []);
    assert.equal(r.sources[0]?.name, 'pbx1');
    assert.equal(r.policyFile, 'hardline.yaml');
  });
  it('shows the toll-fraud path from the trunk to the international route, hop by hop', async () => {
    const r = await audit(EXAMPLE);
    const f = r.findings.find((x) => x.ruleId === 'AST-DP-001');
    assert.ok(f, 'AST-DP-001 reported');
    assert.equal(f.target, 'dialplan:from-trunk/outbound/_011.');
    assert.deepEqual(f.evidence, [
      'asterisk/pjsip.conf:176  entry: trunk endpoint provider (no inbound auth; identify matches 203.0.113.0/24, and its name in From from anywhere) -> [from-trunk]',
      'asterisk/extensions.conf:39  [from-trunk] include => internal',
      'asterisk/extensions.conf:20  [internal] include => outbound',
      'asterisk/extensions.conf:30  [outbound] exten => _011., matching a number the caller dials',
      'asterisk/extensions.conf:31  [outbound] _011.: Dial(${TRUNK}/sip:${EXTEN}@sip.provider.example,60,T) dials PJSIP/provider/sip:{_011.}@sip.provider.example (trunk endpoint provider)',
      'asterisk/extensions.conf:7  [globals] TRUNK = PJSIP/provider',
    ]);
  });
  it('after the fax exception expires, its finding is active again', async () => {
    const r = await audit(EXAMPLE, undefined, new Date('2027-04-15T00:00:00Z'));
    const fax = r.findings.find((f) => f.ruleId === 'AST-SRTP-001' && f.target === 'pjsip:endpoint/110');
    assert.equal(fax?.waived, false);
    assert.ok(r.findings.some((f) => f.ruleId === 'HL-POL-001' && f.message.includes('pjsip:endpoint/110')));
  });
});
