import { createHash, randomBytes } from 'node:crypto';
import { hasBackslash, sameAt, setParam } from './params.js';

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

/**
 * Parses `a=b, c="d,e"` into a record (names lower-cased; a name without a value maps to '').
 * One pass with charCodeAt; quoted values are sliced, escapes removed only where present.
 * Linear; never throws.
 */
export function parseAuthParams(s: string): Record<string, string> {
  return authParamsAt(s, 0, s.length);
}

/** parseAuthParams over s[from, to) (a header value in place in the message text). */
export function authParamsAt(s: string, from: number, to: number): Record<string, string> {
  const out: Record<string, string> = {};
  let i = from;
  const n = to;
  let c = 0;
  while (i < n) {
    for (; i < n; i++) {
      c = s.charCodeAt(i);
      if (c !== 44 && c !== 32 && c !== 9) break;
    }
    if (i >= n) break;
    const ks = i;
    let upper = false;
    for (; i < n; i++) {
      c = s.charCodeAt(i);
      if (c === 61 || c === 44) break;
      if ((c >= 65 && c <= 90) || c >= 128) upper = true;
    }
    let ke = i;
    while (ke > ks && s.charCodeAt(ke - 1) <= 32) ke--;
    if (i >= n || c === 44) {
      if (ke > ks) storeAuthParam(out, s, ks, ke, upper, '');
      continue;
    }
    for (i++; i < n; i++) {
      c = s.charCodeAt(i);
      if (c !== 32 && c !== 9) break;
    }
    let val: string;
    if (i < n && c === 34) {
      // Quoted string; an unterminated one runs to the end of the value.
      const vs = i + 1;
      let q = s.indexOf('"', vs);
      if (q >= n) q = -1;
      if (!hasBackslash(s, vs, q < 0 ? n : q)) {
        // No escape inside: one slice.
        if (q < 0) q = n;
        val = s.slice(vs, q);
        i = q + 1;
      } else {
        for (i = vs; i < n; i++) {
          c = s.charCodeAt(i);
          if (c === 34) break;
          if (c === 92 && i + 1 < n) i++;
        }
        val = s.slice(vs, i).replace(/\\([\s\S])/g, '$1');
        i++;
      }
    } else {
      const vs = i;
      i = s.indexOf(',', i);
      if (i < 0 || i > n) i = n;
      let ve = i;
      while (ve > vs && s.charCodeAt(ve - 1) <= 32) ve--;
      val = s.slice(vs, ve);
    }
    if (ke > ks) storeAuthParam(out, s, ks, ke, upper, val);
  }
  return out;
}

/** Stores one auth-param; the usual digest names with named stores (fast), others by key. */
function storeAuthParam(
  out: Record<string, string>,
  s: string,
  a: number,
  b: number,
  upper: boolean,
  v: string,
): void {
  if (!upper)
    switch (b - a) {
      case 8:
        if (sameAt(s, a, 'username')) out['username'] = v;
        else if (sameAt(s, a, 'response')) out['response'] = v;
        else break;
        return;
      case 5:
        if (sameAt(s, a, 'realm')) out['realm'] = v;
        else if (sameAt(s, a, 'nonce')) out['nonce'] = v;
        else if (sameAt(s, a, 'stale')) out['stale'] = v;
        else break;
        return;
      case 3:
        if (sameAt(s, a, 'uri')) out['uri'] = v;
        else if (sameAt(s, a, 'qop')) out['qop'] = v;
        else break;
        return;
      case 9:
        if (sameAt(s, a, 'algorithm')) out['algorithm'] = v;
        else break;
        return;
      case 2:
        if (sameAt(s, a, 'nc')) out['nc'] = v;
        else break;
        return;
      case 6:
        if (sameAt(s, a, 'cnonce')) out['cnonce'] = v;
        else if (sameAt(s, a, 'opaque')) out['opaque'] = v;
        else if (sameAt(s, a, 'domain')) out['domain'] = v;
        else break;
        return;
    }
  const key = upper ? s.slice(a, b).toLowerCase() : s.slice(a, b);
  setParam(out, key, v);
}

/** An Authorization-style header value: the scheme and its auth-params. */
export interface AuthValue {
  scheme: string;
  params: Record<string, string>;
}

/** Parses `Digest username="a", realm="b", ...` (any scheme); undefined without a scheme. */
export function parseAuthValue(value: string): AuthValue | undefined {
  return authValueAt(value, 0, value.length);
}

/** parseAuthValue over s[from, to) (a header value in place in the message text). */
export function authValueAt(s: string, from: number, to: number): AuthValue | undefined {
  let i = from;
  while (i < to && s.charCodeAt(i) <= 32) i++;
  const st = i;
  for (; i < to; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45)) break;
  }
  if (i === st || i >= to || (s.charCodeAt(i) !== 32 && s.charCodeAt(i) !== 9)) return undefined;
  const scheme = i - st === 6 && s.startsWith('Digest', st) ? 'Digest' : s.slice(st, i);
  return { scheme, params: authParamsAt(s, i + 1, to) };
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
