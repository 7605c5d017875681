import { tlsEnabled } from '../../pbx/kamailio/common.js';
import { kamTrue } from '../../pbx/kamailio/model.js';
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
    profile:
      'tls.cfg [client:{domain}] does not verify the certificate of the servers Kamailio connects to ({how})',
    noClient:
      '{file} has no [client:default] profile: outgoing TLS uses the module default, which does not verify certificates',
    module: 'TLS is on but outgoing connections do not verify certificates ({how})',
  },
  check(m, ctx) {
    if (!tlsEnabled(m)) return;
    const modVerify = m.modparam('tls', 'verify_certificate');
    if (m.tls) {
      for (const p of m.tls.profiles) {
        if (p.role !== 'client') continue;
        const v = p.params.get('verify_certificate');
        const vc = p.params.get('verify_client');
        if (v ? kamTrue(v.value) : vc ? false : kamTrue(modVerify?.value)) continue;
        const at = v ?? p;
        ctx.report({
          messageId: 'profile',
          data: {
            domain: p.domain,
            how: v ? `verify_certificate = ${v.value}` : 'verify_certificate unset, default off',
          },
          at: { file: at.file, line: at.line },
          target: `kamailio:tls/client:${p.domain}`,
        });
      }
      if (
        !m.tls.profiles.some((p) => p.role === 'client' && p.domain === 'default') &&
        !kamTrue(modVerify?.value)
      ) {
        ctx.report({
          messageId: 'noClient',
          data: { file: m.tls.file },
          at: { file: m.tls.file, line: 1 },
          target: 'kamailio:tls/client:default',
        });
      }
      return;
    }
    if (kamTrue(modVerify?.value)) return;
    const at = modVerify ?? m.global('enable_tls')!;
    ctx.report({
      messageId: 'module',
      data: {
        how: modVerify ? `verify_certificate ${modVerify.value}` : 'verify_certificate unset, default off',
      },
      at: { file: at.file, line: at.line },
      target: 'kamailio:tls/client:default',
    });
  },
});
