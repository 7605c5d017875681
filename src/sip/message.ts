import {
  type CSeq,
  type FieldResult,
  type NameAddr,
  parseCSeq,
  parseNameAddr,
  parseVia,
  type Via,
} from './fields.js';
import { canonicalName, LIST_HEADERS, splitList } from './headers.js';
import { parseUri, type Uri } from './uri.js';

/** One header line. `name` is canonical (lower-case long form); `raw` is as written. */
export class SipHeader {
  name: string;
  raw: string;
  value: string;
  /** Byte offset of the header line in the parsed input (-1 for headers added later). */
  offset: number;
  constructor(name: string, raw: string, value: string, offset: number) {
    this.name = name;
    this.raw = raw;
    this.value = value;
    this.offset = offset;
  }
}

/**
 * A SIP request or response. Header access is by any spelling (`Via`, `v`, `call-id`); list
 * headers are split at top-level commas by `getAll`. Structured accessors parse on demand and
 * return undefined when the header is absent or malformed.
 */
export class SipMessage {
  kind: 'request' | 'response';
  /** Request method (requests only; empty for responses, see cseq().method). */
  method: string;
  /** Request-URI as written (requests only). */
  uri: string;
  /** Status code (responses only; 0 for requests). */
  status: number;
  reason: string;
  version: string;
  headers: SipHeader[];
  /** Body bytes are taken lazily from the source. */
  private src: Buffer | string | undefined;
  private bodyStart: number;
  private bodyEnd: number;
  private bodyCache: Buffer | undefined;

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
    const c = canonicalName(name);
    const hs = this.headers;
    for (let i = 0; i < hs.length; i++) if (hs[i]!.name === c) return hs[i]!.value;
    return undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
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

  /** The top (first) Via, parsed. */
  topVia(): Via | undefined {
    const v = this.get('via');
    if (v === undefined) return undefined;
    const first = v.indexOf(',') < 0 ? v : splitList(v)[0];
    if (first === undefined) return undefined;
    const r = parseVia(first);
    return r.ok ? r.value : undefined;
  }

  /** Every Via, parsed; malformed ones are returned as errors. */
  vias(): FieldResult<Via>[] {
    return this.getAll('via').map(parseVia);
  }

  from(): NameAddr | undefined {
    return okOrUndefined(this.get('from'), parseNameAddr);
  }

  to(): NameAddr | undefined {
    return okOrUndefined(this.get('to'), parseNameAddr);
  }

  /** Contact values, parsed; `'*'` for a wildcard Contact (REGISTER removing all bindings). */
  contacts(): NameAddr[] | '*' {
    const all = this.getAll('contact');
    if (all.length === 1 && all[0] === '*') return '*';
    const out: NameAddr[] = [];
    for (const v of all) {
      const r = parseNameAddr(v);
      if (r.ok) out.push(r.value);
    }
    return out;
  }

  cseq(): CSeq | undefined {
    return okOrUndefined(this.get('cseq'), parseCSeq);
  }

  callId(): string | undefined {
    return this.get('call-id');
  }

  /** Content-Length header as a number (undefined when absent or malformed). */
  contentLength(): number | undefined {
    const v = this.get('content-length');
    if (v === undefined || !/^\d{1,10}$/.test(v)) return undefined;
    return Number(v);
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

function okOrUndefined<T>(v: string | undefined, parse: (s: string) => FieldResult<T>): T | undefined {
  if (v === undefined) return undefined;
  const r = parse(v);
  return r.ok ? r.value : undefined;
}
