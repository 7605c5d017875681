import { readAcl } from '../../pbx/asterisk/acl.js';
import { sipInsecureInvite, sipIsDynamic } from '../../pbx/asterisk/chansip.js';
import { spanOf, via } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';

export default defineAsteriskRule({
  id: 'AST-SIP-004',
  title: 'chan_sip peer skips INVITE authentication without a fixed host',
  severity: 'high',
  step: 'authentication',
  docs: {
    why: '`insecure = invite` (also `port,invite` and the old `very`) tells chan_sip not to challenge INVITEs for that peer. That is how providers that cannot authenticate are set up, and it is only safe when the peer is matched by a fixed `host=` address and locked with deny/permit. On a `host=dynamic` peer, or one without a host, whoever matches the peer calls without a password; in [general] it applies to every peer.',
    fix: "Use `insecure=invite` only on provider peers with `host=` set to the provider address, plus `deny=0.0.0.0/0.0.0.0` and `permit=` for the provider's addresses. Remove it from [general] and from phones.",
    refs: ['Asterisk configs/samples/sip.conf.sample (Asterisk 20)'],
  },
  messages: {
    general:
      'chan_sip [general] insecure={value}: INVITEs are not authenticated for every peer that does not override it',
    peer: 'chan_sip peer {peer} has insecure={value}{via} but {why}: anyone matching it calls without a password',
  },
  check(m, ctx) {
    if (!m.sip.active) return;
    const gv = m.sip.general?.get('insecure');
    if (gv && m.sip.general && sipInsecureInvite(m.sip, m.sip.general))
      ctx.report({
        messageId: 'general',
        data: { value: gv.value },
        at: spanOf(gv),
        target: 'sip:general/insecure',
      });
    for (const peer of m.sip.peers) {
      const v = peer.get('insecure');
      if (!v || !sipInsecureInvite(m.sip, peer)) continue;
      const host = peer.value('host');
      const acl = readAcl(peer);
      let why = '';
      if (!host) why = 'no host= is set';
      else if (sipIsDynamic(peer)) why = 'it is host=dynamic';
      else if (!acl.hasDeny) why = 'no deny/permit limits it to the provider';
      if (!why) continue;
      ctx.report({
        messageId: 'peer',
        data: { peer: peer.name, value: v.value, via: via(v), why },
        at: spanOf(v),
        target: `sip:peer/${peer.name}`,
        ...(why.startsWith('no deny') ? { severity: 'medium' as const } : {}),
      });
    }
  },
});
