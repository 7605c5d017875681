import ipaddr from 'ipaddr.js';

/**
 * SIP/SIPS (RFC 3261 19.1), tel (RFC 3966) and other absolute URIs. Parsing never throws; a bad
 * URI yields an error with the position (relative to the URI text) where it went wrong.
 */

export type Params = Record<string, string | null>;

export interface SipUri {
  scheme: 'sip' | 'sips';
  /** User part, %-escapes decoded. */
  user?: string;
  /** Password in the userinfo (deprecated by RFC 3261). Never printed by hardline. */
  password?: string;
  /** Host as written, without IPv6 brackets; lower-cased for names. */
  host: string;
  hostType: 'ipv4' | 'ipv6' | 'name';
  port?: number;
  /** URI parameters; names lower-cased, values decoded; a flag parameter has value null. */
  params: Params;
  /** URI headers (after `?`), decoded. */
  headers: Record<string, string>;
}

export interface TelUri {
  scheme: 'tel';
  /** The number as written (visual separators kept). */
  number: string;
  /** True for a global number (+...). */
  global: boolean;
  params: Params;
}

export interface OtherUri {
  scheme: string;
  /** Everything after `scheme:`. */
  opaque: string;
}

export type Uri = SipUri | TelUri | OtherUri;

export interface UriError {
  code: 'HL_SIP_URI';
  message: string;
  /** Position in the URI text. */
  offset: number;
}

export type UriResult = { ok: true; uri: Uri } | { ok: false; error: UriError };

export function isSipUri(u: Uri | undefined): u is SipUri {
  return u !== undefined && (u.scheme === 'sip' || u.scheme === 'sips');
}
export function isTelUri(u: Uri | undefined): u is TelUri {
  return u !== undefined && u.scheme === 'tel';
}

function fail(message: string, offset: number): UriResult {
  return { ok: false, error: { code: 'HL_SIP_URI', message, offset } };
}

const HEX = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

/** Decodes %HH escapes (UTF-8). Returns undefined for a malformed escape. */
export function percentDecode(s: string): string | undefined {
  const first = s.indexOf('%');
  if (first < 0) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37) {
      if (i + 2 >= s.length) return undefined;
      const h1 = s.charCodeAt(i + 1);
      const h2 = s.charCodeAt(i + 2);
      if (!HEX(h1) || !HEX(h2)) return undefined;
      bytes.push(Number.parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 128) bytes.push(c);
    else for (const b of Buffer.from(s[i]!, 'utf8')) bytes.push(b);
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Escapes characters outside `allowed` as %HH (UTF-8). */
export function percentEncode(s: string, allowed: RegExp): string {
  let out = '';
  for (const ch of s) {
    if (allowed.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const USER_OK = /^[A-Za-z0-9\-_.!~*'()&=+$,;?/]$/;
const PARAM_OK = /^[A-Za-z0-9\-_.!~*'()[\]/:&+$]$/;
const HDR_OK = /^[A-Za-z0-9\-_.!~*'()[\]/?:+$]$/;

/** Characters allowed unescaped in hostnames. */
function isHostnameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45 || c === 46;
}

function isIpv4(s: string): boolean {
  let parts = 0;
  let digits = 0;
  let value = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || value > 255) return false;
      parts++;
      digits = 0;
      value = 0;
    } else if (c >= 48 && c <= 57) {
      digits++;
      if (digits > 3) return false;
      value = value * 10 + (c - 48);
    } else return false;
  }
  return parts === 3 && digits > 0 && value <= 255;
}

export interface HostPort {
  host: string;
  hostType: 'ipv4' | 'ipv6' | 'name';
  port?: number;
}

/**
 * Parses `host[:port]` (IPv6 in brackets) in s[from, to). Offsets in errors are relative to
 * `from`.
 */
export function parseHostPort(
  s: string,
  from = 0,
  to: number = s.length,
): { ok: true; value: HostPort } | { ok: false; message: string; offset: number } {
  if (to <= from) return { ok: false, message: 'empty host', offset: 0 };
  let host: string;
  let hostType: HostPort['hostType'];
  let rest: number;
  if (s.charCodeAt(from) === 91 /* [ */) {
    const close = s.indexOf(']', from);
    if (close < 0 || close >= to) return { ok: false, message: 'IPv6 reference without ]', offset: 0 };
    host = s.slice(from + 1, close);
    if (!ipaddr.IPv6.isValid(host)) return { ok: false, message: `invalid IPv6 address ${host}`, offset: 1 };
    hostType = 'ipv6';
    rest = close + 1;
  } else {
    let i = from;
    let digitsDots = true;
    let upper = false;
    for (; i < to; i++) {
      const c = s.charCodeAt(i);
      if (c === 58) break;
      if (!isHostnameChar(c))
        return { ok: false, message: `invalid character '${s[i]}' in host`, offset: i - from };
      if ((c < 48 || c > 57) && c !== 46) {
        digitsDots = false;
        if (c >= 65 && c <= 90) upper = true;
      }
    }
    if (i === from) return { ok: false, message: 'empty host', offset: 0 };
    host = s.slice(from, i);
    rest = i;
    if (digitsDots) {
      if (!isIpv4(host)) return { ok: false, message: `invalid IPv4 address ${host}`, offset: 0 };
      hostType = 'ipv4';
    } else {
      hostType = 'name';
      if (upper) host = host.toLowerCase();
    }
  }
  if (rest === to) return { ok: true, value: { host, hostType } };
  if (s.charCodeAt(rest) !== 58)
    return { ok: false, message: 'unexpected text after host', offset: rest - from };
  let port = 0;
  const ps = rest + 1;
  if (ps === to || to - ps > 5) return { ok: false, message: 'invalid port', offset: ps - from };
  for (let k = ps; k < to; k++) {
    const d = s.charCodeAt(k) - 48;
    if (d < 0 || d > 9) return { ok: false, message: 'invalid port', offset: ps - from };
    port = port * 10 + d;
  }
  if (port > 65535) return { ok: false, message: 'port above 65535', offset: ps - from };
  return { ok: true, value: { host, hostType, port } };
}

/** Sets a parameter; `__proto__` and friends are stored as plain data. */
export function setParam(into: Params, name: string, value: string | null): void {
  const c = name.charCodeAt(0);
  if (
    (c === 95 || c === 99 || c === 112) &&
    (name === '__proto__' || name === 'constructor' || name === 'prototype')
  )
    Object.defineProperty(into, name, { value, enumerable: true, writable: true, configurable: true });
  else into[name] = value;
}

/**
 * Parses `;name[=value]` parameters in s[from..to) into `into`. Returns -1 on success or the
 * offset of the problem. Quoted values (allowed in header params) keep their quotes stripped.
 */
export function parseParams(s: string, from: number, to: number, into: Params, decode: boolean): number {
  let i = from;
  while (i < to) {
    // skip ; and whitespace
    while (i < to) {
      const c = s.charCodeAt(i);
      if (c === 59 || c === 32 || c === 9) i++;
      else break;
    }
    if (i >= to) break;
    const nameStart = i;
    while (i < to) {
      const c = s.charCodeAt(i);
      if (c === 59 || c === 61 || c === 32 || c === 9) break;
      i++;
    }
    let name = s.slice(nameStart, i);
    while (i < to && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i++;
    let value: string | null = null;
    if (i < to && s.charCodeAt(i) === 61) {
      i++;
      while (i < to && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i++;
      if (i < to && s.charCodeAt(i) === 34) {
        const q = readQuoted(s, i, to);
        if (!q) return i;
        value = q.text;
        i = q.end;
      } else {
        const vs = i;
        while (i < to && s.charCodeAt(i) !== 59) i++;
        value = s.slice(vs, i).trimEnd();
        if (decode) {
          const d = percentDecode(value);
          if (d === undefined) return vs;
          value = d;
        }
      }
    }
    if (name.length === 0) return nameStart;
    if (decode) {
      const d = percentDecode(name);
      if (d === undefined) return nameStart;
      name = d;
    }
    setParam(into, name.toLowerCase(), value);
    while (i < to && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i++;
    if (i < to && s.charCodeAt(i) !== 59) return i;
  }
  return -1;
}

/** Reads a quoted string starting at s[i] === '"'; returns its unescaped text and end. */
export function readQuoted(
  s: string,
  i: number,
  to: number = s.length,
): { text: string; end: number } | undefined {
  let out = '';
  let segStart = i + 1;
  for (let k = i + 1; k < to; k++) {
    const c = s.charCodeAt(k);
    if (c === 92) {
      out += s.slice(segStart, k);
      if (k + 1 >= to) return undefined;
      out += s[k + 1];
      k++;
      segStart = k + 1;
    } else if (c === 34) {
      out += s.slice(segStart, k);
      return { text: out, end: k + 1 };
    }
  }
  return undefined;
}

/** Parses a URI. Never throws. */
export function parseUri(text: string): UriResult {
  const colon = text.indexOf(':');
  if (colon <= 0) return fail('missing URI scheme', 0);
  const scheme = text.slice(0, colon).toLowerCase();
  if (!/^[a-z][a-z0-9+.-]*$/.test(scheme)) return fail('invalid URI scheme', 0);
  if (scheme === 'sip' || scheme === 'sips') return parseSipUri(text, scheme, colon + 1);
  if (scheme === 'tel') return parseTelUri(text, colon + 1);
  const opaque = text.slice(colon + 1);
  if (opaque.length === 0 || /[\s<>"]/.test(opaque)) return fail('invalid absolute URI', colon + 1);
  return { ok: true, uri: { scheme, opaque } };
}

function parseSipUri(text: string, scheme: 'sip' | 'sips', start: number): UriResult {
  const n = text.length;
  for (let k = start; k < n; k++) {
    const c = text.charCodeAt(k);
    if (c <= 32 || c === 127 || c === 34 || c === 60 || c === 62)
      return fail(`invalid character in URI at ${k}`, k);
  }
  const at = text.indexOf('@', start);
  let hostStart = start;
  let user: string | undefined;
  let password: string | undefined;
  if (at >= 0) {
    // userinfo = user [":" password]
    const pw = text.indexOf(':', start);
    const userEnd = pw >= 0 && pw < at ? pw : at;
    const rawUser = text.slice(start, userEnd);
    if (rawUser.length === 0) return fail('empty user part before @', start);
    const du = percentDecode(rawUser);
    if (du === undefined) return fail('malformed %-escape in user part', start);
    user = du;
    if (userEnd < at) {
      const dp = percentDecode(text.slice(userEnd + 1, at));
      if (dp === undefined) return fail('malformed %-escape in password', userEnd + 1);
      password = dp;
    }
    hostStart = at + 1;
  }
  let hpEnd = hostStart;
  // hostport ends at ; or ? (IPv6 references contain colons but never ; or ?)
  while (hpEnd < n) {
    const c = text.charCodeAt(hpEnd);
    if (c === 59 || c === 63) break;
    hpEnd++;
  }
  const hp = parseHostPort(text, hostStart, hpEnd);
  if (!hp.ok) return fail(hp.message, hostStart + hp.offset);
  const params: Params = {};
  const headers: Record<string, string> = {};
  let q = text.indexOf('?', hpEnd);
  if (q < 0) q = n;
  if (hpEnd < q) {
    const bad = parseParams(text, hpEnd, q, params, true);
    if (bad >= 0) return fail('malformed URI parameter', bad);
  }
  if (q < n) {
    for (const pair of text.slice(q + 1).split('&')) {
      if (!pair) continue;
      const eq = pair.indexOf('=');
      const k = percentDecode(eq < 0 ? pair : pair.slice(0, eq));
      const v = percentDecode(eq < 0 ? '' : pair.slice(eq + 1));
      if (k === undefined || v === undefined) return fail('malformed %-escape in URI header', q + 1);
      setParam(headers as Params, k, v);
    }
  }
  const uri: SipUri = { scheme, host: hp.value.host, hostType: hp.value.hostType, params, headers };
  if (user !== undefined) uri.user = user;
  if (password !== undefined) uri.password = password;
  if (hp.value.port !== undefined) uri.port = hp.value.port;
  return { ok: true, uri };
}

function parseTelUri(text: string, start: number): UriResult {
  const semi = text.indexOf(';', start);
  const end = semi < 0 ? text.length : semi;
  const number = text.slice(start, end);
  if (number.length === 0) return fail('empty telephone number', start);
  const global = number.charCodeAt(0) === 43;
  const digits = global ? number.slice(1) : number;
  if (!/^[0-9A-Fa-f*#\-.()]+$/.test(digits) || !/[0-9A-Fa-f*#]/.test(digits))
    return fail('invalid telephone number', start);
  const params: Params = {};
  if (semi >= 0) {
    const bad = parseParams(text, semi, text.length, params, true);
    if (bad >= 0) return fail('malformed tel parameter', bad);
  }
  if (!global && params['phone-context'] === undefined)
    return fail('local tel number without phone-context', start);
  return { ok: true, uri: { scheme: 'tel', number, global, params } };
}

function formatParams(params: Params): string {
  let out = '';
  for (const k of Object.keys(params)) {
    const v = params[k];
    out += `;${percentEncode(k, PARAM_OK)}${v === null || v === undefined ? '' : `=${percentEncode(v, PARAM_OK)}`}`;
  }
  return out;
}

/**
 * Writes a URI back as text. The password is written only when `withPassword` is true (never in
 * hardline's reports).
 */
export function formatUri(u: Uri, opts: { withPassword?: boolean } = {}): string {
  if (u.scheme === 'sip' || u.scheme === 'sips') {
    const s = u as SipUri;
    let out = `${s.scheme}:`;
    if (s.user !== undefined) {
      out += percentEncode(s.user, USER_OK);
      if (s.password !== undefined)
        out += opts.withPassword ? `:${percentEncode(s.password, USER_OK)}` : ':***';
      out += '@';
    }
    out += s.hostType === 'ipv6' ? `[${s.host}]` : s.host;
    if (s.port !== undefined) out += `:${s.port}`;
    out += formatParams(s.params);
    const hk = Object.keys(s.headers);
    if (hk.length)
      out += `?${hk.map((k) => `${percentEncode(k, HDR_OK)}=${percentEncode(s.headers[k]!, HDR_OK)}`).join('&')}`;
    return out;
  }
  if (u.scheme === 'tel') {
    const t = u as TelUri;
    return `tel:${t.number}${formatParams(t.params)}`;
  }
  return `${u.scheme}:${(u as OtherUri).opaque}`;
}
