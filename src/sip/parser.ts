import { isAscii } from 'node:buffer';
import {
  canonicalName,
  firstNonToken,
  knownCanonical,
  knownRaw,
  NAME_SCAN,
  scanHeaderName,
} from './headers.js';
import { SipHeader, SipMessage } from './message.js';

/**
 * The SIP message parser (RFC 3261 section 7 and 25). One pass over the header block with
 * indexOf-based line scanning: linear in the input, no regular expressions on attacker text,
 * never throws. Malformed input yields a typed error with the byte offset where it went wrong.
 */

export type SipParseErrorCode =
  | 'HL_SIP_EMPTY'
  | 'HL_SIP_TOO_LARGE'
  | 'HL_SIP_START_LINE'
  | 'HL_SIP_METHOD'
  | 'HL_SIP_REQUEST_URI'
  | 'HL_SIP_VERSION'
  | 'HL_SIP_STATUS'
  | 'HL_SIP_HEADER'
  | 'HL_SIP_FOLDING'
  | 'HL_SIP_TOO_MANY_HEADERS'
  | 'HL_SIP_CONTENT_LENGTH'
  | 'HL_SIP_TRUNCATED'
  | 'HL_SIP_INCOMPLETE';

export interface SipParseError {
  code: SipParseErrorCode;
  message: string;
  /** Byte offset in the input. */
  offset: number;
}

export type SipParseResult = { ok: true; message: SipMessage } | { ok: false; error: SipParseError };

export interface ParseOptions {
  /**
   * `datagram` (default, UDP): a missing Content-Length means the body is the rest of the
   * datagram; a Content-Length shorter than the body drops the excess. `stream` (TCP/TLS/WS
   * message already framed): Content-Length is mandatory and must match exactly.
   */
  mode?: 'datagram' | 'stream';
  /** Largest accepted input in bytes (default 256 KiB). */
  maxSize?: number;
  /** Most header lines accepted (default 256). */
  maxHeaders?: number;
}

const DEFAULT_MAX_SIZE = 256 * 1024;
const DEFAULT_MAX_HEADERS = 256;
const CONTENT_LENGTH = canonicalName('Content-Length');
/** Control characters and white space, which a Request-URI never contains. */
const CONTROL = /[\x00-\x20\x7f]/;

function err(code: SipParseErrorCode, message: string, offset: number): SipParseResult {
  return { ok: false, error: { code, message, offset } };
}

/** Parses one SIP message from bytes or text. Never throws. */
export function parse(input: Buffer | Uint8Array | string, opts?: ParseOptions): SipParseResult {
  try {
    const maxSize = opts?.maxSize ?? DEFAULT_MAX_SIZE;
    if (typeof input === 'string') {
      const bytes = Buffer.byteLength(input, 'utf8');
      if (bytes > maxSize)
        return err('HL_SIP_TOO_LARGE', `message of ${bytes} bytes exceeds ${maxSize}`, maxSize);
      // Non-ASCII text: work on its UTF-8 bytes so offsets and Content-Length are in bytes.
      if (bytes !== input.length) return parseBytes(Buffer.from(input, 'utf8'), opts, maxSize);
      return parseText(input, undefined, opts);
    }
    const buf = Buffer.isBuffer(input)
      ? input
      : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    return parseBytes(buf, opts, maxSize);
  } catch (e) {
    // Defensive: a bug must not take a long-running listener down.
    return err('HL_SIP_START_LINE', `internal parser error: ${(e as Error).message}`, 0);
  }
}

function parseBytes(buf: Buffer, opts: ParseOptions | undefined, maxSize: number): SipParseResult {
  if (buf.length > maxSize)
    return err('HL_SIP_TOO_LARGE', `message of ${buf.length} bytes exceeds ${maxSize}`, maxSize);
  return parseText(buf.toString('latin1'), buf, opts);
}

/**
 * The parser proper, on text with one character per byte (so every index is a byte offset);
 * `buf` is the original bytes when the input was bytes (the body is then taken from them).
 * Strings and buffers meet here, so this code sees one type of input whatever the caller has.
 */
function parseText(text: string, buf: Buffer | undefined, opts: ParseOptions | undefined): SipParseResult {
  const stream = opts?.mode === 'stream';
  const total = text.length;

  // RFC 3261 7.5: ignore CRLFs before the start line.
  let pos = 0;
  while (pos < total) {
    const c = text.charCodeAt(pos);
    if (c === 13 || c === 10) pos++;
    else break;
  }
  if (pos >= total) return err('HL_SIP_EMPTY', 'no SIP start line', 0);
  const n = total;

  // Start line.
  let eol = text.indexOf('\n', pos);
  if (eol < 0) eol = n;
  const lineEnd = eol > pos && text.charCodeAt(eol - 1) === 13 ? eol - 1 : eol;
  let kind: 'request' | 'response';
  let method = '';
  let uri = '';
  let status = 0;
  let reason = '';
  let version: string;
  if (
    lineEnd - pos >= 8 &&
    text.charCodeAt(pos) === 83 &&
    text.charCodeAt(pos + 1) === 73 &&
    text.charCodeAt(pos + 2) === 80 &&
    text.charCodeAt(pos + 3) === 47
  ) {
    // SIP/2.0 SP 3DIGIT SP Reason-Phrase
    kind = 'response';
    const sp = text.indexOf(' ', pos);
    if (sp < 0 || sp > lineEnd) return err('HL_SIP_START_LINE', 'status line without a status code', lineEnd);
    version = text.slice(pos, sp);
    if (!isVersion(version)) return err('HL_SIP_VERSION', `unsupported version ${clip(version)}`, pos);
    const c0 = text.charCodeAt(sp + 1) - 48;
    const c1 = text.charCodeAt(sp + 2) - 48;
    const c2 = text.charCodeAt(sp + 3) - 48;
    const after = sp + 4;
    if (
      !(c0 >= 1 && c0 <= 6) ||
      !(c1 >= 0 && c1 <= 9) ||
      !(c2 >= 0 && c2 <= 9) ||
      (after < lineEnd && text.charCodeAt(after) !== 32) ||
      after > lineEnd
    )
      return err('HL_SIP_STATUS', 'status code must be three digits 100-699', sp + 1);
    status = c0 * 100 + c1 * 10 + c2;
    reason = after < lineEnd ? text.slice(after + 1, lineEnd) : '';
  } else {
    // Method SP Request-URI SP SIP-Version
    kind = 'request';
    const sp1 = text.indexOf(' ', pos);
    if (sp1 < 0 || sp1 >= lineEnd) return err('HL_SIP_START_LINE', 'request line without a Request-URI', pos);
    if (sp1 === pos) return err('HL_SIP_METHOD', 'empty method', pos);
    const badM = firstNonToken(text, pos, sp1);
    if (badM >= 0) return err('HL_SIP_METHOD', 'invalid character in method', badM);
    method = text.slice(pos, sp1);
    const sp2 = text.indexOf(' ', sp1 + 1);
    if (sp2 < 0 || sp2 >= lineEnd)
      return err('HL_SIP_START_LINE', 'request line without a SIP version', lineEnd);
    if (sp2 === sp1 + 1) return err('HL_SIP_REQUEST_URI', 'empty Request-URI', sp2);
    uri = text.slice(sp1 + 1, sp2);
    // One native scan (the regular expression engine) instead of a character loop.
    if (CONTROL.test(uri))
      return err('HL_SIP_REQUEST_URI', 'control character in Request-URI', sp1 + 1 + uri.search(CONTROL));
    if (uri.indexOf(':') <= 0) return err('HL_SIP_REQUEST_URI', 'Request-URI has no scheme', sp1 + 1);
    version = text.slice(sp2 + 1, lineEnd);
    if (!isVersion(version)) return err('HL_SIP_VERSION', `unsupported version ${clip(version)}`, sp2 + 1);
  }

  // Headers.
  const maxHeaders = opts?.maxHeaders ?? DEFAULT_MAX_HEADERS;
  const headers: SipHeader[] = [];
  let contentLength = -1;
  let clOffset = 0;
  let last: SipHeader | undefined;
  pos = eol + 1;
  let bodyStart = -1;
  while (pos < n) {
    eol = text.indexOf('\n', pos);
    if (eol < 0) eol = n;
    let le = eol > pos && text.charCodeAt(eol - 1) === 13 ? eol - 1 : eol;
    if (le === pos) {
      // The empty line ends the header block.
      bodyStart = eol + 1;
      break;
    }
    const c = text.charCodeAt(pos);
    if (c === 32 || c === 9) {
      // Folded continuation line (RFC 3261 7.3.1): joins the previous value with one space.
      if (!last) return err('HL_SIP_FOLDING', 'continuation line before any header', pos);
      let s = pos;
      while (s < le && (text.charCodeAt(s) === 32 || text.charCodeAt(s) === 9)) s++;
      while (le > s && (text.charCodeAt(le - 1) === 32 || text.charCodeAt(le - 1) === 9)) le--;
      if (le > s) last.value = last.value.length ? `${last.value} ${text.slice(s, le)}` : text.slice(s, le);
      pos = eol + 1;
      continue;
    }
    scanHeaderName(text, pos, le);
    const colon = NAME_SCAN.colon;
    if (colon < 0) return err('HL_SIP_HEADER', 'header line without a colon', pos);
    const ne = NAME_SCAN.end;
    if (ne === pos) return err('HL_SIP_HEADER', 'empty header name', pos);
    if (NAME_SCAN.bad >= 0 && NAME_SCAN.bad < ne)
      return err('HL_SIP_HEADER', 'invalid character in header name', NAME_SCAN.bad);
    let vs = colon + 1;
    let w = text.charCodeAt(vs);
    while (vs < le && (w === 32 || w === 9)) w = text.charCodeAt(++vs);
    w = text.charCodeAt(le - 1);
    while (le > vs && (w === 32 || w === 9)) w = text.charCodeAt(--le - 1);
    if (headers.length >= maxHeaders)
      return err('HL_SIP_TOO_MANY_HEADERS', `more than ${maxHeaders} header lines`, pos);
    // Well-known spellings come from a table (no allocation); others are sliced once.
    let raw: string;
    let name: string;
    const known = NAME_SCAN.known;
    if (known > 0) {
      raw = knownRaw(known);
      name = knownCanonical(known);
    } else {
      raw = text.slice(pos, ne);
      name = canonicalName(raw);
    }
    const h = new SipHeader(name, raw, undefined, pos, text, vs, le);
    headers.push(h);
    last = h;
    if (name === CONTENT_LENGTH) {
      let num = 0;
      if (le === vs || le - vs > 10) return err('HL_SIP_CONTENT_LENGTH', 'invalid Content-Length', h.offset);
      for (let k = vs; k < le; k++) {
        const d = text.charCodeAt(k) - 48;
        if (d < 0 || d > 9) return err('HL_SIP_CONTENT_LENGTH', 'invalid Content-Length', h.offset);
        num = num * 10 + d;
      }
      if (contentLength >= 0 && contentLength !== num)
        return err('HL_SIP_CONTENT_LENGTH', 'conflicting Content-Length headers', h.offset);
      contentLength = num;
      clOffset = h.offset;
    }
    pos = eol + 1;
  }

  if (bodyStart < 0) {
    if (stream) return err('HL_SIP_INCOMPLETE', 'no empty line after the headers', total);
    bodyStart = total;
  } else if (bodyStart > total) bodyStart = total;
  if (buf !== undefined && !isAscii(buf) && !isAscii(buf.subarray(0, bodyStart))) {
    // UTF-8 in the header block (display names, reason phrases): re-decode those values.
    for (const h of headers) if (hasHigh(h.value)) h.value = Buffer.from(h.value, 'latin1').toString('utf8');
    if (hasHigh(reason)) reason = Buffer.from(reason, 'latin1').toString('utf8');
    if (hasHigh(uri)) uri = Buffer.from(uri, 'latin1').toString('utf8');
  }

  // Body framing (RFC 3261 18.3).
  let bodyEnd = total;
  const available = total - bodyStart;
  if (contentLength >= 0) {
    if (contentLength > available)
      return err(
        'HL_SIP_TRUNCATED',
        `Content-Length ${contentLength} but only ${available} body bytes`,
        clOffset,
      );
    if (stream && contentLength < available)
      return err(
        'HL_SIP_CONTENT_LENGTH',
        `Content-Length ${contentLength} but ${available} body bytes follow`,
        clOffset,
      );
    bodyEnd = bodyStart + contentLength;
  } else if (stream) {
    return err('HL_SIP_CONTENT_LENGTH', 'Content-Length is mandatory on stream transports', total);
  }
  return {
    ok: true,
    message: new SipMessage(
      kind,
      method,
      uri,
      status,
      reason,
      version,
      headers,
      buf ?? text,
      bodyStart,
      bodyEnd,
    ),
  };
}

function hasHigh(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return true;
  return false;
}

function isVersion(v: string): boolean {
  return v.length === 7 && (v === 'SIP/2.0' || v.toUpperCase() === 'SIP/2.0');
}

function clip(s: string): string {
  return JSON.stringify(s.length > 20 ? `${s.slice(0, 20)}...` : s);
}
