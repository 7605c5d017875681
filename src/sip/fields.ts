import { firstNonToken } from './headers.js';
import {
  buildParams,
  findParam,
  hasBackslash,
  type Params,
  paramCount,
  paramIs,
  paramValue,
  scanParams,
} from './params.js';
import { hostPortInto, lastHostError, parseUri, type Uri, type UriError, type UriResult } from './uri.js';

/**
 * Structured header values: name-addr (From, To, Contact, Route...), Via, CSeq.
 *
 * Each parser makes one pass over the value (or over a range of the message text, so a header
 * value need not be copied first), validates it completely, and keeps only what readers use
 * most: the Via sent-by, branch, received and rport; the name-addr display name, URI text and
 * tag. The full parameter record and the parsed URI are built on first read. `parseX` return
 * `{ ok, value | error }`; the `xAt` forms return the value or a FieldErr (no wrapper), for
 * SipMessage's cached accessors.
 */

export interface FieldError {
  message: string;
  /** Position in the header value. */
  offset: number;
}

/** The error value of the unwrapped parsers. */
export class FieldErr implements FieldError {
  declare message: string;
  declare offset: number;
  constructor(message: string, offset: number) {
    this.message = message;
    this.offset = offset;
  }
}

// A brand on the prototype tells an error from a value with one property read. `instanceof`
// would do, but costs several times more where a loader redefines the class's `name` (tsx and
// other keep-names transforms do), and these checks run on every field read.
Object.defineProperty(FieldErr.prototype, 'isFieldErr', { value: true });

/** Is `v` (a result of the parsers above, never undefined) an error? */
export function isFieldErr(v: unknown): v is FieldErr {
  return (v as { isFieldErr?: unknown }).isFieldErr === true;
}

export type FieldResult<T> = { ok: true; value: T } | { ok: false; error: FieldError };

function wrap<T>(v: T | FieldErr): FieldResult<T> {
  return isFieldErr(v) ? { ok: false, error: v } : { ok: true, value: v };
}

function isWs(c: number): boolean {
  return c === 32 || c === 9;
}

/** The parameters of src[from, to) (already validated) as a record. */
function paramsOf(src: string, from: number, to: number): Params {
  const p: Params = {};
  if (from < to && scanParams(src, from, to) < 0) buildParams(src, p, false);
  return p;
}

/**
 * A name-addr or addr-spec. The parameter record and the URI are built on first access (most
 * readers only need the tag or the URI text); `uriError` says why the URI did not parse.
 */
export class NameAddr {
  /** Display name, unquoted and unescaped. */
  declare displayName: string | undefined;
  /** The URI as written between < > (or the addr-spec). */
  declare uriText: string;
  declare private p: Params | undefined;
  declare private src: string;
  declare private ps: number;
  declare private pe: number;
  declare private tagValue: string | undefined;
  declare private parsed: UriResult | undefined;

  /**
   * With `params` undefined, the (validated) parameters are src[ps, pe) and are read on
   * demand; `tag` is then the tag already found there.
   */
  constructor(
    displayName: string | undefined,
    uriText: string,
    params: Params | undefined,
    src = '',
    ps = 0,
    pe = 0,
    tag: string | undefined = undefined,
  ) {
    this.displayName = displayName;
    this.uriText = uriText;
    this.p = params;
    this.src = src;
    this.ps = ps;
    this.pe = pe;
    this.tagValue = tag;
    this.parsed = undefined;
  }

  /** Header parameters (after the URI), e.g. tag, expires, q. Names lower-cased. */
  get params(): Params {
    let p = this.p;
    if (p === undefined) {
      p = paramsOf(this.src, this.ps, this.pe);
      this.p = p;
      this.src = '';
    }
    return p;
  }

  set params(p: Params) {
    this.p = p;
  }

  /** One header parameter: its value, null for a flag, undefined when absent. */
  param(name: string): string | null | undefined {
    return this.params[name.toLowerCase()];
  }

  private result(): UriResult {
    this.parsed ??= parseUri(this.uriText);
    return this.parsed;
  }
  /** The parsed URI, or undefined when it is malformed (see uriError). */
  get uri(): Uri | undefined {
    const r = this.result();
    return r.ok ? r.uri : undefined;
  }
  get uriError(): UriError | undefined {
    const r = this.result();
    return r.ok ? undefined : r.error;
  }
  /** The `tag` parameter (From/To). */
  get tag(): string | undefined {
    if (this.p === undefined) return this.tagValue;
    const t = this.p['tag'];
    return typeof t === 'string' ? t : undefined;
  }
  toJSON(): object {
    return { displayName: this.displayName, uri: this.uri, uriText: this.uriText, params: this.params };
  }
}

/**
 * Parses `name-addr` (`"Bob" <sip:bob@example.com>;tag=1`) or `addr-spec` (`sip:bob@host;tag=1`,
 * where parameters belong to the header, RFC 3261 20.10).
 */
export function parseNameAddr(value: string): FieldResult<NameAddr> {
  return wrap(nameAddrAt(value, 0, value.length));
}

export function nameAddrOrError(value: string): NameAddr | FieldErr {
  return nameAddrAt(value, 0, value.length);
}

/** name-addr in s[from, to); error offsets are relative to `from`. */
export function nameAddrAt(s: string, from: number, to: number): NameAddr | FieldErr {
  let i = from;
  while (i < to && isWs(s.charCodeAt(i))) i++;
  if (i >= to) return new FieldErr('empty value', 0);
  let displayName: string | undefined;
  let uriStart: number;
  let uriEnd: number;
  let after: number;
  let c = s.charCodeAt(i);
  if (c === 34) {
    const q = i;
    let esc = false;
    i = s.indexOf('"', q + 1);
    if (i >= 0 && i < to && hasBackslash(s, q + 1, i)) {
      esc = true;
      for (i = q + 1; i < to; i++) {
        c = s.charCodeAt(i);
        if (c === 92) i++;
        else if (c === 34) break;
      }
    }
    if (i < 0 || i >= to) return new FieldErr('unterminated quoted display name', q - from);
    displayName = esc ? unescapeQuoted(s, q + 1, i) : s.slice(q + 1, i);
    i++;
    while (i < to && isWs(s.charCodeAt(i))) i++;
    if (i >= to || s.charCodeAt(i) !== 60) return new FieldErr('expected < after the display name', i - from);
    c = 60;
  }
  let lt = -1;
  if (c === 60) lt = i;
  else if (displayName === undefined) {
    lt = s.indexOf('<', i);
    if (lt >= to) lt = -1;
  }
  if (lt >= 0) {
    if (displayName === undefined && lt > i) {
      let e = lt;
      while (e > i && isWs(s.charCodeAt(e - 1))) e--;
      if (e > i) displayName = s.slice(i, e);
    }
    const gt = s.indexOf('>', lt + 1);
    if (gt < 0 || gt >= to) return new FieldErr('missing > after the URI', lt - from);
    uriStart = lt + 1;
    uriEnd = gt;
    after = gt + 1;
  } else {
    uriStart = i;
    let k = i;
    for (; k < to; k++) {
      c = s.charCodeAt(k);
      if (c === 59 || c === 32 || c === 9) break;
    }
    uriEnd = k;
    after = k;
  }
  if (uriEnd === uriStart) return new FieldErr('empty URI', uriStart - from);
  while (after < to && isWs(s.charCodeAt(after))) after++;
  let tag: string | undefined;
  if (after < to) {
    if (s.charCodeAt(after) !== 59) return new FieldErr('unexpected text after the URI', after - from);
    if (simpleParams(s, after, to)) {
      if (foundTagStart >= 0) tag = s.slice(foundTagStart, foundTagEnd);
    } else {
      const e = scanParams(s, after, to);
      if (e >= 0) return new FieldErr('malformed header parameter', e - from);
      const k = findParam(s, 'tag');
      if (k >= 0) tag = paramValue(s, k) ?? undefined;
    }
  }
  return new NameAddr(displayName, s.slice(uriStart, uriEnd), undefined, s, after, to, tag);
}

/**
 * Where the last simpleParams found the parameters readers take from Via and name-addr: the
 * value's start and end in the text; start -1 when absent, -2 for a flag without a value (the
 * last of each name wins, as in the parameter record).
 */
let foundTagStart = -1;
let foundTagEnd = -1;
let foundBranchStart = -1;
let foundBranchEnd = -1;
let foundReceivedStart = -1;
let foundReceivedEnd = -1;
let foundRportStart = -1;
let foundRportEnd = -1;

/** A lower-case parameter-name character of the simple form (token characters but upper case). */
function simpleNameChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 48 && c <= 57) ||
    c === 45 ||
    c === 46 ||
    c === 95 ||
    c === 43 ||
    c === 33 ||
    c === 37 ||
    c === 42 ||
    c === 126
  );
}

/**
 * One small scanner shared by Via and name-addr for the usual shape of their parameters, in one
 * pass without the general scanner's records: s[at] is `;`, and each parameter is `;name`,
 * `;name=value` or `;name="quoted"` with a lower-case name, a value that starts with a visible
 * character other than `;` and has no white space before the next `;`, and a quoted string
 * without escapes followed directly by `;` or the end. Records where tag, branch, received and
 * rport are (see above) and returns true; returns false for anything else, which the general
 * scanner then handles (it accepts every list accepted here, with the same values, and reports
 * the malformed ones).
 */
function simpleParams(s: string, at: number, to: number): boolean {
  foundTagStart = -1;
  foundBranchStart = -1;
  foundReceivedStart = -1;
  foundRportStart = -1;
  let i = at;
  while (i < to) {
    const ns = ++i;
    let c = 0;
    for (; i < to; i++) {
      c = s.charCodeAt(i);
      if (c === 59 || c === 61) break;
      if (!simpleNameChar(c)) return false;
    }
    const n = i - ns;
    if (n === 0) return false;
    let vs = -2;
    let ve = -2;
    if (i < to && c === 61) {
      vs = i + 1;
      if (vs >= to) return false;
      const v0 = s.charCodeAt(vs);
      if (v0 === 34) {
        const close = s.indexOf('"', vs + 1);
        if (close < 0 || close >= to || hasBackslash(s, vs + 1, close)) return false;
        i = close + 1;
        if (i < to && s.charCodeAt(i) !== 59) return false;
        vs++;
        ve = close;
      } else {
        if (v0 <= 32 || v0 === 59) return false;
        ve = s.indexOf(';', vs);
        if (ve < 0 || ve > to) ve = to;
        if (s.charCodeAt(ve - 1) <= 32) return false;
        i = ve;
      }
    }
    if (n === 3) {
      if (s.startsWith('tag', ns)) {
        foundTagStart = vs;
        foundTagEnd = ve;
      }
    } else if (n === 6) {
      if (s.startsWith('branch', ns)) {
        foundBranchStart = vs;
        foundBranchEnd = ve;
      }
    } else if (n === 5) {
      if (s.startsWith('rport', ns)) {
        foundRportStart = vs;
        foundRportEnd = ve;
      }
    } else if (n === 8 && s.startsWith('received', ns)) {
      foundReceivedStart = vs;
      foundReceivedEnd = ve;
    }
  }
  return true;
}

function unescapeQuoted(s: string, from: number, to: number): string {
  let out = '';
  let seg = from;
  for (let j = from; j < to; j++) {
    if (s.charCodeAt(j) === 92) {
      out += s.slice(seg, j) + s.charAt(j + 1);
      j++;
      seg = j + 1;
    }
  }
  return out + s.slice(seg, to);
}

/** One parsed Via value. */
export interface Via {
  /** `SIP/2.0` */
  protocol: string;
  /** Upper-cased: UDP, TCP, TLS, SCTP, WS, WSS. */
  transport: string;
  host: string;
  hostType: 'ipv4' | 'ipv6' | 'name';
  port?: number | undefined;
  /** Every Via parameter (names lower-cased); built on first read. */
  readonly params: Params;
  branch?: string | undefined;
  received?: string | undefined;
  /** null: rport requested without a value; a number: the port the server saw. */
  rport?: number | null | undefined;
}

class ViaValue implements Via {
  declare protocol: string;
  declare transport: string;
  declare host: string;
  declare hostType: 'ipv4' | 'ipv6' | 'name';
  declare port: number | undefined;
  declare branch: string | undefined;
  declare received: string | undefined;
  declare rport: number | null | undefined;
  declare private p: Params | undefined;
  declare private src: string;
  declare private ps: number;
  declare private pe: number;
  constructor(protocol: string, transport: string, src: string) {
    // Plain assignments in one constructor (no field initialisers): one object shape, set fast.
    this.protocol = protocol;
    this.transport = transport;
    this.host = '';
    this.hostType = 'name';
    this.port = undefined;
    this.branch = undefined;
    this.received = undefined;
    this.rport = undefined;
    this.p = undefined;
    this.src = src;
    this.ps = 0;
    this.pe = 0;
  }
  setParams(ps: number, pe: number): void {
    this.ps = ps;
    this.pe = pe;
  }
  get params(): Params {
    let p = this.p;
    if (p === undefined) {
      p = paramsOf(this.src, this.ps, this.pe);
      this.p = p;
      this.src = '';
    }
    return p;
  }
  toJSON(): object {
    return {
      protocol: this.protocol,
      transport: this.transport,
      host: this.host,
      hostType: this.hostType,
      port: this.port,
      params: this.params,
      branch: this.branch,
      received: this.received,
      rport: this.rport,
    };
  }
}

/** Parses one Via value: `SIP/2.0/UDP host:port;branch=z9hG4bK...;rport`. */
export function parseVia(value: string): FieldResult<Via> {
  return wrap(viaAt(value, 0, value.length));
}

export function viaOrError(value: string): Via | FieldErr {
  return viaAt(value, 0, value.length);
}

/** One Via value in s[from, to); error offsets are relative to `from`. */
export function viaAt(s: string, from: number, to: number): Via | FieldErr {
  let i = from;
  let protocol: string;
  let transport: string;
  let c: number;
  // One native comparison: fewer inlined character reads keep the machine code small, which
  // matters more here than the call (the field parsers run between the parser's own loops).
  if (to - from >= 8 && s.startsWith('SIP/2.0/', from)) {
    // Fast path for the usual spelling `SIP/2.0/<TRANSPORT>`.
    i = from + 8;
    while (i < to && !isWs(s.charCodeAt(i))) i++;
    // A well-known transport is token characters by construction; others are checked.
    transport = knownTransport(s, from + 8, i);
    if (transport === '') {
      if (i === from + 8 || firstNonToken(s, from + 8, i) >= 0) return new FieldErr('invalid transport', 8);
      transport = s.slice(from + 8, i).toUpperCase();
    }
    protocol = 'SIP/2.0';
  } else {
    const parts: string[] = [];
    for (let k = 0; k < 3; k++) {
      while (i < to && isWs(s.charCodeAt(i))) i++;
      const st = i;
      for (; i < to; i++) {
        c = s.charCodeAt(i);
        if (c === 47 || c === 32 || c === 9) break;
      }
      if (i === st) return new FieldErr('expected SIP/2.0/<transport>', st - from);
      if (firstNonToken(s, st, i) >= 0) return new FieldErr('invalid character in sent-protocol', st - from);
      parts.push(s.slice(st, i));
      while (i < to && isWs(s.charCodeAt(i))) i++;
      if (k < 2) {
        if (i >= to || s.charCodeAt(i) !== 47) return new FieldErr('expected / in sent-protocol', i - from);
        i++;
      }
    }
    protocol = `${parts[0]!.toUpperCase()}/${parts[1]}`;
    transport = parts[2]!.toUpperCase();
  }
  while (i < to && isWs(s.charCodeAt(i))) i++;
  const hs = i;
  const via = new ViaValue(protocol, transport, s);
  // The usual sent-by (an IPv4 address and port right before `;`) in one pass; anything else
  // (names, IPv6, white space, errors) takes the general path below.
  let semi = ipv4SentBy(s, hs, to, via);
  if (semi < 0) {
    // sent-by runs to the first `;` (white space before it is allowed).
    semi = s.indexOf(';', hs);
    if (semi < 0 || semi > to) semi = to;
    let he = semi;
    while (he > hs && isWs(s.charCodeAt(he - 1))) he--;
    if (he === hs) return new FieldErr('missing sent-by host', hs - from);
    const bad = hostPortInto(s, hs, he, via);
    if (bad >= 0) {
      if (!isWs(s.charCodeAt(hs + bad))) return new FieldErr(`sent-by: ${lastHostError()}`, hs - from + bad);
      let j = hs + bad;
      while (j < he && isWs(s.charCodeAt(j))) j++;
      return new FieldErr('unexpected text after sent-by', j - from);
    }
  }
  i = semi;
  if (i < to) {
    if (s.charCodeAt(i) !== 59) return new FieldErr('unexpected text after sent-by', i - from);
    if (simpleParams(s, i, to)) {
      via.setParams(i, to);
      if (foundBranchStart >= 0) via.branch = s.slice(foundBranchStart, foundBranchEnd);
      if (foundReceivedStart >= 0) via.received = s.slice(foundReceivedStart, foundReceivedEnd);
      if (foundRportStart !== -1) {
        if (foundRportStart === -2 || foundRportEnd === foundRportStart) via.rport = null;
        else {
          const port = portNumber(s.slice(foundRportStart, foundRportEnd));
          if (port < 0) return new FieldErr('rport is not a port number', 0);
          via.rport = port;
        }
      }
      return via;
    }
    const e = scanParams(s, i, to);
    if (e >= 0) return new FieldErr('malformed Via parameter', e - from);
    via.setParams(i, to);
    // One pass over the parameters found: the last of each name wins, as in the record.
    let branch = -1;
    let received = -1;
    let rport = -1;
    for (let k = 0; k < paramCount; k++) {
      if (paramIs(s, k, 'branch')) branch = k;
      else if (paramIs(s, k, 'rport')) rport = k;
      else if (paramIs(s, k, 'received')) received = k;
    }
    if (branch >= 0) via.branch = paramValue(s, branch) ?? undefined;
    if (received >= 0) via.received = paramValue(s, received) ?? undefined;
    if (rport >= 0) {
      const r = paramValue(s, rport);
      if (r === null || r === '') via.rport = null;
      else {
        const port = portNumber(r);
        if (port < 0) return new FieldErr('rport is not a port number', 0);
        via.rport = port;
      }
    }
  }
  return via;
}

/**
 * `a.b.c.d[:port]` (a valid dotted quad, a port of 1-5 digits up to 65535) in s[from, ...) ending
 * at `;` or at `to`: sets the host and port of `via` and returns where it ends. Returns -1 for
 * anything else, which the general sent-by parser then handles (and reports when malformed).
 */
function ipv4SentBy(s: string, from: number, to: number, via: ViaValue): number {
  let i = from;
  let dots = 0;
  let digits = 0;
  let part = 0;
  for (; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (++digits > 3) return -1;
      part = part * 10 + c - 48;
    } else if (c === 46) {
      if (digits === 0 || part > 255) return -1;
      dots++;
      digits = 0;
      part = 0;
    } else break;
  }
  if (dots !== 3 || digits === 0 || part > 255) return -1;
  const he = i;
  let port = -1;
  if (i < to && s.charCodeAt(i) === 58) {
    const ps = ++i;
    port = 0;
    for (; i < to; i++) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      port = port * 10 + d;
    }
    if (i === ps || i - ps > 5 || port > 65535) return -1;
  }
  if (i < to && s.charCodeAt(i) !== 59) return -1;
  via.host = s.slice(from, he);
  via.hostType = 'ipv4';
  if (port >= 0) via.port = port;
  return i;
}

/** 0-65535 from 1-5 digits, else -1. */
function portNumber(s: string): number {
  if (s.length === 0 || s.length > 5) return -1;
  let v = 0;
  for (let k = 0; k < s.length; k++) {
    const d = s.charCodeAt(k) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v <= 65535 ? v : -1;
}

/** UDP, TCP, TLS, WSS or WS spelled exactly s[from, to), without allocating; else ''. */
function knownTransport(s: string, from: number, to: number): string {
  const n = to - from;
  const c0 = s.charCodeAt(from);
  if (n === 3) {
    const c1 = s.charCodeAt(from + 1);
    const c2 = s.charCodeAt(from + 2);
    if (c0 === 85 && c1 === 68 && c2 === 80) return 'UDP';
    if (c0 === 84 && c1 === 67 && c2 === 80) return 'TCP';
    if (c0 === 84 && c1 === 76 && c2 === 83) return 'TLS';
    if (c0 === 87 && c1 === 83 && c2 === 83) return 'WSS';
  } else if (n === 2 && c0 === 87 && s.charCodeAt(from + 1) === 83) return 'WS';
  return '';
}

export interface CSeq {
  seq: number;
  method: string;
}

/** Parses `CSeq: 314159 INVITE` (sequence number below 2^31, RFC 3261 8.1.1.5). */
export function parseCSeq(value: string): FieldResult<CSeq> {
  return wrap(cseqAt(value, 0, value.length));
}

export function cseqOrError(value: string): CSeq | FieldErr {
  return cseqAt(value, 0, value.length);
}

/** CSeq in s[from, to); error offsets are relative to the trimmed value. */
export function cseqAt(s: string, from: number, to: number): CSeq | FieldErr {
  let start = from;
  let end = to;
  while (start < end && s.charCodeAt(start) <= 32) start++;
  while (end > start && s.charCodeAt(end - 1) <= 32) end--;
  let i = start;
  let seq = 0;
  for (; i < end; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    seq = seq * 10 + d;
  }
  if (i === start || i - start > 10) return new FieldErr('expected a sequence number', 0);
  if (seq > 2 ** 31 - 1) return new FieldErr('sequence number above 2^31-1', 0);
  const ms = i;
  while (i < end && isWs(s.charCodeAt(i))) i++;
  if (i === ms) return new FieldErr('expected whitespace and a method', i - start);
  if (i === end) return new FieldErr('invalid method', i - start);
  const known = knownMethod(s, i, end);
  if (known !== undefined) return { seq, method: known };
  if (firstNonToken(s, i, end) >= 0) return new FieldErr('invalid method', i - start);
  return { seq, method: s.slice(i, end) };
}

/** A common method name spelled exactly s[from, to), without allocating; else undefined. */
export function knownMethod(s: string, from: number, to: number): string | undefined {
  const n = to - from;
  const c0 = s.charCodeAt(from);
  let m: string | undefined;
  if (n === 6) m = c0 === 73 ? 'INVITE' : c0 === 67 ? 'CANCEL' : c0 === 78 ? 'NOTIFY' : undefined;
  else if (n === 8) m = c0 === 82 ? 'REGISTER' : undefined;
  else if (n === 3) m = c0 === 66 ? 'BYE' : c0 === 65 ? 'ACK' : undefined;
  else if (n === 7) m = c0 === 79 ? 'OPTIONS' : c0 === 77 ? 'MESSAGE' : undefined;
  return m !== undefined && s.startsWith(m, from) ? m : undefined;
}
