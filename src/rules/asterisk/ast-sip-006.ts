import { spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';

export default defineAsteriskRule({
  id: 'AST-SIP-006',
  title: 'chan_sip in use (removed in Asterisk 21, no security fixes)',
  severity: 'medium',
  step: 'exposure',
  docs: {
    why: 'chan_sip was deprecated in Asterisk 17 and removed in Asterisk 21. A sip.conf that is loaded means the PBX runs Asterisk 20 or older on a driver that gets no further fixes, while chan_sip-specific attacks (extension enumeration, guest calls, NAT and registration quirks) remain well known to scanners.',
    fix: 'Migrate the peers to pjsip (the `sip_to_pjsip.py` script in contrib/scripts converts most of sip.conf), then `noload => chan_sip.so` in modules.conf and plan the upgrade to a supported Asterisk branch.',
    refs: [
      'https://docs.asterisk.org/Configuration/Channel-Drivers/SIP/Configuring-res_pjsip/Migrating-from-chan_sip-to-res_pjsip/',
    ],
  },
  messages: { active: 'sip.conf is loaded (chan_sip) with {what}: chan_sip only exists up to Asterisk 20' },
  check(m, ctx) {
    if (!m.sip.active) return;
    const what =
      m.sip.peers.length > 0
        ? `${m.sip.peers.length} peer(s)`
        : m.sip.registrations.length > 0
          ? 'outbound registrations'
          : 'its [general] section';
    ctx.report({
      messageId: 'active',
      data: { what },
      at: spanOf(m.sip.general ?? m.sip.peers[0] ?? { file: 'sip.conf', line: 1 }),
      target: 'sip:chan_sip',
    });
  },
});
