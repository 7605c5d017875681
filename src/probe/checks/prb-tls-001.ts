import type { SecureVersion } from 'node:tls';
import { TransportError, tlsHandshake } from '../../sip/transport/index.js';
import { defineCheck, endpointId } from '../check.js';

const ORDER: SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
const POLICY: Record<string, SecureVersion> = {
  '1.0': 'TLSv1',
  '1.1': 'TLSv1.1',
  '1.2': 'TLSv1.2',
  '1.3': 'TLSv1.3',
};

export default defineCheck({
  id: 'PRB-TLS-001',
  title: 'TLS endpoint accepts protocol versions below the policy minimum',
  severity: 'high',
  step: 'transport',
  scope: 'endpoint',
  transports: ['tls', 'wss'],
  order: 70,
  policy: { uses: ['security.min_tls'], without: 'defaults' },
  sends:
    "TLS handshakes only (no SIP), one per protocol version below security.min_tls (TLS 1.0, then 1.1, ...), with the probe's own minimum security level lowered so that only the server decides whether to accept.",
  docs: {
    why: 'TLS 1.0 and 1.1 are deprecated (RFC 8996): their ciphers and handshakes have known weaknesses (BEAST, weak MAC constructions) and an active attacker can force a downgrade when the server still accepts them, exposing SIP credentials and SRTP keys carried in SDP.',
    fix: 'Raise the minimum protocol: Asterisk pjsip transport method=tlsv1_2; FreeSWITCH tls-version=tlsv1.2,tlsv1.3; Kamailio tls.cfg method = TLSv1.2+ ; then re-run the probe.',
    refs: [
      'https://www.rfc-editor.org/rfc/rfc8996',
      'https://www.kamailio.org/docs/modules/stable/modules/tls.html',
    ],
  },
  messages: {
    accepted: 'the TLS endpoint completes a handshake with {version}, below the policy minimum {min}',
  },
  async run(ctx) {
    const min = POLICY[ctx.policy.security.min_tls]!;
    const below = ORDER.slice(0, ORDER.indexOf(min));
    for (const v of below) {
      await ctx.pace();
      try {
        // SECLEVEL=0 so the client side does not refuse old protocols itself.
        const info = await tlsHandshake(ctx.target, {
          ...ctx.connectOptions,
          tls: { ...ctx.connectOptions.tls, minVersion: v, maxVersion: v, ciphers: 'DEFAULT:@SECLEVEL=0' },
        });
        ctx.report({
          messageId: 'accepted',
          data: { version: info.protocol ?? v, min },
          target: `${endpointId(ctx.target)}/tls-version`,
          evidence: [`handshake limited to ${v}: negotiated ${info.protocol}, cipher ${info.cipher}`],
        });
      } catch (e) {
        if (!(e instanceof TransportError) || (e.kind !== 'tls' && e.kind !== 'closed' && e.kind !== 'other'))
          ctx.note(`handshake with ${v} failed without a TLS alert: ${(e as Error).message}`);
      }
    }
  },
});
