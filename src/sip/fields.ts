import { firstNonToken } from './headers.js';
import {
  type HostPort,
  type Params,
  parseHostPort,
  parseParams,
  parseUri,
  readQuoted,
  type Uri,
  type UriError,
  type UriResult,
} from './uri.js';

/** Structured header values: name-addr (From, To, Contact, Route...), Via, CSeq. */

/**
 * A name-addr or addr-spec. The URI is parsed on first access of `uri` (most readers only need
 * the tag or the URI text); `uriError` says why it did not parse.
 */
export class NameAddr {
  /** Display name, unquoted and unescaped. */
  displayName: string | undefined;
  /** The URI as written between < > (or the addr-spec). */
  uriText: string;
  /** Header parameters (after the URI), e.g. tag, expires, q. Names lower-cased. */
  params: Params;
  private parsed: UriResult | undefined;
  constructor(displayName: string | undefined, uriText: string, params: Params) {
    this.displayName = displayName;
    this.uriText = uriText;
    this.params = params;
    this.parsed = undefined;
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
    const t = this.params['tag'];
    return typeof t === 'string' ? t : undefined;
  }
  toJSON(): object {
    return { displayName: this.displayName, uri: this.uri, uriText: this.uriText, params: this.params };
  }
}

export interface FieldError {
  message: string;
  /** Position in the header value. */
  offset: number;
}

export type FieldResult<T> = { ok: true; value: T } | { ok: false; error: FieldError };

function bad<T>(message: string, offset: number): FieldResult<T> {
  return { ok: false, error: { message, offset } };
}

const WS = (c: number) => c === 32 || c === 9;

/**
 * Parses `name-addr` (`"Bob" <sip:bob@example.com>;tag=1`) or `addr-spec` (`sip:bob@host;tag=1`,
 * where parameters belong to the header, RFC 3261 20.10).
 */
export function parseNameAddr(value: string): FieldResult<NameAddr> {
  const n = value.length;
  let i = 0;
  while (i < n && WS(value.charCodeAt(i))) i++;
  if (i >= n) return bad('empty value', 0);
  let displayName: string | undefined;
  let uriStart: number;
  let uriEnd: number;
  let after: number;
  if (value.charCodeAt(i) === 34) {
    const q = readQuoted(value, i, n);
    if (!q) return bad('unterminated quoted display name', i);
    displayName = q.text;
    i = q.end;
    while (i < n && WS(value.charCodeAt(i))) i++;
    if (i >= n || value.charCodeAt(i) !== 60) return bad('expected < after the display name', i);
  }
  const lt = value.charCodeAt(i) === 60 ? i : displayName === undefined ? value.indexOf('<', i) : -1;
  if (lt >= 0) {
    if (displayName === undefined && lt > i) {
      const dn = value.slice(i, lt).trim();
      if (dn) displayName = dn;
    }
    const gt = value.indexOf('>', lt + 1);
    if (gt < 0) return bad('missing > after the URI', lt);
    uriStart = lt + 1;
    uriEnd = gt;
    after = gt + 1;
  } else {
    uriStart = i;
    let k = i;
    while (k < n && value.charCodeAt(k) !== 59 && !WS(value.charCodeAt(k))) k++;
    uriEnd = k;
    after = k;
  }
  if (uriEnd === uriStart) return bad('empty URI', uriStart);
  const uriText = value.slice(uriStart, uriEnd);
  const params: Params = {};
  while (after < n && WS(value.charCodeAt(after))) after++;
  if (after < n) {
    if (value.charCodeAt(after) !== 59) return bad('unexpected text after the URI', after);
    const e = parseParams(value, after, n, params, false);
    if (e >= 0) return bad('malformed header parameter', e);
  }
  return { ok: true, value: new NameAddr(displayName, uriText, params) };
}

export interface Via extends HostPort {
  /** `SIP/2.0` */
  protocol: string;
  /** Upper-cased: UDP, TCP, TLS, SCTP, WS, WSS. */
  transport: string;
  params: Params;
  branch?: string;
  received?: string;
  /** null: rport requested without a value; a number: the port the server saw. */
  rport?: number | null;
}

/** Parses one Via value: `SIP/2.0/UDP host:port;branch=z9hG4bK...;rport`. */
export function parseVia(value: string): FieldResult<Via> {
  const n = value.length;
  let i = 0;
  let protocol: string;
  let transport: string;
  if (value.startsWith('SIP/2.0/')) {
    // Fast path for the usual spelling.
    i = 8;
    const s = i;
    while (i < n && !WS(value.charCodeAt(i))) i++;
    transport = transportName(value, s, i);
    if (transport === '' || firstNonToken(value, s, i) >= 0) return bad('invalid transport', s);
    protocol = 'SIP/2.0';
  } else {
    const parts: string[] = [];
    for (let k = 0; k < 3; k++) {
      while (i < n && WS(value.charCodeAt(i))) i++;
      const s = i;
      while (i < n && value.charCodeAt(i) !== 47 && !WS(value.charCodeAt(i))) i++;
      if (i === s) return bad('expected SIP/2.0/<transport>', s);
      if (firstNonToken(value, s, i) >= 0) return bad('invalid character in sent-protocol', s);
      parts.push(value.slice(s, i));
      while (i < n && WS(value.charCodeAt(i))) i++;
      if (k < 2) {
        if (value.charCodeAt(i) !== 47) return bad('expected / in sent-protocol', i);
        i++;
      }
    }
    protocol = `${parts[0]!.toUpperCase()}/${parts[1]}`;
    transport = parts[2]!.toUpperCase();
  }
  while (i < n && WS(value.charCodeAt(i))) i++;
  const hs = i;
  while (i < n && value.charCodeAt(i) !== 59 && !WS(value.charCodeAt(i))) i++;
  if (i === hs) return bad('missing sent-by host', hs);
  const hp = parseHostPort(value, hs, i);
  if (!hp.ok) return bad(`sent-by: ${hp.message}`, hs + hp.offset);
  const params: Params = {};
  while (i < n && WS(value.charCodeAt(i))) i++;
  if (i < n) {
    if (value.charCodeAt(i) !== 59) return bad('unexpected text after sent-by', i);
    const e = parseParams(value, i, n, params, false);
    if (e >= 0) return bad('malformed Via parameter', e);
  }
  const via: Via = { protocol, transport, host: hp.value.host, hostType: hp.value.hostType, params };
  if (hp.value.port !== undefined) via.port = hp.value.port;
  const branch = params['branch'];
  if (typeof branch === 'string') via.branch = branch;
  const received = params['received'];
  if (typeof received === 'string') via.received = received;
  if ('rport' in params) {
    const r = params['rport'];
    if (r === null || r === '') via.rport = null;
    else if (/^\d{1,5}$/.test(r!) && Number(r) <= 65535) via.rport = Number(r);
    else return bad('rport is not a port number', 0);
  }
  return { ok: true, value: via };
}

const TRANSPORTS = ['UDP', 'TCP', 'TLS', 'WS', 'WSS', 'SCTP', 'TLS-SCTP'];

function transportName(s: string, from: number, to: number): string {
  for (const t of TRANSPORTS) if (to - from === t.length && s.startsWith(t, from)) return t;
  return s.slice(from, to).toUpperCase();
}

export interface CSeq {
  seq: number;
  method: string;
}

/** Parses `CSeq: 314159 INVITE` (sequence number below 2^31, RFC 3261 8.1.1.5). */
export function parseCSeq(value: string): FieldResult<CSeq> {
  const v = value.trim();
  let i = 0;
  while (i < v.length && v.charCodeAt(i) >= 48 && v.charCodeAt(i) <= 57) i++;
  if (i === 0 || i > 10) return bad('expected a sequence number', 0);
  const seq = Number(v.slice(0, i));
  if (seq > 2 ** 31 - 1) return bad('sequence number above 2^31-1', 0);
  const ms = i;
  while (i < v.length && WS(v.charCodeAt(i))) i++;
  if (i === ms) return bad('expected whitespace and a method', i);
  const method = v.slice(i);
  if (!method || firstNonToken(method, 0, method.length) >= 0) return bad('invalid method', i);
  return { ok: true, value: { seq, method } };
}
