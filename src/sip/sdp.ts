import * as sdpTransform from 'sdp-transform';

/** What hardline needs from an SDP offer or answer: is the media encrypted, and how. */
export interface SdpMedia {
  type: string;
  port: number;
  /** RTP/AVP, RTP/SAVP, RTP/SAVPF, UDP/TLS/RTP/SAVPF, ... */
  protocol: string;
  /** SAVP/SAVPF profile (SRTP). */
  srtpProfile: boolean;
  /** SDES crypto suites offered (a=crypto), e.g. AES_CM_128_HMAC_SHA1_80. Keys are never kept. */
  cryptoSuites: string[];
  /** DTLS-SRTP fingerprint hash function (a=fingerprint at media or session level). */
  fingerprint?: string;
  /** How the media is protected: sdes (a=crypto), dtls (fingerprint + UDP/TLS), or none. */
  keying: 'sdes' | 'dtls' | 'none';
  /** True when this stream would flow in clear (plain RTP/AVP, or SAVP without keys). */
  plain: boolean;
  /** Payload types as strings. */
  payloads: string[];
}

export interface SdpSummary {
  ok: boolean;
  /** Why the SDP could not be read. */
  error?: string;
  origin?: string;
  connection?: string;
  media: SdpMedia[];
  /** Every active (port != 0) stream is encrypted. */
  allEncrypted: boolean;
  /** Weak or deprecated SDES suites offered (e.g. *_32 tags, F8, NULL). */
  weakSuites: string[];
}

const WEAK_SUITE = /NULL|F8_128|_32$|AES_CM_128_HMAC_SHA1_32/;

/** Analyses an SDP body (sdp-transform does the parsing). Never throws. */
export function analyzeSdp(text: string): SdpSummary {
  let s: sdpTransform.SessionDescription;
  try {
    if (!/^v=0/m.test(text))
      return { ok: false, error: 'no v=0 line', media: [], allEncrypted: false, weakSuites: [] };
    s = sdpTransform.parse(text);
  } catch (e) {
    return { ok: false, error: (e as Error).message, media: [], allEncrypted: false, weakSuites: [] };
  }
  const sessionFp = s.fingerprint?.type;
  const weak = new Set<string>();
  const media: SdpMedia[] = (s.media ?? []).map((m) => {
    const protocol = String(m.protocol ?? '');
    const suites = (m.crypto ?? []).map((c) => String(c.suite));
    for (const x of suites) if (WEAK_SUITE.test(x)) weak.add(x);
    const fp = m.fingerprint?.type ?? sessionFp;
    const srtpProfile = /SAVPF?$/.test(protocol);
    const dtls = /^UDP\/TLS\/RTP\/SAVPF?$/.test(protocol) && fp !== undefined;
    const keying: SdpMedia['keying'] = dtls ? 'dtls' : suites.length ? 'sdes' : 'none';
    const out: SdpMedia = {
      type: String(m.type),
      port: Number(m.port),
      protocol,
      srtpProfile,
      cryptoSuites: suites,
      keying,
      plain: !srtpProfile || keying === 'none',
      payloads: String(m.payloads ?? '')
        .split(/\s+/)
        .filter(Boolean),
    };
    if (fp !== undefined) out.fingerprint = fp;
    return out;
  });
  const active = media.filter((m) => m.port !== 0 && /^(audio|video)$/.test(m.type));
  const summary: SdpSummary = {
    ok: true,
    media,
    allEncrypted: active.length > 0 && active.every((m) => !m.plain),
    weakSuites: [...weak],
  };
  if (s.origin)
    summary.origin = `${s.origin.username} ${s.origin.sessionId} ${s.origin.netType} ${s.origin.ipVer} ${s.origin.address}`;
  if (s.connection) summary.connection = `IP${s.connection.version} ${s.connection.ip}`;
  return summary;
}
