import { readdirSync } from 'node:fs';
import {
  type DecodeHelpers,
  type DecodeOutcome,
  type Decoder,
  type LineContext,
  type LoggerBody,
  makeEvidence,
  parseAsteriskPrefix,
  parseFreeswitchPrefix,
  parseKamailioPrefix,
  stripAnsi,
} from './decoder.js';
import type { SecurityEvent } from './event.js';
import { PrefixScan, scanAsteriskPrefix } from './prefix.js';
import { leadingTime } from './time.js';

/**
 * The decoder registry and the line decoder. Decoders are discovered from
 * src/watch/decoders/*.ts (one decoder per file, default export), like rules.
 */

const FILE = /^[a-z]+-[a-z0-9-]+\.(ts|js)$/;
let cache: Promise<Decoder[]> | undefined;

export function loadDecoders(): Promise<Decoder[]> {
  cache ??= discover();
  return cache;
}

async function discover(): Promise<Decoder[]> {
  const base = new URL('./decoders/', import.meta.url);
  const files = readdirSync(base)
    .filter((f) => FILE.test(f) && !f.endsWith('.d.ts') && !f.includes('.test.'))
    .sort();
  const out: Decoder[] = [];
  for (const f of files) {
    const mod = (await import(new URL(f, base).href)) as { default?: Decoder };
    const d = mod.default;
    if (!d || typeof d.decode !== 'function')
      throw new Error(`decoder file ${f} has no default decoder export`);
    if (d.id !== f.replace(/\.(ts|js)$/, '')) throw new Error(`decoder file ${f} declares id ${d.id}`);
    out.push(d);
  }
  // Wrapping formats first: they hand their inner line to the others.
  return out.sort((a, b) => Number(b.id === 'asterisk-json') - Number(a.id === 'asterisk-json'));
}

/** The result of decoding one line, for explain and the metrics. */
export interface LineResult {
  /** Format family of the line (by its prefix): asterisk, asterisk-json, freeswitch, syslog, unknown. */
  format: string;
  /** The decoder that produced the outcome, if any recognised the line. */
  decoder?: string;
  outcome: DecodeOutcome | { status: 'unmatched'; reason: string };
  events: SecurityEvent[];
}

const UNMATCHED = { status: 'unmatched' as const, reason: 'no decoder recognises this line' };

/** Format family of a line, from its prefix alone (for per-format counts). */
export function detectFormat(line: string): string {
  const c = line.charCodeAt(0);
  if (c === 123 /* { */) return line.includes('"logmsg"') ? 'asterisk-json' : 'json';
  if (c === 91 /* [ */) {
    if (/^\[[^\]]{8,40}\] ?[A-Z_]{3,12}\[\d+\]/.test(line)) return 'asterisk';
    if (/^\[(?:DEBUG|INFO|NOTICE|WARNING|ERR|CRIT|ALERT|CONSOLE)\] [\w.]+\.c:\d+ /.test(line))
      return 'freeswitch';
    return 'unknown';
  }
  if (/^(?:[0-9a-f-]{36} )?\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ (?:\d+\.\d+% )?\[[A-Z]+\]/.test(line))
    return 'freeswitch';
  if (/^(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\S+) \S+ [\w./-]+(?:\[\d+\])?:/.test(line))
    return 'syslog';
  if (/^[A-Z_]{3,12}\[\d+\]/.test(line)) return 'asterisk';
  if (/^ ?\d+\(\d+\) [A-Z]+: /.test(line)) return 'kamailio';
  return 'unknown';
}

/** Per-line decoding state handed to decoders; one instance is reused line after line. */
class LineHelpers implements DecodeHelpers {
  fallbackTime = 0;
  refTime = 0;
  origin?: string;
  pbx?: string;
  format?: string;
  line = '';
  decoderId = '';
  private t: number | undefined;
  ast: LoggerBody | undefined | null = null;
  fs: LoggerBody | undefined | null = null;
  kam: LoggerBody | undefined | null = null;
  /** Reused for prefixes scanned in bytes (decoders read it during decode() only). */
  private readonly body: LoggerBody = { level: '', file: '', message: '' };
  // prefix offsets scanned in bytes (p0 < 0: none; parse the string)
  private p0 = -1;
  private p1 = 0;
  private p2 = 0;
  private p3 = 0;
  private p4 = 0;

  constructor(private readonly owner: LineDecoder) {}

  reset(line: string, ctx: LineContext, format: string): void {
    this.line = line;
    this.fallbackTime = ctx.fallbackTime;
    this.refTime = ctx.refTime;
    this.origin = ctx.origin;
    this.pbx = ctx.pbx;
    this.format = format;
    this.t = undefined;
    this.ast = null;
    this.fs = null;
    this.kam = null;
    this.p0 = -1;
  }

  time(): number {
    if (this.t === undefined) this.t = leadingTime(this.line, this.refTime) ?? this.fallbackTime;
    return this.t;
  }

  event(e: Omit<SecurityEvent, 'evidence' | 'time'> & { time?: number }): SecurityEvent {
    const ev = e as SecurityEvent;
    if (ev.time === undefined) ev.time = this.time();
    ev.evidence = makeEvidence(this.line, this.decoderId, this.format ?? 'unknown', this.origin);
    if (this.pbx && !ev.pbx) ev.pbx = this.pbx;
    return ev;
  }

  inner(innerLine: string, t: number, innerFormat: string): DecodeOutcome | undefined {
    const r = this.owner.decodeInner(innerLine, {
      fallbackTime: t,
      refTime: this.refTime,
      format: innerFormat,
      ...(this.origin ? { origin: this.origin } : {}),
      ...(this.pbx ? { pbx: this.pbx } : {}),
    });
    if (r.outcome.status === 'unmatched') return undefined;
    for (const ev of r.events) {
      ev.time = t;
      ev.evidence = makeEvidence(
        this.line,
        `${this.decoderId}/${ev.evidence.decoder}`,
        innerFormat,
        this.origin,
      );
    }
    return r.outcome as DecodeOutcome;
  }

  /** Offsets of the Asterisk prefix, already scanned in bytes (the string path skips its regex). */
  preset(level0: number, level1: number, file0: number, file1: number, msg: number): void {
    this.p0 = level0;
    this.p1 = level1;
    this.p2 = file0;
    this.p3 = file1;
    this.p4 = msg;
  }
  asterisk(): LoggerBody | undefined {
    if (this.ast === null) {
      if (this.p0 >= 0) {
        const l = this.line;
        const b = this.body;
        b.level = l.slice(this.p0, this.p1);
        b.file = l.slice(this.p2, this.p3);
        b.message = l.slice(this.p4);
        this.ast = b;
      } else this.ast = parseAsteriskPrefix(this.line);
    }
    return this.ast;
  }

  freeswitch(): LoggerBody | undefined {
    if (this.fs === null) this.fs = parseFreeswitchPrefix(this.line);
    return this.fs;
  }

  kamailio(): LoggerBody | undefined {
    if (this.kam === null) this.kam = parseKamailioPrefix(this.line);
    return this.kam;
  }
}

const basename = (f: string) => {
  const i = f.lastIndexOf('/');
  return i < 0 ? f : f.slice(i + 1);
};

/**
 * Decodes lines: the logger prefix is parsed once, then only the decoders of that family (and,
 * for Asterisk, of the file that logged) look at the message.
 */
export class LineDecoder {
  private readonly byFile = new Map<string, Decoder[]>();
  private readonly fsDecoders: Decoder[];
  private readonly kamDecoders: Decoder[];
  private readonly jsonDecoders: Decoder[];
  private readonly h: LineHelpers;
  private readonly scan = new PrefixScan();
  /** The text of the line decodeBytes() last turned into a string (decode() of it gives the same). */
  lastLine: string | undefined;
  /** Basenames of the files Asterisk decoders read (as bytes), and their decoders. */
  private readonly fileNames: Uint8Array[];
  private readonly fileLists: Decoder[][];

  constructor(private readonly decoders: Decoder[]) {
    for (const d of decoders) {
      if (d.family !== 'asterisk') continue;
      for (const f of d.files ?? []) {
        const list = this.byFile.get(f) ?? [];
        list.push(d);
        this.byFile.set(f, list);
      }
    }
    this.fsDecoders = decoders.filter((d) => d.family === 'freeswitch');
    this.kamDecoders = decoders.filter((d) => d.family === 'kamailio');
    this.jsonDecoders = decoders.filter((d) => d.family === 'json');
    this.h = new LineHelpers(this);
    this.fileNames = [...this.byFile.keys()].map((f) => new Uint8Array(Buffer.from(f, 'latin1')));
    this.fileLists = [...this.byFile.values()];
  }

  static async create(): Promise<LineDecoder> {
    return new LineDecoder(await loadDecoders());
  }

  get list(): readonly Decoder[] {
    return this.decoders;
  }

  /** Decodes one line. Never throws: a decoder bug becomes a `miss` naming the decoder. */
  decode(rawLine: string, ctx: LineContext): LineResult {
    const line = stripAnsi(rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine);
    return this.run(line, ctx, this.h, false);
  }

  /**
   * Decodes the line in buf[s..e) (no newline; a trailing CR is dropped), with the same result
   * as decode() of its text. The Asterisk prefix is scanned in bytes first: lines logged by a
   * file no decoder reads (and lines a decoder's byte prefilter rejects) never become strings.
   */
  decodeBytes(buf: Buffer, s: number, e: number, ctx: LineContext): LineResult {
    this.lastLine = undefined;
    if (e > s && buf[e - 1] === 0x0d) e--;
    const sc = this.scan;
    if (scanAsteriskPrefix(buf, s, e, sc)) {
      const list = this.byBase(buf, sc.baseStart, sc.fileEnd);
      if (list === undefined) return ctx.format ? { ...UNMATCHED_AST, format: ctx.format } : UNMATCHED_AST;
      const only = list.length === 1 ? list[0]! : undefined;
      if (only?.prefilter) {
        const v = only.prefilter(buf, sc.msgStart, e);
        if (v !== true) {
          const format = ctx.format ?? 'asterisk';
          if (v === undefined || v.status === 'miss')
            return ctx.format ? { ...UNMATCHED_AST, format } : UNMATCHED_AST;
          return {
            format,
            decoder: only.id,
            outcome: v,
            events: v.status === 'events' ? v.events : NO_EVENTS,
          };
        }
      }
      const line = utf8(buf, s, e);
      this.lastLine = line;
      if (line.includes('\x1b')) return this.decode(line, ctx);
      this.h.reset(line, ctx, ctx.format ?? 'asterisk');
      this.h.preset(sc.levelStart - s, sc.levelEnd - s, sc.fileStart - s, sc.fileEnd - s, sc.msgStart - s);
      return this.run(line, ctx, this.h, false, list);
    }
    const text = utf8(buf, s, e);
    this.lastLine = text;
    return this.decode(text, ctx);
  }

  /** Decoders reading the Asterisk file whose basename is buf[s..e), without making a string. */
  private byBase(buf: Buffer, s: number, e: number): Decoder[] | undefined {
    const n = e - s;
    const names = this.fileNames;
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      if (name.length !== n || buf[s] !== name[0]) continue;
      let k = 1;
      while (k < n && buf[s + k] === name[k]) k++;
      if (k === n) return this.fileLists[i];
    }
    return undefined;
  }

  /** For wrapping formats: decodes an inner line with a fresh helper (no JSON recursion). */
  decodeInner(line: string, ctx: LineContext): LineResult {
    return this.run(line, ctx, new LineHelpers(this), true);
  }

  private run(
    line: string,
    ctx: LineContext,
    h: LineHelpers,
    inner: boolean,
    scanned?: readonly Decoder[],
  ): LineResult {
    let candidates: readonly Decoder[] | undefined;
    let message = line;
    let format = ctx.format;
    if (scanned) {
      // prefix already scanned in bytes (decodeBytes)
      format ??= 'asterisk';
      candidates = scanned;
      message = h.asterisk()!.message;
    } else h.reset(line, ctx, format ?? 'unknown');
    if (scanned) {
      // nothing more to find out about the prefix
    } else if (line.charCodeAt(0) === 123 /* { */) {
      if (!inner) candidates = this.jsonDecoders;
      format ??= line.includes('"logmsg"') ? 'asterisk-json' : 'json';
    } else {
      const ast = h.asterisk();
      if (ast) {
        format ??= 'asterisk';
        candidates = this.byFile.get(basename(ast.file));
        message = ast.message;
      } else {
        const fs = h.freeswitch();
        if (fs) {
          format ??= 'freeswitch';
          candidates = this.fsDecoders;
          message = fs.message;
        } else {
          const kam = h.kamailio();
          if (kam) {
            format ??= 'kamailio';
            candidates = this.kamDecoders;
            message = kam.message;
          }
        }
      }
    }
    format ??= detectFormat(line);
    h.format = format;
    let firstMiss: LineResult | undefined;
    if (candidates) {
      for (const d of candidates) {
        let hit = false;
        for (const m of d.markers) {
          if (message.includes(m)) {
            hit = true;
            break;
          }
        }
        if (!hit) continue;
        h.decoderId = d.id;
        let outcome: DecodeOutcome | undefined;
        try {
          outcome = d.decode(line, h);
        } catch (e) {
          outcome = { status: 'miss', reason: `decoder ${d.id} failed: ${(e as Error).message}` };
        }
        if (!outcome) continue;
        if (outcome.status === 'miss') {
          firstMiss ??= { format, decoder: d.id, outcome, events: [] };
          continue;
        }
        return { format, decoder: d.id, outcome, events: outcome.status === 'events' ? outcome.events : [] };
      }
    }
    return firstMiss ?? { format, outcome: UNMATCHED, events: NO_EVENTS };
  }
}

const NO_EVENTS: SecurityEvent[] = [];

type FastBuffer = Buffer & { utf8Slice?(start: number, end: number): string };
const hasUtf8Slice = typeof (Buffer.prototype as FastBuffer).utf8Slice === 'function';
/** buf.toString('utf8', s, e) without its argument checks (Node's own fast path when present). */
function utf8(buf: Buffer, s: number, e: number): string {
  return hasUtf8Slice ? (buf as FastBuffer).utf8Slice!(s, e) : buf.toString('utf8', s, e);
}
const UNMATCHED_AST: LineResult = { format: 'asterisk', outcome: UNMATCHED, events: NO_EVENTS };
