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
  'AST-ARI-002 medium asterisk/ari.conf:4 ari:general',
  'AST-AUTH-001 critical asterisk/pjsip.conf:78 pjsip:auth/102',
  'AST-AUTH-001 critical asterisk/pjsip.conf:88 pjsip:auth/103',
  'AST-AUTH-001 critical asterisk/pjsip.conf:126 pjsip:auth/107',
  'AST-VM-001 critical asterisk/voicemail.conf:19 voicemail:default/109',
  'AST-AUTH-002 high asterisk/pjsip.conf:107 pjsip:auth/105',
  'AST-AUTH-002 high asterisk/pjsip.conf:116 pjsip:auth/106',
  'AST-AUTH-003 high asterisk/pjsip.conf:176 pjsip:endpoint/provider',
  'AST-VM-001 high asterisk/voicemail.conf:14 voicemail:default/101',
  'AST-VM-001 high asterisk/voicemail.conf:15 voicemail:default/102',
  'AST-VM-001 high asterisk/voicemail.conf:17 voicemail:default/104',
  'AST-AUTH-005 medium asterisk/pjsip.conf:190 pjsip:identify/provider-identify',
  'AST-VM-002 medium asterisk/voicemail.conf:1 voicemail:general',
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
  'AST-TLS-001 high asterisk/pjsip.conf:26 pjsip:transport/transport-tls',
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
  it('after the fax exception expires, its finding is active again', async () => {
    const r = await audit(EXAMPLE, undefined, new Date('2027-04-15T00:00:00Z'));
    const fax = r.findings.find((f) => f.ruleId === 'AST-SRTP-001' && f.target === 'pjsip:endpoint/110');
    assert.equal(fax?.waived, false);
    assert.ok(r.findings.some((f) => f.ruleId === 'HL-POL-001' && f.message.includes('pjsip:endpoint/110')));
  });
});
