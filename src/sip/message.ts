import { type AuthValue, authValueAt } from './digest.js';
import {
  type CSeq,
  cseqAt,
  type FieldErr,
  type FieldResult,
  isFieldErr,
  type NameAddr,
  nameAddrAt,
  type Via,
  viaAt,
} from './fields.js';
import { canonicalName, LIST_HEADERS, splitList } from './headers.js';
import { parseUri, type Uri } from './uri.js';

/** One header line. `name` is canonical (lower-case long form); `raw` is as written. */
export class SipHeader {
  declare name: string;
  declare raw: string;
  /** Byte offset of the header line in the parsed input (-1 for headers added later). */
  declare offset: number;
  /**
   * Where the value is: `_src[_vs, _ve)` (the message text for parsed headers, so structured
   * fields are parsed in place without copying the value first). Internal to the SIP core.
   */
  declare _src: string;
  declare _vs: number;
  declare _ve: number;
  /** Bumped on every change of the value (keys the per-message field cache). Internal. */
  declare _gen: number;
  /**
   * `value` undefined: the value is src[vs, ve) and is sliced on first read (the parser's
   * fast path); otherwise src, vs and ve are ignored. The value string, once made, becomes
   * `_src` itself (so a header line needs no separate field for it).
   */
  constructor(
    name: string,
    raw: string,
    value: string | undefined,
    offset: number,
    src = '',
    vs = 0,
    ve = 0,
  ) {
    this.name = name;
    this.raw = raw;
    this.offset = offset;
    if (value === undefined) {
      this._src = src;
      this._vs = vs;
      this._ve = ve;
    } else {
      this._src = value;
      this._vs = 0;
      this._ve = value.length;
    }
    this._gen = 0;
  }

  /** The value with surrounding whitespace removed and folded lines joined. */
  get value(): string {
    const src = this._src;
    if (this._vs === 0 && this._ve === src.length) return src;
    // Same text, so cached fields stay valid (no _gen change).
    const v = src.slice(this._vs, this._ve);
    this._src = v;
    this._vs = 0;
    this._ve = v.length;
    return v;
  }

  set value(v: string) {
    this._src = v;
    this._vs = 0;
    this._ve = v.length;
    this._gen++;
  }

  toJSON(): object {
    return { name: this.name, raw: this.raw, value: this.value, offset: this.offset };
  }
}

/**
 * A SIP request or response. Header access is by any spelling (`Via`, `v`, `call-id`); list
 * headers are split at top-level commas by `getAll`. Structured accessors parse on demand and
 * return undefined when the header is absent or malformed.
 */
export class SipMessage {
  declare kind: 'request' | 'response';
  /** Request method (requests only; empty for responses, see cseq().method). */
  declare method: string;
  /** Request-URI as written (requests only). */
  declare uri: string;
  /** Status code (responses only; 0 for requests). */
  declare status: number;
  declare reason: string;
  declare version: string;
  declare headers: SipHeader[];
  /** Body bytes are taken lazily from the source. */
  declare private src: Buffer | string | undefined;
  declare private bodyStart: number;
  declare private bodyEnd: number;
  declare private bodyCache: Buffer | undefined;
  /**
   * Parsed-field cache. Each entry remembers the header text it was parsed from and is reused
   * only while the message still holds that exact text, so edits (set, add, remove, or direct
   * changes to `headers`) can never serve a stale value.
   */
  declare private fc: FieldCache | undefined;

  constructor(
    kind: 'request' | 'response',
    method: string,
    uri: string,
    status: number,
    reason: string,
    version: string,
    headers: SipHeader[],
    src: Buffer | string | undefined,
    bodyStart: number,
    bodyEnd: number,
  ) {
    this.kind = kind;
    this.method = method;
    this.uri = uri;
    this.status = status;
    this.reason = reason;
    this.version = version;
    this.headers = headers;
    this.src = src;
    this.bodyStart = bodyStart;
    this.bodyEnd = bodyEnd;
    this.bodyCache = undefined;
    this.fc = undefined;
  }

  private cache(): FieldCache {
    this.fc ??= new FieldCache();
    return this.fc;
  }

  /** Builds a request. Headers are `[name, value]` pairs in order. */
  static request(
    method: string,
    uri: string,
    headers: [string, string][],
    body?: Buffer | string,
  ): SipMessage {
    const m = new SipMessage('request', method, uri, 0, '', 'SIP/2.0', [], undefined, 0, 0);
    for (const [k, v] of headers) m.add(k, v);
    if (body !== undefined) m.body = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    return m;
  }

  /** Builds a response. */
  static response(
    status: number,
    reason: string,
    headers: [string, string][],
    body?: Buffer | string,
  ): SipMessage {
    const m = new SipMessage('response', '', '', status, reason, 'SIP/2.0', [], undefined, 0, 0);
    for (const [k, v] of headers) m.add(k, v);
    if (body !== undefined) m.body = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    return m;
  }

  get isRequest(): boolean {
    return this.kind === 'request';
  }

  /** The body bytes (empty when there is none). */
  get body(): Buffer {
    if (this.bodyCache === undefined) {
      const src = this.src;
      if (src === undefined || this.bodyEnd <= this.bodyStart) this.bodyCache = Buffer.alloc(0);
      else if (typeof src === 'string')
        this.bodyCache = Buffer.from(src.slice(this.bodyStart, this.bodyEnd), 'latin1');
      else this.bodyCache = src.subarray(this.bodyStart, this.bodyEnd);
    }
    return this.bodyCache;
  }

  set body(b: Buffer) {
    this.bodyCache = b;
    this.src = undefined;
  }

  get bodyLength(): number {
    return this.bodyCache ? this.bodyCache.length : Math.max(0, this.bodyEnd - this.bodyStart);
  }

  /** The body as UTF-8 text. */
  bodyText(): string {
    return this.body.toString('utf8');
  }

  /** First value of a header (the whole line value, not split), or undefined. */
  get(name: string): string | undefined {
    return this.first(canonicalName(name))?.value;
  }

  /** The first header line with this canonical name. */
  private first(c: string): SipHeader | undefined {
    const hs = this.headers;
    for (let i = 0; i < hs.length; i++) if (hs[i]!.name === c) return hs[i];
    return undefined;
  }

  has(name: string): boolean {
    return this.first(canonicalName(name)) !== undefined;
  }

  /** Every value of a header in order; list headers (Via, Contact, Route...) split at top-level commas. */
  getAll(name: string): string[] {
    const c = canonicalName(name);
    const split = LIST_HEADERS.has(c);
    const out: string[] = [];
    for (const h of this.headers) {
      if (h.name !== c) continue;
      if (split) for (const v of splitList(h.value)) out.push(v);
      else out.push(h.value);
    }
    return out;
  }

  /** Header lines with this name (unsplit). */
  lines(name: string): SipHeader[] {
    const c = canonicalName(name);
    return this.headers.filter((h) => h.name === c);
  }

  /** Appends a header line. */
  add(name: string, value: string): this {
    this.headers.push(new SipHeader(canonicalName(name), name, value, -1));
    return this;
  }

  /** Replaces every line of a header with one line (appends when absent). */
  set(name: string, value: string): this {
    const c = canonicalName(name);
    const i = this.headers.findIndex((h) => h.name === c);
    if (i < 0) return this.add(name, value);
    this.headers[i] = new SipHeader(c, this.headers[i]!.raw, value, this.headers[i]!.offset);
    this.headers = this.headers.filter((h, k) => k <= i || h.name !== c);
    return this;
  }

  /** Removes every line of a header. */
  remove(name: string): this {
    const c = canonicalName(name);
    this.headers = this.headers.filter((h) => h.name !== c);
    return this;
  }

  /** The top (first) Via, parsed (cached). */
  topVia(): Via | undefined {
    const h = this.first('via');
    if (h === undefined) return undefined;
    const fc = this.cache();
    if (fc.topViaH !== h || fc.topViaGen !== h._gen) {
      fc.topViaH = h;
      fc.topViaGen = h._gen;
      let r: Via | FieldErr | undefined;
      if (!hasComma(h)) r = viaAt(h._src, h._vs, h._ve);
      else {
        const first = splitList(h.value)[0];
        r = first === undefined ? undefined : viaAt(first, 0, first.length);
      }
      fc.topVia = r === undefined || isFieldErr(r) ? undefined : r;
    }
    return fc.topVia;
  }

  /** Every Via, parsed; malformed ones are returned as errors (cached). */
  vias(): FieldResult<Via>[] {
    const fc = this.cache();
    if (fc.vias !== undefined && this.sameLines(fc.viasKey, fc.viasGen, 'via')) return fc.vias;
    // Arrays are made by literal for their first element: an empty literal grown by push
    // would allocate room for 17 elements for the usual one Via.
    let out: FieldResult<Via>[] | undefined;
    let first: SipHeader | undefined;
    let many: unknown[] | undefined;
    const hs = this.headers;
    for (let i = 0; i < hs.length; i++) {
      const h = hs[i]!;
      if (h.name !== 'via') continue;
      if (first === undefined) first = h;
      else {
        many ??= [first, first._gen];
        many.push(h, h._gen);
      }
      if (!hasComma(h)) {
        if (h._ve > h._vs) {
          const r = wrapField(viaAt(h._src, h._vs, h._ve));
          if (out === undefined) out = [r];
          else out.push(r);
        }
      } else
        for (const v of splitList(h.value)) {
          const r = wrapField(viaAt(v, 0, v.length));
          if (out === undefined) out = [r];
          else out.push(r);
        }
    }
    out ??= [];
    fc.viasKey = many ?? first ?? null;
    fc.viasGen = first?._gen ?? 0;
    fc.vias = out;
    return out;
  }

  /** From, parsed (cached); undefined when absent or malformed. */
  from(): NameAddr | undefined {
    const h = this.first('from');
    if (h === undefined) return undefined;
    const fc = this.cache();
    if (fc.fromH !== h || fc.fromGen !== h._gen) {
      fc.fromH = h;
      fc.fromGen = h._gen;
      const r = nameAddrAt(h._src, h._vs, h._ve);
      fc.from = isFieldErr(r) ? undefined : r;
    }
    return fc.from;
  }

  /** To, parsed (cached); undefined when absent or malformed. */
  to(): NameAddr | undefined {
    const h = this.first('to');
    if (h === undefined) return undefined;
    const fc = this.cache();
    if (fc.toH !== h || fc.toGen !== h._gen) {
      fc.toH = h;
      fc.toGen = h._gen;
      const r = nameAddrAt(h._src, h._vs, h._ve);
      fc.to = isFieldErr(r) ? undefined : r;
    }
    return fc.to;
  }

  /** Contact values, parsed (cached); `'*'` for a wildcard Contact (REGISTER removing all bindings). */
  contacts(): NameAddr[] | '*' {
    const fc = this.cache();
    if (fc.contacts !== undefined && this.sameLines(fc.contactsKey, fc.contactsGen, 'contact'))
      return fc.contacts;
    let out: NameAddr[] | undefined;
    let values = 0;
    let wildcard = false;
    let first: SipHeader | undefined;
    let many: unknown[] | undefined;
    const hs = this.headers;
    for (let i = 0; i < hs.length; i++) {
      const h = hs[i]!;
      if (h.name !== 'contact') continue;
      if (first === undefined) first = h;
      else {
        many ??= [first, first._gen];
        many.push(h, h._gen);
      }
      if (!hasComma(h)) {
        if (h._ve === h._vs) continue;
        values++;
        if (h._ve === h._vs + 1 && h._src.charCodeAt(h._vs) === 42) wildcard = true;
        else {
          const r = nameAddrAt(h._src, h._vs, h._ve);
          if (!isFieldErr(r)) {
            if (out === undefined) out = [r];
            else out.push(r);
          }
        }
      } else
        for (const v of splitList(h.value)) {
          values++;
          const r = nameAddrAt(v, 0, v.length);
          if (!isFieldErr(r)) {
            if (out === undefined) out = [r];
            else out.push(r);
          }
        }
    }
    out ??= [];
    fc.contactsKey = many ?? first ?? null;
    fc.contactsGen = first?._gen ?? 0;
    // A lone `*` is the wildcard; a `*` among other values is not a name-addr and is dropped.
    fc.contacts = wildcard && values === 1 ? '*' : out;
    return fc.contacts;
  }

  /** CSeq, parsed (cached); undefined when absent or malformed. */
  cseq(): CSeq | undefined {
    const h = this.first('cseq');
    if (h === undefined) return undefined;
    const fc = this.cache();
    if (fc.cseqH !== h || fc.cseqGen !== h._gen) {
      fc.cseqH = h;
      fc.cseqGen = h._gen;
      const r = cseqAt(h._src, h._vs, h._ve);
      fc.cseq = isFieldErr(r) ? undefined : r;
    }
    return fc.cseq;
  }

  /**
   * Are the lines of header `c` still those a cached field was parsed from? `key` is the one
   * header object (with `gen`) in the usual case, null for none, or [header, gen, ...].
   */
  private sameLines(key: unknown, gen: number, c: string): boolean {
    const hs = this.headers;
    if (!Array.isArray(key)) {
      let found: SipHeader | null = null;
      for (let i = 0; i < hs.length; i++) {
        const h = hs[i]!;
        if (h.name !== c) continue;
        if (found !== null) return false;
        found = h;
      }
      return found === key && (found === null || found._gen === gen);
    }
    let k = 0;
    for (let i = 0; i < hs.length; i++) {
      const h = hs[i]!;
      if (h.name !== c) continue;
      if (key[k] !== h || key[k + 1] !== h._gen) return false;
      k += 2;
    }
    return k === key.length;
  }

  /**
   * The credentials of a request: its Authorization or, failing that, Proxy-Authorization
   * header, parsed (cached); undefined when absent or without a scheme.
   */
  authorization(): AuthValue | undefined {
    const h = this.first('authorization') ?? this.first('proxy-authorization');
    if (h === undefined) return undefined;
    const fc = this.cache();
    if (fc.authH !== h || fc.authGen !== h._gen) {
      fc.authH = h;
      fc.authGen = h._gen;
      fc.auth = authValueAt(h._src, h._vs, h._ve);
    }
    return fc.auth;
  }

  callId(): string | undefined {
    return this.first('call-id')?.value;
  }

  /** Content-Length header as a number (undefined when absent or malformed). */
  contentLength(): number | undefined {
    const h = this.first('content-length');
    if (h === undefined) return undefined;
    // Read in place: no copy of the value.
    const s = h._src;
    if (h._ve === h._vs || h._ve - h._vs > 10) return undefined;
    let n = 0;
    for (let i = h._vs; i < h._ve; i++) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return undefined;
      n = n * 10 + d;
    }
    return n;
  }

  /** The Request-URI, parsed (requests only). */
  requestUri(): Uri | undefined {
    if (this.kind !== 'request') return undefined;
    const r = parseUri(this.uri);
    return r.ok ? r.uri : undefined;
  }

  /** The method of the transaction: the request's method, or the CSeq method of a response. */
  transactionMethod(): string | undefined {
    return this.kind === 'request' ? this.method : this.cseq()?.method;
  }
}

function wrapField<T>(r: T | FieldErr): FieldResult<T> {
  return isFieldErr(r) ? { ok: false, error: r } : { ok: true, value: r };
}

/** The text last searched for commas, from where, and the next comma found (-1: none). */
let commaText = '';
let commaFrom = 0;
let commaNext = -1;

/**
 * Is there a comma in the header's value (a list value that needs splitting)? The next comma of
 * the message text is remembered, so reading several headers searches the text about once.
 */
function hasComma(h: SipHeader): boolean {
  const s = h._src;
  const from = h._vs;
  if (s !== commaText || from < commaFrom || (commaNext >= 0 && commaNext < from)) {
    commaText = s;
    commaFrom = from;
    commaNext = s.indexOf(',', from);
  }
  return commaNext >= 0 && commaNext < h._ve;
}

class FieldCache {
  declare topViaH: SipHeader | undefined;
  declare topViaGen: number;
  declare topVia: Via | undefined;
  declare viasKey: unknown;
  declare viasGen: number;
  declare vias: FieldResult<Via>[] | undefined;
  declare fromH: SipHeader | undefined;
  declare fromGen: number;
  declare from: NameAddr | undefined;
  declare toH: SipHeader | undefined;
  declare toGen: number;
  declare to: NameAddr | undefined;
  declare contactsKey: unknown;
  declare contactsGen: number;
  declare contacts: NameAddr[] | '*' | undefined;
  declare authH: SipHeader | undefined;
  declare authGen: number;
  declare auth: AuthValue | undefined;
  declare cseqH: SipHeader | undefined;
  declare cseqGen: number;
  declare cseq: CSeq | undefined;
  constructor() {
    this.topViaH = undefined;
    this.topViaGen = 0;
    this.topVia = undefined;
    this.viasKey = undefined;
    this.viasGen = 0;
    this.vias = undefined;
    this.fromH = undefined;
    this.fromGen = 0;
    this.from = undefined;
    this.toH = undefined;
    this.toGen = 0;
    this.to = undefined;
    this.contactsKey = undefined;
    this.contactsGen = 0;
    this.contacts = undefined;
    this.authH = undefined;
    this.authGen = 0;
    this.auth = undefined;
    this.cseqH = undefined;
    this.cseqGen = 0;
    this.cseq = undefined;
  }
}
