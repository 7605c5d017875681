import parse from 'nsyslog-parser';
import { leadingTime } from '../time.js';
import { type Listener, type ListenUrl, listen } from './listen.js';

/**
 * Syslog (RFC 3164 and RFC 5424) over UDP and TCP. RFC 5424 is parsed here (nsyslog-parser 0.10
 * splits structured data at spaces, so `[timeQuality tzKnown="1" isSynced="0"]`, which util-linux
 * logger sends by default, leaks into the message); RFC 3164 with nsyslog-parser, except that BSD
 * timestamps (no year) get hardline's year inference instead of the library's (which puts
 * `Dec 31` in the future in November). TCP accepts octet-counting (`LEN SP MSG`, RFC 6587) and
 * newline framing, detected per frame.
 */

export interface SyslogMessage {
  rfc: '5424' | '3164' | 'unknown';
  time: number;
  /** The time came from the message (not the receive time): a clock-skew sample. */
  timed?: boolean;
  host?: string;
  app?: string;
  message: string;
}

interface Parsed {
  type?: string;
  ts?: Date | string;
  host?: string;
  appName?: string;
  message?: string;
  header?: string;
  pri?: string;
  err?: unknown;
}

const HEAD5424 = /^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) /;

/** RFC 5424: header fields, then structured data (`-` or `[id k="v" ...]...`), then the message. */
export function parse5424(t: string, now: number): SyslogMessage | undefined {
  const m = HEAD5424.exec(t);
  if (!m) return undefined;
  let i = m[0].length;
  if (t[i] === '-') i++;
  else if (t[i] === '[') {
    // walk SD elements; inside a quoted value, \" \\ and \] are escapes
    while (t[i] === '[') {
      let inQuote = false;
      i++;
      for (; i < t.length; i++) {
        const c = t[i];
        if (inQuote) {
          if (c === '\\') i++;
          else if (c === '"') inQuote = false;
        } else if (c === '"') inQuote = true;
        else if (c === ']') break;
      }
      if (i >= t.length) return undefined;
      i++;
    }
  } else return undefined;
  if (t[i] === ' ') i++;
  const ts = m[2] === '-' ? Number.NaN : Date.parse(m[2]!);
  return {
    rfc: '5424',
    time: Number.isNaN(ts) ? now : ts,
    ...(Number.isNaN(ts) ? {} : { timed: true }),
    ...(m[3] !== '-' ? { host: m[3]! } : {}),
    ...(m[4] !== '-' ? { app: m[4]! } : {}),
    message: t.slice(i).replace(/^\uFEFF/, ''),
  };
}

export function parseSyslog(text: string, now: number): SyslogMessage {
  const t = text.replace(/[\r\n\0]+$/, '');
  if (/^<\d{1,3}>1 /.test(t)) {
    const r = parse5424(t, now);
    if (r) return r;
  }
  let p: Parsed;
  try {
    p = parse(t) as Parsed;
  } catch {
    p = {};
  }
  if (!p || p.err || typeof p.message !== 'string') {
    return { rfc: 'unknown', time: now, message: t.replace(/^<\d{1,3}>/, '') };
  }
  if (p.type === 'RFC5424') {
    const ts = p.ts ? new Date(p.ts).getTime() : Number.NaN;
    return {
      rfc: '5424',
      time: Number.isNaN(ts) ? now : ts,
      ...(Number.isNaN(ts) ? {} : { timed: true }),
      ...(p.host && p.host !== '-' ? { host: p.host } : {}),
      ...(p.appName && p.appName !== '-' ? { app: p.appName } : {}),
      message: p.message.replace(/^\uFEFF/, ''),
    };
  }
  if (p.type === 'BSD') {
    const afterPri = t.replace(/^<\d{1,3}>/, '');
    const ts = leadingTime(afterPri, now);
    return {
      rfc: '3164',
      time: ts ?? now,
      ...(ts !== undefined ? { timed: true } : {}),
      ...(p.host ? { host: p.host } : {}),
      ...(p.appName ? { app: p.appName } : {}),
      message: p.message,
    };
  }
  return { rfc: 'unknown', time: now, message: t.replace(/^<\d{1,3}>/, '') };
}

/** Largest syslog message accepted (RFC 5425 suggests 8 KiB minimum support). */
export const MAX_SYSLOG = 64 * 1024;

/**
 * Splits a TCP syslog stream into messages: octet-counted frames when a frame starts with
 * digits and a space, newline-terminated otherwise. Oversized frames are dropped (counted).
 */
export class SyslogFramer {
  private buf: Buffer = Buffer.alloc(0);
  constructor(
    private readonly onMessage: (m: string) => void,
    private readonly onDrop: (why: string) => void,
  ) {}

  push(data: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, data]) : data;
    for (;;) {
      const b = this.buf;
      if (b.length === 0) return;
      // octet counting: 1-6 digits then a space (a newline-framed message starts with '<')
      let i = 0;
      while (i < b.length && i < 7 && b[i]! >= 0x30 && b[i]! <= 0x39) i++;
      if (i > 0 && i < 7 && i < b.length && b[i] === 0x20) {
        const n = Number(b.toString('latin1', 0, i));
        if (n > MAX_SYSLOG) {
          this.onDrop('syslog frame too large');
          this.buf = Buffer.alloc(0);
          return;
        }
        if (b.length < i + 1 + n) return;
        this.onMessage(b.toString('utf8', i + 1, i + 1 + n));
        this.buf = b.subarray(i + 1 + n);
        continue;
      }
      if (i > 0 && i === b.length) return; // digits so far: wait for more
      let nl = -1;
      for (let k = 0; k < b.length; k++) {
        if (b[k] === 0x0a || b[k] === 0) {
          nl = k;
          break;
        }
      }
      if (nl < 0) {
        if (b.length > MAX_SYSLOG) {
          this.onDrop('syslog line too long');
          this.buf = Buffer.alloc(0);
        }
        return;
      }
      const line = b.toString('utf8', 0, nl).replace(/\r$/, '');
      this.buf = b.subarray(nl + 1);
      if (line.trim()) this.onMessage(line);
    }
  }
}

export async function listenSyslog(
  url: ListenUrl,
  onMessage: (m: SyslogMessage, peer: string, transport: 'udp' | 'tcp') => void,
  onDrop: (why: string) => void,
): Promise<Listener> {
  return listen(url, {
    datagram: (msg, peer) => {
      if (msg.length > MAX_SYSLOG) return onDrop('syslog datagram too large');
      onMessage(parseSyslog(msg.toString('utf8'), Date.now()), peer, 'udp');
    },
    connection: (peer) => {
      const f = new SyslogFramer((m) => onMessage(parseSyslog(m, Date.now()), peer, 'tcp'), onDrop);
      return (d) => f.push(d);
    },
  });
}
