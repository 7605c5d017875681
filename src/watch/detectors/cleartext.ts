import { defineDetector } from '../detector.js';
import { formatEndpoint, isAuthSuccess } from '../event.js';

export default defineDetector({
  id: 'cleartext',
  title: 'Cleartext signalling or media where the policy requires TLS/SRTP',
  severity: 'medium',
  docs: {
    why: 'Without TLS, credentials digests, numbers dialled and SDP keys cross the network readable; without SRTP anyone on the path can record calls. The policy says they are required, yet an endpoint uses them in clear.',
    tune: '`security.sip_tls: required` and `security.srtp: required` turn it on; `detection.cleartext.enabled`. Trusted networks and trunks are exempt for signalling.',
  },
  enabled: (d, p) =>
    d.cleartext.enabled && (p.security.sip_tls === 'required' || p.security.srtp === 'required'),
  create(ctx) {
    const tls = ctx.policy.security.sip_tls === 'required';
    const srtp = ctx.policy.security.srtp === 'required';
    return {
      onEvent(ev) {
        if (!ev.source) return;
        const who = ev.account ?? ev.source.ip;
        if (tls && isAuthSuccess(ev.kind)) {
          const t = ev.source.transport;
          if (!t || t === 'tls' || t === 'wss') return;
          if (ctx.classify(ev.source.ip)) return;
          ctx.raise({
            key: `sip:${who}:${t}`,
            subject: {
              kind: 'account',
              source: ev.source.ip,
              ...(ev.account ? { account: ev.account } : {}),
            },
            summary: `'${who}' signals over ${t.toUpperCase()} from ${formatEndpoint(ev.source)}; the policy requires TLS`,
            events: [ev],
            alert: 'move this endpoint to TLS (transport=tls / wss) or restrict it to a trusted network',
            cooldown: 86400,
          });
        }
        if (srtp && ev.kind === 'media-negotiated' && ev.media?.protection === 'none') {
          ctx.raise({
            key: `media:${who}`,
            subject: {
              kind: 'account',
              source: ev.source.ip,
              ...(ev.account ? { account: ev.account } : {}),
            },
            summary: `'${who}' negotiated unencrypted media (RTP/AVP) from ${formatEndpoint(ev.source)}; the policy requires SRTP`,
            events: [ev],
            alert: 'enable SRTP on this endpoint (media_encryption=sdes or dtls) and refuse RTP/AVP',
            cooldown: 86400,
          });
        }
      },
    };
  },
});
