import { assessPassword } from '../../credentials/strength.js';
import { identityNames, isOutboundOnlyAuth, spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';

export default defineAsteriskRule({
  id: 'AST-AUTH-001',
  title: 'Weak SIP password',
  severity: 'critical',
  step: 'authentication',
  policy: { uses: ['credentials'], without: 'defaults' },
  docs: {
    why: 'SIP digest passwords are attacked around the clock by svcrack-style tools that try thousands of passwords per minute against every extension they find. A short, numeric, common or account-equal password (the sample uses password=6001 for user 6001) falls in minutes and the attacker then registers as the phone and places international calls on your bill.',
    fix: 'Give every pjsip auth section (and pjsip_wizard `inbound_auth/password`, chan_sip `secret`) a random password of 16+ characters (phones store it; nobody types it). Store it as `password_digest` rather than `password` where possible. Change the phone provisioning at the same time.',
    refs: [
      'https://docs.asterisk.org/Configuration/Channel-Drivers/SIP/Configuring-res_pjsip/',
      'NIST SP 800-63B section 5.1.1',
    ],
  },
  messages: {
    weak: 'pjsip auth {auth} has a weak password: {reasons}',
    weakOutbound: 'pjsip auth {auth} (outbound credential for the provider) has a weak password: {reasons}',
    empty: 'pjsip auth {auth} has an empty password',
    weakSip: 'chan_sip peer {peer} has a weak secret: {reasons}',
  },
  check(m, ctx) {
    for (const auth of m.pjsip.auths) {
      const type = (auth.value('auth_type') ?? 'userpass').toLowerCase();
      if (type === 'md5' || type === 'google_oauth') continue;
      const pw = auth.get('password');
      if (!pw) continue;
      const target = `pjsip:auth/${auth.name}`;
      if (pw.value === '') {
        ctx.report({ messageId: 'empty', data: { auth: auth.name }, at: spanOf(pw), target });
        continue;
      }
      const a = assessPassword(pw.value, identityNames(m, auth), ctx.policy.credentials);
      if (!a.weak) continue;
      const outbound = isOutboundOnlyAuth(m, auth.name);
      ctx.report({
        messageId: outbound ? 'weakOutbound' : 'weak',
        data: { auth: auth.name, reasons: a.reasons.join('; ') },
        at: spanOf(pw),
        target,
        ...(outbound ? { severity: 'medium' as const } : {}),
      });
    }
    if (!m.sip.active) return;
    for (const peer of m.sip.peers) {
      const secret = peer.get('secret');
      if (!secret || secret.value === '') continue;
      const names = [peer.name, peer.value('username') ?? '', peer.value('defaultuser') ?? ''].filter(
        Boolean,
      );
      const a = assessPassword(secret.value, names, ctx.policy.credentials);
      if (!a.weak) continue;
      ctx.report({
        messageId: 'weakSip',
        data: { peer: peer.name, reasons: a.reasons.join('; ') },
        at: spanOf(secret),
        target: `sip:peer/${peer.name}`,
      });
    }
  },
});
