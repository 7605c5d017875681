import { sipHasSecret, sipIsDynamic } from '../../pbx/asterisk/chansip.js';
import { spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';

export default defineAsteriskRule({
  id: 'AST-SIP-005',
  title: 'chan_sip phone may register from any address (no contact ACL)',
  severity: 'medium',
  step: 'firewall',
  docs: {
    why: "A `host=dynamic` peer registers from wherever its password is used. Without `contactdeny`/`contactpermit` (or a `contactacl`), a password cracked or copied from a provisioning file works from the attacker's network too, and nobody notices until the bill arrives.",
    fix: 'For phones that stay in the office, add `contactdeny = 0.0.0.0/0.0.0.0` and `contactpermit = 192.168.20.0/255.255.255.0` (your voice network) to the peer or its template; roaming phones belong behind a VPN or TLS with strong passwords.',
    refs: ['Asterisk configs/samples/sip.conf.sample (Asterisk 20)'],
  },
  messages: {
    none: 'chan_sip peer {peer} (host=dynamic) may register from any address: no contactdeny/contactpermit',
  },
  check(m, ctx) {
    if (!m.sip.active) return;
    const general = m.sip.general;
    const generalAcl = general && (general.get('contactdeny') || general.get('contactacl'));
    for (const peer of m.sip.peers) {
      if (!sipIsDynamic(peer) || !sipHasSecret(peer)) continue;
      if (generalAcl || peer.get('contactdeny') || peer.get('contactacl')) continue;
      ctx.report({
        messageId: 'none',
        data: { peer: peer.name },
        at: spanOf(peer.get('host') ?? peer),
        target: `sip:peer/${peer.name}/contact_acl`,
      });
    }
  },
});
