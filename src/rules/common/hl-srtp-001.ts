import { defineCommonRule } from '../../pbx/common.js';

export default defineCommonRule({
  id: 'HL-SRTP-001',
  title: 'Media not forced to SRTP although the policy requires it',
  severity: 'high',
  step: 'transport',
  policy: { uses: ['security.srtp'], without: 'skip' },
  docs: {
    why: "Plain RTP can be recorded by anyone on the path; optional SRTP silently falls back to plain RTP when the other side does not offer it. When the site policy requires SRTP, every phone's calls must fail rather than go out in clear. FreeSWITCH's `rtp_secure_media` is a channel variable, unset (plain RTP) by default. (Asterisk endpoints are checked by AST-SRTP-001/002.)",
    fix: "FreeSWITCH: set `rtp_secure_media=mandatory` (with strong suites) for the users, in their `<variables>` or the domain's, or globally in vars.xml; combine with SIP over TLS so the keys are not sent in clear. Record devices that cannot do SRTP as policy exceptions.",
    refs: ['FreeSWITCH Secure RTP (rtp_secure_media)', 'RFC 4568'],
  },
  messages: {
    off: '{owner}: {setting}; the policy requires SRTP',
    optional: '{owner}: {setting} lets calls fall back to plain RTP; the policy requires SRTP',
  },
  check(v, ctx) {
    if (v.kind === 'asterisk' || ctx.policy.security.srtp !== 'required') return;
    for (const s of v.srtp) {
      if (s.mode === 'mandatory') continue;
      ctx.report({
        messageId: s.mode === 'optional' ? 'optional' : 'off',
        data: { owner: s.owner, setting: s.text },
        at: { file: s.file, line: s.line },
        target: s.owner,
      });
    }
  },
});
