import ipaddr from 'ipaddr.js';
import { buildParams, type Params, percentDecode, scanParams, setParam } from './params.js';

export { type Params, percentDecode, setParam } from './params.js';

/**
 * SIP/SIPS (RFC 3261 19.1), tel (RFC 3966) and other absolute URIs. Parsing never throws; a bad
 * URI yields an error with the position (relative to the URI text) where it went wrong.
 */

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

export interface HostPort {
  host: string;
  hostType: 'ipv4' | 'ipv6' | 'name';
  port?: number;
}

let hostError = '';
/** The message of the last error returned by hostPortInto. */
export function lastHostError(): string {
  return hostError;
}

function hostFail(message: string, offset: number): number {
  hostError = message;
  return offset;
}

/**
 * Parses `host[:port]` (IPv6 in brackets) in s[from, to) into `out` (host, hostType, port).
 * Returns -1 on success, else the error offset relative to `from` (message: lastHostError()).
 * One pass: the characters are checked and an IPv4 address validated as they are read.
 */
export function hostPortInto(
  s: string,
  from: number,
  to: number,
  out: { host: string; hostType: HostPort['hostType']; port?: number | undefined },
): number {
  if (to <= from) return hostFail('empty host', 0);
  let rest: number;
  if (s.charCodeAt(from) === 91 /* [ */) {
    const close = s.indexOf(']', from);
    if (close < 0 || close >= to) return hostFail('IPv6 reference without ]', 0);
    const host = s.slice(from + 1, close);
    if (!ipaddr.IPv6.isValid(host)) return hostFail(`invalid IPv6 address ${host}`, 1);
    out.host = host;
    out.hostType = 'ipv6';
    rest = close + 1;
  } else {
    let i = from;
    let digitsDots = true;
    let upper = false;
    // IPv4 state: dots seen, digits in the current part, its value, and whether it is valid so far.
    let dots = 0;
    let digits = 0;
    let part = 0;
    let v4 = true;
    for (; i < to; i++) {
      const c = s.charCodeAt(i);
      if (c >= 48 && c <= 57) {
        if (++digits > 3) v4 = false;
        part = part * 10 + c - 48;
        continue;
      }
      if (c === 46) {
        if (digits === 0 || part > 255) v4 = false;
        dots++;
        digits = 0;
        part = 0;
        continue;
      }
      if (c === 58) break;
      digitsDots = false;
      if (c >= 97 && c <= 122) continue;
      if (c >= 65 && c <= 90) upper = true;
      else if (c !== 45) return hostFail(`invalid character '${s[i]}' in host`, i - from);
    }
    if (i === from) return hostFail('empty host', 0);
    const host = s.slice(from, i);
    rest = i;
    if (digitsDots) {
      if (!v4 || dots !== 3 || digits === 0 || part > 255) return hostFail(`invalid IPv4 address ${host}`, 0);
      out.host = host;
      out.hostType = 'ipv4';
    } else {
      out.host = upper ? host.toLowerCase() : host;
      out.hostType = 'name';
    }
  }
  if (rest === to) return -1;
  if (s.charCodeAt(rest) !== 58) return hostFail('unexpected text after host', rest - from);
  let port = 0;
  const ps = rest + 1;
  if (ps === to || to - ps > 5) return hostFail('invalid port', ps - from);
  for (let k = ps; k < to; k++) {
    const d = s.charCodeAt(k) - 48;
    if (d < 0 || d > 9) return hostFail('invalid port', ps - from);
    port = port * 10 + d;
  }
  if (port > 65535) return hostFail('port above 65535', ps - from);
  out.port = port;
  return -1;
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
  const out: { host: string; hostType: HostPort['hostType']; port?: number | undefined } = {
    host: '',
    hostType: 'name',
    port: undefined,
  };
  const e = hostPortInto(s, from, to, out);
  if (e >= 0) return { ok: false, message: hostError, offset: e };
  const value: HostPort = { host: out.host, hostType: out.hostType };
  if (out.port !== undefined) value.port = out.port;
  return { ok: true, value };
}

/**
 * Parses `;name[=value]` parameters in s[from..to) into `into`. Returns -1 on success or the
 * offset of the problem. Quoted values (allowed in header params) keep their quotes stripped.
 */
export function parseParams(s: string, from: number, to: number, into: Params, decode: boolean): number {
  const bad = scanParams(s, from, to);
  if (bad >= 0) return bad;
  return buildParams(s, into, decode);
}

/** End (one past the closing quote) of the quoted string starting at s[i] === '"', or -1. */
export function quotedEnd(s: string, i: number, to: number = s.length): number {
  for (let k = i + 1; k < to; k++) {
    const c = s.charCodeAt(k);
    if (c === 92) k++;
    else if (c === 34) return k + 1;
  }
  return -1;
}

/** The text of the quoted string s[start, end) (quotes included), backslash escapes removed. */
export function unquote(s: string, start: number, end: number): string {
  const bs = s.indexOf('\\', start + 1);
  if (bs < 0 || bs >= end - 1) return s.slice(start + 1, end - 1);
  let out = '';
  let seg = start + 1;
  for (let k = bs; k < end - 1; k++) {
    if (s.charCodeAt(k) === 92) {
      out += s.slice(seg, k) + s[k + 1];
      k++;
      seg = k + 1;
    }
  }
  return out + s.slice(seg, end - 1);
}

/** Reads a quoted string starting at s[i] === '"'; returns its unescaped text and end. */
export function readQuoted(
  s: string,
  i: number,
  to: number = s.length,
): { text: string; end: number } | undefined {
  const end = quotedEnd(s, i, to);
  return end < 0 ? undefined : { text: unquote(s, i, end), end };
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
