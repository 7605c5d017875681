import { spanOf, via } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';

export default defineAsteriskRule({
  id: 'AST-AUTH-007',
  title: 'SIP password stored in clear text instead of a digest',
  severity: 'low',
  step: 'authentication',
  docs: {
    why: "A `password =` (pjsip) or `secret =` (chan_sip) is readable by anyone who reads the file, a backup or a support bundle, and the same password is often reused on the phone's web UI or elsewhere. A stored digest (`password_digest`, or `md5_cred` with `auth_type = md5` on older versions; chan_sip `md5secret`) still lets the PBX authenticate the phone without keeping the password itself.",
    fix: 'Store `password_digest = <md5 of username:realm:password>` (Asterisk 22.3/21.8/20.13 and later, `auth_type = digest`) or `md5_cred` with `auth_type = md5`, and remove `password`; for chan_sip use `md5secret`. Keep file permissions at 0640 root:asterisk either way.',
    refs: [
      'https://docs.asterisk.org/Configuration/Channel-Drivers/SIP/Configuring-res_pjsip/PJSIP-Authentication/',
      'Asterisk configs/samples/pjsip.conf.sample',
    ],
  },
  messages: {
    pjsip: 'pjsip auth {auth} keeps its password in clear text (password=){via}',
    sip: 'chan_sip peer {peer} keeps its secret in clear text (secret=)',
  },
  check(m, ctx) {
    for (const auth of m.pjsip.auths) {
      const type = (auth.value('auth_type') ?? 'userpass').toLowerCase();
      if (type === 'md5' || type === 'google_oauth') continue;
      const pw = auth.get('password');
      if (!pw || pw.value === '') continue;
      ctx.report({
        messageId: 'pjsip',
        data: { auth: auth.name, via: via(pw) },
        at: spanOf(pw),
        target: `pjsip:auth/${auth.name}`,
      });
    }
    if (!m.sip.active) return;
    for (const peer of m.sip.peers) {
      const s = peer.get('secret');
      if (!s || s.value === '' || peer.get('md5secret')) continue;
      ctx.report({
        messageId: 'sip',
        data: { peer: peer.name },
        at: spanOf(s),
        target: `sip:peer/${peer.name}`,
      });
    }
  },
});
