import { spanOf, via } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';
import { astFalse } from '../../pbx/asterisk/values.js';

export default defineAsteriskRule({
  id: 'AST-NAT-002',
  title: 'Media may bypass the PBX (direct_media)',
  severity: 'info',
  step: 'firewall',
  docs: {
    why: 'pjsip defaults to `direct_media = yes`: after answering, Asterisk re-INVITEs both sides to send RTP straight to each other. The PBX then no longer enforces SRTP, recording or its RTP port range for that call, and phones must accept media from each other (or from the provider) directly, which the firewall plan has to allow.',
    fix: 'Set `direct_media = no` on endpoints (or their template) unless you rely on direct media for capacity; then document the media paths in the firewall plan.',
    refs: ['https://docs.asterisk.org/Configuration/Channel-Drivers/SIP/Configuring-res_pjsip/'],
  },
  messages: { on: 'endpoint {endpoint}: direct_media={value}{via}, media can flow around the PBX' },
  check(m, ctx) {
    for (const ep of m.pjsip.endpoints) {
      const v = ep.get('direct_media');
      if (v && astFalse(v.value)) continue;
      ctx.report({
        messageId: 'on',
        data: { endpoint: ep.name, value: v ? v.value : 'yes (default)', via: via(v) },
        at: spanOf(v ?? ep),
        target: `pjsip:endpoint/${ep.name}`,
      });
    }
  },
});
