import ipaddr from 'ipaddr.js';

/**
 * The SecurityEvent model: one type for every source (log line, syslog message, HEP packet and,
 * in a later phase, SIP transactions seen over HEP or in a pcap). Detectors only ever see this.
 *
 * The source address is taken ONLY from transport fields: the address the PBX wrote from its
 * socket (security log RemoteAddress, chan_pjsip's "failed for" field, FreeSWITCH's "from ip")
 * or the HEP chunks. From, To, User-Agent, Call-ID and account names are attacker-controlled
 * text: they are kept as data and never decide whom we ban.
 */

export const TRANSPORTS = ['udp', 'tcp', 'tls', 'ws', 'wss', 'sctp'] as const;
export type Transport = (typeof TRANSPORTS)[number];

export const EVENT_KINDS = [
  /** Digest or password authentication failed (wrong password, bad response). */
  'auth-failure',
  /** Authentication succeeded. */
  'auth-success',
  /** A normal digest challenge (401/407) was sent: not a failure. */
  'auth-challenge',
  /** The request named an account/endpoint/user that does not exist (404-like). */
  'unknown-account',
  /** The request was rejected by an address ACL. */
  'acl-reject',
  /** A registration was accepted (account, contact, User-Agent, transport). */
  'registration',
  /** A call was set up or started in the dialplan (destination known). */
  'call-attempt',
  /** A call was rejected (no such extension, not allowed, ...). */
  'call-rejected',
  /** A call ended (phase B: BYE / final answer); used to track concurrent calls. */
  'call-ended',
  /** Any other request seen (OPTIONS, unsupported method, malformed request, limits). */
  'request',
  /** A failed login to the Asterisk Manager Interface. */
  'ami-auth-failure',
  /** Media was negotiated (SDP answer): protection says whether it was encrypted. */
  'media-negotiated',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** The address of one end of a transport connection, as the transport saw it. */
export interface NetEndpoint {
  /** Canonical text: dotted IPv4 or RFC 5952 IPv6 (IPv4-mapped IPv6 is unwrapped). */
  ip: string;
  port?: number;
  transport?: Transport;
}

export type MediaProtection = 'none' | 'sdes-srtp' | 'dtls-srtp' | 'zrtp' | 'unknown';

/** Where an event came from: the evidence a human can check. */
export interface Evidence {
  /** The raw line or payload text (ANSI colour codes removed), at most 4 KiB. */
  raw: string;
  /** Log format family, e.g. `asterisk`, `asterisk-json`, `freeswitch`, `hep-sip`. */
  format: string;
  /** Decoder id, e.g. `asterisk-security`, `freeswitch-auth`. */
  decoder: string;
  /** Origin of the line: `file:/var/log/asterisk/messages:123`, `syslog:udp://...`, `hep:...`. */
  origin?: string;
}

export interface SecurityEvent {
  kind: EventKind;
  /** Event time (ms since the epoch) as written by the PBX or the capture agent. */
  time: number;
  /** The remote party's transport address. Absent when the log line has none we can trust. */
  source?: NetEndpoint;
  /** The PBX's own socket address, when known. */
  local?: NetEndpoint;
  /** Account, endpoint, peer or user the request named (attacker-controlled text). */
  account?: string;
  /** PBX name (from the policy or the watch source) or the PBX kind when unnamed. */
  pbx?: string;
  /** Service that logged it: PJSIP, SIP, AMI, a sofia profile, ... */
  service?: string;
  sip?: { method?: string; code?: number; callId?: string };
  /** Dialled destination for call events. */
  destination?: string;
  /** User-Agent header: data, never identity. */
  userAgent?: string;
  /** Contact URI of a registration (SIP over HEP/pcap): data the client wrote, never identity. */
  contact?: string;
  /** Media protection, for media-negotiated events. */
  media?: { protection: MediaProtection };
  /** Short reason text from the PBX, e.g. `No matching endpoint found`. */
  reason?: string;
  /**
   * Set when the line carried an address field we could not trust (e.g. several RemoteAddress
   * fields: an injection attempt). Such an event never names a source.
   */
  sourceIssue?: string;
  evidence: Evidence;
}

const MAX_RAW = 4096;

/** Trims raw evidence to a bounded size. */
export function boundedRaw(raw: string): string {
  return raw.length > MAX_RAW ? `${raw.slice(0, MAX_RAW)}…` : raw;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * Canonical text of a literal IP address (strips brackets and an IPv6 zone), or undefined when
 * the text is not a literal address. Never throws.
 */
export function canonicalIp(text: string): string | undefined {
  const t = text;
  if (t.length === 0 || t.length > 64) return undefined;
  if (isIpv4(t)) return t;
  const hit = v6Cache.get(t);
  if (hit !== undefined) return hit || undefined;
  const v = canonicalV6(t);
  if (v6Cache.size >= 4096) v6Cache.clear();
  v6Cache.set(t, v ?? '');
  return v;
}

const v6Cache = new Map<string, string>();

/** Strict dotted-quad IPv4 (no leading zeros), without a regex. */
export function isIpv4(t: string): boolean {
  const n = t.length;
  if (n < 7 || n > 15) return false;
  let parts = 0;
  let val = 0;
  let digits = 0;
  let first = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? t.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || val > 255 || (digits > 1 && first === 48)) return false;
      parts++;
      val = 0;
      digits = 0;
      continue;
    }
    if (c < 48 || c > 57) return false;
    if (digits === 0) first = c;
    val = val * 10 + (c - 48);
    digits++;
    if (digits > 3) return false;
  }
  return parts === 4;
}

function canonicalV6(text: string): string | undefined {
  let t = text;
  if (IPV4.test(t)) return t;
  if (t.charCodeAt(0) === 91 /* [ */) {
    if (!t.endsWith(']')) return undefined;
    t = t.slice(1, -1);
  }
  const pct = t.indexOf('%');
  if (pct >= 0) t = t.slice(0, pct);
  if (!t.includes(':') || !ipaddr.IPv6.isValid(t)) return undefined;
  try {
    const a = ipaddr.IPv6.parse(t);
    return a.isIPv4MappedAddress() ? a.toIPv4Address().toString() : a.toString();
  } catch {
    return undefined;
  }
}

/** Lower-cases and validates a transport name (`TLS` -> `tls`); unknown names give undefined. */
export function normalizeTransport(text: string | undefined): Transport | undefined {
  if (!text) return undefined;
  switch (text) {
    case 'UDP':
    case 'udp':
      return 'udp';
    case 'TCP':
    case 'tcp':
      return 'tcp';
    case 'TLS':
    case 'tls':
      return 'tls';
  }
  const t = text.toLowerCase();
  return (TRANSPORTS as readonly string[]).includes(t) ? (t as Transport) : undefined;
}

/**
 * Parses `ip:port`, `[ipv6]:port`, a bare IPv4/IPv6 address, or `TRANSPORT:ip:port` (Asterisk's
 * `UDP:1.2.3.4:5060`). Returns undefined unless the whole text is such an address.
 */
export function parseHostPort(text: string, transport?: Transport): NetEndpoint | undefined {
  // fast path: a.b.c.d:port
  const colon = text.indexOf(':');
  if (colon > 6 && colon < 16 && text.indexOf(':', colon + 1) < 0) {
    const ip = text.slice(0, colon);
    const p = text.slice(colon + 1);
    if (isIpv4(ip) && p.length > 0 && p.length <= 5) {
      const port = Number(p);
      if (Number.isInteger(port) && port >= 0 && port <= 65535 && !p.includes('.') && !p.includes(' ')) {
        return transport ? { ip, port, transport } : { ip, port };
      }
    }
  }
  if (colon < 0 && isIpv4(text)) return transport ? { ip: text, transport } : { ip: text };
  let t = text.trim();
  let tr = transport;
  const m = /^(udp|tcp|tls|ws|wss):(?=\[|\d)/i.exec(t);
  if (m) {
    tr = normalizeTransport(m[1]);
    t = t.slice(m[0].length);
  }
  let ipText = t;
  let port: number | undefined;
  if (t.startsWith('[')) {
    const close = t.indexOf(']');
    if (close < 0) return undefined;
    ipText = t.slice(0, close + 1);
    const rest = t.slice(close + 1);
    if (rest.length) {
      if (!/^:\d{1,5}$/.test(rest)) return undefined;
      port = Number(rest.slice(1));
    }
  } else {
    const colons = t.split(':').length - 1;
    if (colons === 1) {
      const i = t.indexOf(':');
      ipText = t.slice(0, i);
      const p = t.slice(i + 1);
      if (!/^\d{1,5}$/.test(p)) return undefined;
      port = Number(p);
    }
  }
  const ip = canonicalIp(ipText);
  if (!ip) return undefined;
  if (port !== undefined && (port < 0 || port > 65535)) return undefined;
  const out: NetEndpoint = { ip };
  if (port !== undefined) out.port = port;
  if (tr) out.transport = tr;
  return out;
}

/** `1.2.3.4:5060/udp`, `[2001:db8::1]:5061/tls`: compact display of an endpoint. */
export function formatEndpoint(e: NetEndpoint | undefined): string {
  if (!e) return '-';
  const host = e.ip.includes(':') && e.port !== undefined ? `[${e.ip}]` : e.ip;
  return `${host}${e.port !== undefined ? `:${e.port}` : ''}${e.transport ? `/${e.transport}` : ''}`;
}

/** Kinds that count as a failed attempt to authenticate (brute force evidence). */
export function isAuthFailure(kind: EventKind): boolean {
  return kind === 'auth-failure' || kind === 'ami-auth-failure';
}

/** Kinds that prove the source holds valid credentials. */
export function isAuthSuccess(kind: EventKind): boolean {
  return kind === 'auth-success' || kind === 'registration';
}
