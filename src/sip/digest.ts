import { createHash, randomBytes } from 'node:crypto';

/**
 * Client-side HTTP digest authentication for SIP (RFC 3261 22, RFC 2617, RFC 7616 / RFC 8760):
 * MD5 and SHA-256 (and their -sess variants), qop=auth or no qop. auth-int is not offered.
 */

export interface Challenge {
  scheme: string;
  realm: string;
  nonce: string;
  opaque?: string;
  /** Upper-cased, e.g. MD5, SHA-256, MD5-SESS. Default MD5. */
  algorithm: string;
  /** Offered qop values, lower-cased. */
  qop: string[];
  stale: boolean;
  /** Every parameter as sent (names lower-cased). */
  params: Record<string, string>;
}

/**
 * Parses `Digest realm="x", nonce="y", ...` (the auth-param list: comma-separated, values are
 * tokens or quoted strings). Returns undefined for another scheme or when realm/nonce are missing.
 */
export function parseChallenge(value: string): Challenge | undefined {
  const m = /^\s*([A-Za-z][A-Za-z0-9-]*)\s+/.exec(value);
  if (!m) return undefined;
  const params = parseAuthParams(value.slice(m[0].length));
  const scheme = m[1]!;
  if (scheme.toLowerCase() !== 'digest') return undefined;
  if (params['realm'] === undefined || params['nonce'] === undefined) return undefined;
  const c: Challenge = {
    scheme,
    realm: params['realm'],
    nonce: params['nonce'],
    algorithm: (params['algorithm'] ?? 'MD5').toUpperCase(),
    qop: (params['qop'] ?? '')
      .split(',')
      .map((q) => q.trim().toLowerCase())
      .filter(Boolean),
    stale: (params['stale'] ?? '').toLowerCase() === 'true',
    params,
  };
  if (params['opaque'] !== undefined) c.opaque = params['opaque'];
  return c;
}

/** Parses `a=b, c="d,e"` into a record (names lower-cased). Linear; never throws. */
export function parseAuthParams(s: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  let i = 0;
  const n = s.length;
  while (i < n) {
    while (i < n && (s[i] === ',' || s[i] === ' ' || s[i] === '\t')) i++;
    const ks = i;
    while (i < n && s[i] !== '=' && s[i] !== ',') i++;
    const key = s.slice(ks, i).trim().toLowerCase();
    if (i >= n || s[i] === ',') {
      if (key) out[key] = '';
      continue;
    }
    i++; // =
    while (i < n && (s[i] === ' ' || s[i] === '\t')) i++;
    let val = '';
    if (s[i] === '"') {
      i++;
      while (i < n && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < n) i++;
        val += s[i];
        i++;
      }
      i++;
    } else {
      const vs = i;
      while (i < n && s[i] !== ',') i++;
      val = s.slice(vs, i).trim();
    }
    if (key) out[key] = val;
  }
  return out;
}

export const SUPPORTED_ALGORITHMS = ['MD5', 'MD5-SESS', 'SHA-256', 'SHA-256-SESS'] as const;

export interface Credentials {
  username: string;
  password: string;
}

export interface DigestInput {
  method: string;
  /** The digest-uri: normally the Request-URI. */
  uri: string;
  challenge: Challenge;
  credentials: Credentials;
  /** Nonce count for this nonce (default 1). */
  nc?: number;
  /** Client nonce (random when omitted; fixed in tests). */
  cnonce?: string;
}

function hashOf(algorithm: string): 'md5' | 'sha256' | undefined {
  const a = algorithm.toUpperCase();
  if (a === 'MD5' || a === 'MD5-SESS') return 'md5';
  if (a === 'SHA-256' || a === 'SHA-256-SESS') return 'sha256';
  return undefined;
}

const quote = (s: string) => `"${s.replace(/(["\\])/g, '\\$1')}"`;

/**
 * The Authorization / Proxy-Authorization value answering a challenge, or undefined when the
 * algorithm is not supported or the server only offers qop=auth-int.
 */
export function digestAuthorization(input: DigestInput): string | undefined {
  const { challenge: ch, credentials } = input;
  const h = hashOf(ch.algorithm);
  if (!h) return undefined;
  const H = (s: string) => createHash(h).update(s, 'utf8').digest('hex');
  const qop = ch.qop.length === 0 ? undefined : ch.qop.includes('auth') ? 'auth' : null;
  if (qop === null) return undefined;
  const cnonce = input.cnonce ?? randomBytes(12).toString('hex');
  const nc = (input.nc ?? 1).toString(16).padStart(8, '0');
  let ha1 = H(`${credentials.username}:${ch.realm}:${credentials.password}`);
  if (ch.algorithm.endsWith('-SESS')) ha1 = H(`${ha1}:${ch.nonce}:${cnonce}`);
  const ha2 = H(`${input.method}:${input.uri}`);
  const response = qop
    ? H(`${ha1}:${ch.nonce}:${nc}:${cnonce}:${qop}:${ha2}`)
    : H(`${ha1}:${ch.nonce}:${ha2}`);
  const parts = [
    `username=${quote(credentials.username)}`,
    `realm=${quote(ch.realm)}`,
    `nonce=${quote(ch.nonce)}`,
    `uri=${quote(input.uri)}`,
    `response=${quote(response)}`,
    `algorithm=${ch.params['algorithm'] ?? 'MD5'}`,
  ];
  if (ch.opaque !== undefined) parts.push(`opaque=${quote(ch.opaque)}`);
  if (qop) parts.push(`qop=${qop}`, `nc=${nc}`, `cnonce=${quote(cnonce)}`);
  return `Digest ${parts.join(', ')}`;
}
