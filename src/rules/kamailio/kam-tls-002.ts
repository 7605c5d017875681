import { kamailioCommon } from '../../pbx/kamailio/common.js';
import { defineKamailioRule } from '../../pbx/kamailio/rule.js';

export default defineKamailioRule({
  id: 'KAM-TLS-002',
  title: 'TLS connections to other servers without certificate verification',
  severity: 'medium',
  step: 'transport',
  docs: {
    why: "When Kamailio connects out over TLS (to the PBX, a carrier, another proxy) it accepts any certificate unless `verify_certificate` is on for the client profile; the tls module's default is off. An attacker who can redirect the connection poses as the peer and reads calls and credentials.",
    fix: 'In tls.cfg give `[client:default]` (and every other client profile) `verify_certificate = yes`, `ca_list = <CA bundle>` and the expected `server_name`; or `modparam("tls", "verify_certificate", 1)` when tls.cfg is not used.',
    refs: ['Kamailio tls module README (verify_certificate, tls.cfg client profiles)'],
  },
  messages: {
    noVerify: '{owner} does not verify the certificate of the servers Kamailio connects to ({setting})',
  },
  check(m, ctx) {
    for (const t of kamailioCommon(m).tls) {
      if (t.role === 'server' || t.verifyPeer) continue;
      ctx.report({
        messageId: 'noVerify',
        data: { owner: t.owner, setting: t.role === 'client' && m.tls ? 'verify_certificate not yes' : 'verify_certificate off (default)' },
        at: { file: t.file, line: t.line },
        target: t.owner,
      });
    }
  },
});
