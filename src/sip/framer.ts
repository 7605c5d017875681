import type { SipMessage } from './message.js';
import { parse, type SipParseError } from './parser.js';

/**
 * Frames SIP messages on a byte stream (TCP, TLS): finds the end of the header block, reads
 * Content-Length and waits for that many body bytes (RFC 3261 18.3). Accepts partial data and
 * several messages per chunk; skips CRLF keep-alives (RFC 5626). Linear in the bytes pushed: the
 * buffer grows by doubling and the search for the end of the headers resumes where it stopped.
 */
export interface FramerOptions {
  /** Largest header block (default 64 KiB). */
  maxHeaderBytes?: number;
  /** Largest body (default 256 KiB). */
  maxBodyBytes?: number;
}

export type FramerEvent =
  | { type: 'message'; message: SipMessage; bytes: Buffer }
  | { type: 'error'; error: SipParseError; bytes: Buffer }
  | { type: 'keepalive' };

export class StreamFramer {
  private buf: Buffer = Buffer.alloc(4096);
  private start = 0;
  private end = 0;
  /** Where the search for CRLFCRLF resumes, relative to start. */
  private scanned = 0;
  /** Header block length + Content-Length of the message being received, once known. */
  private need = -1;
  /** Set after an unrecoverable framing error: the stream cannot be resynchronised. */
  failed = false;
  private readonly maxHeader: number;
  private readonly maxBody: number;

  constructor(opts: FramerOptions = {}) {
    this.maxHeader = opts.maxHeaderBytes ?? 64 * 1024;
    this.maxBody = opts.maxBodyBytes ?? 256 * 1024;
  }

  /** Bytes buffered but not yet part of a complete message. */
  get pending(): number {
    return this.end - this.start;
  }

  /** Adds bytes; returns the complete messages (and errors) they finish, in order. */
  push(chunk: Buffer): FramerEvent[] {
    const out: FramerEvent[] = [];
    if (this.failed) return out;
    this.append(chunk);
    for (;;) {
      const ev = this.next();
      if (!ev) break;
      out.push(ev);
      if (ev.type === 'error') {
        this.failed = true;
        break;
      }
    }
    return out;
  }

  private append(chunk: Buffer): void {
    const len = this.end - this.start;
    if (this.end + chunk.length > this.buf.length) {
      if (len + chunk.length <= this.buf.length && this.start > 0) {
        this.buf.copy(this.buf, 0, this.start, this.end);
      } else {
        let cap = this.buf.length;
        while (cap < len + chunk.length) cap *= 2;
        const nb = Buffer.allocUnsafe(cap);
        this.buf.copy(nb, 0, this.start, this.end);
        this.buf = nb;
      }
      this.start = 0;
      this.end = len;
    }
    chunk.copy(this.buf, this.end);
    this.end += chunk.length;
  }

  private next(): FramerEvent | undefined {
    // Keep-alives between messages: "\r\n\r\n" ping or "\r\n" pong.
    if (this.need < 0) {
      let skipped = 0;
      while (this.start < this.end) {
        const c = this.buf[this.start];
        if (c !== 13 && c !== 10) break;
        this.start++;
        skipped++;
      }
      if (skipped) {
        this.scanned = 0;
        if (skipped >= 2) return { type: 'keepalive' };
      }
      if (this.start === this.end) return undefined;
      const view = this.buf.subarray(this.start, this.end);
      const from = Math.max(0, this.scanned - 3);
      const idx = view.indexOf('\r\n\r\n', from);
      if (idx < 0) {
        this.scanned = view.length;
        if (view.length > this.maxHeader)
          return this.fail('HL_SIP_TOO_LARGE', 'header block too large', view);
        return undefined;
      }
      const headLen = idx + 4;
      if (headLen > this.maxHeader) return this.fail('HL_SIP_TOO_LARGE', 'header block too large', view);
      const cl = contentLengthOf(view.toString('latin1', 0, idx));
      if (cl === undefined)
        return this.fail('HL_SIP_CONTENT_LENGTH', 'missing or invalid Content-Length on a stream', view);
      if (cl > this.maxBody) return this.fail('HL_SIP_TOO_LARGE', `body of ${cl} bytes too large`, view);
      this.need = headLen + cl;
    }
    if (this.end - this.start < this.need) return undefined;
    const bytes = Buffer.from(this.buf.subarray(this.start, this.start + this.need));
    this.start += this.need;
    this.need = -1;
    this.scanned = 0;
    if (this.start === this.end) {
      this.start = 0;
      this.end = 0;
    }
    const r = parse(bytes, { mode: 'stream', maxSize: this.maxHeader + this.maxBody });
    return r.ok ? { type: 'message', message: r.message, bytes } : { type: 'error', error: r.error, bytes };
  }

  private fail(code: SipParseError['code'], message: string, view: Buffer): FramerEvent {
    return { type: 'error', error: { code, message, offset: 0 }, bytes: Buffer.from(view.subarray(0, 512)) };
  }
}

/** Content-Length (or `l`) from a header block; undefined when absent, invalid or conflicting. */
export function contentLengthOf(head: string): number | undefined {
  let found: number | undefined;
  let pos = head.indexOf('\n');
  while (pos >= 0 && pos < head.length) {
    const ls = pos + 1;
    let le = head.indexOf('\n', ls);
    if (le < 0) le = head.length;
    const colon = head.indexOf(':', ls);
    if (colon > ls && colon < le) {
      const name = head.slice(ls, colon).trim().toLowerCase();
      if (name === 'content-length' || name === 'l') {
        const v = head.slice(colon + 1, le).trim();
        if (!/^\d{1,10}$/.test(v)) return undefined;
        const num = Number(v);
        if (found !== undefined && found !== num) return undefined;
        found = num;
      }
    }
    pos = le;
  }
  return found;
}
