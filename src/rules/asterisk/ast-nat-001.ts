import { spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';

export default defineAsteriskRule({
  id: 'AST-NAT-001',
  title: 'External address set without local_net',
  severity: 'low',
  step: 'firewall',
  docs: {
    why: 'A transport with `external_signaling_address`/`external_media_address` rewrites SIP and SDP with the public address for every peer that is not inside a `local_net`. Without local_net, phones on the LAN are told to send their audio to the public address: calls break or hairpin through the firewall, and admins "fix" it by opening wider RTP and SIP rules than needed.',
    fix: 'Add `local_net = ` lines for every internal network (LAN, voice VLAN, VPN) to each transport that sets an external address.',
    refs: [
      'https://docs.asterisk.org/Configuration/Channel-Drivers/SIP/Configuring-res_pjsip/Configuring-res_pjsip-to-work-through-NAT/',
    ],
  },
  messages: {
    nolocal: 'transport {transport} sets {option} but no local_net: LAN peers get the public address too',
  },
  check(m, ctx) {
    for (const t of m.pjsip.transports) {
      const ext = t.get('external_media_address') ?? t.get('external_signaling_address');
      if (!ext || t.get('local_net')) continue;
      ctx.report({
        messageId: 'nolocal',
        data: { transport: t.name, option: ext.name },
        at: spanOf(ext),
        target: `pjsip:transport/${t.name}`,
      });
    }
  },
});
