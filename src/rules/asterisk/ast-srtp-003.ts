import { spanOf, via } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';

const SECURE = new Set(['tls', 'wss']);

export default defineAsteriskRule({
  id: 'AST-SRTP-003',
  title: 'SRTP keys (SDES) sent over an unencrypted transport',
  severity: 'high',
  step: 'transport',
  docs: {
    why: 'With `media_encryption = sdes` the SRTP keys travel inside the SDP of the SIP messages (a=crypto lines). Over UDP or TCP those messages are clear text, so anyone who can record the audio can also read the keys and decrypt it: the call is no more private than plain RTP, but looks encrypted.',
    fix: 'Put endpoints that use `media_encryption = sdes` on a TLS transport (`transport = transport-tls`), or use `media_encryption = dtls` (keys negotiated in the media path, as WebRTC does).',
    refs: [
      'RFC 4568 section 8.3',
      'https://docs.asterisk.org/Deployment/Secure-Calling/Secure-Calling-Tutorial/',
    ],
  },
  messages: {
    clear:
      'endpoint {endpoint} uses media_encryption=sdes{via} over transport {transport} ({protocol}): the SRTP keys cross the network in clear text',
    none: 'endpoint {endpoint} uses media_encryption=sdes{via} but pjsip.conf has no TLS transport: the SRTP keys cross the network in clear text',
  },
  check(m, ctx) {
    const hasSecure = m.pjsip.transports.some((t) =>
      SECURE.has((t.value('protocol') ?? 'udp').toLowerCase()),
    );
    for (const ep of m.pjsip.endpoints) {
      const enc = ep.get('media_encryption');
      if (enc?.value.trim().toLowerCase() !== 'sdes') continue;
      const tv = ep.get('transport');
      const target = `pjsip:endpoint/${ep.name}`;
      if (tv) {
        const t = m.pjsip.find('transport', tv.value.trim());
        const protocol = (t?.value('protocol') ?? 'udp').toLowerCase();
        if (!t || SECURE.has(protocol)) continue;
        ctx.report({
          messageId: 'clear',
          data: { endpoint: ep.name, via: via(enc), transport: t.name, protocol },
          at: spanOf(tv),
          target,
        });
      } else if (!hasSecure && m.pjsip.transports.length) {
        ctx.report({
          messageId: 'none',
          data: { endpoint: ep.name, via: via(enc) },
          at: spanOf(enc),
          target,
        });
      }
    }
  },
});
