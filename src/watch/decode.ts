import { readdirSync } from 'node:fs';
import {
  type DecodeHelpers,
  type DecodeOutcome,
  type Decoder,
  type LineContext,
  makeEvidence,
  parseAsteriskPrefix,
  parseFreeswitchPrefix,
  stripAnsi,
} from './decoder.js';
import type { SecurityEvent } from './event.js';
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
  if (/^(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\S+) \S+ [\w.-]+(?:\[\d+\])?:/.test(line))
    return 'syslog';
  if (/^[A-Z_]{3,12}\[\d+\]/.test(line)) return 'asterisk';
  return 'unknown';
}

export class LineDecoder {
  constructor(private readonly decoders: Decoder[]) {}

  static async create(): Promise<LineDecoder> {
    return new LineDecoder(await loadDecoders());
  }

  get list(): readonly Decoder[] {
    return this.decoders;
  }

  /** Decodes one line. Never throws: a decoder bug becomes a `miss` naming the decoder. */
  decode(rawLine: string, ctx: LineContext): LineResult {
    const line = stripAnsi(rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine);
    const format = ctx.format ?? detectFormat(line);
    return this.run(line, ctx, format, undefined);
  }

  private run(line: string, ctx: LineContext, format: string, skip: string | undefined): LineResult {
    let firstMiss: LineResult | undefined;
    let helpers: DecodeHelpers | undefined;
    for (const d of this.decoders) {
      if (d.id === skip) continue;
      let hit = false;
      for (const m of d.markers) {
        if (line.includes(m)) {
          hit = true;
          break;
        }
      }
      if (!hit) continue;
      helpers ??= this.helpers(line, ctx, format);
      current = d.id;
      let outcome: DecodeOutcome | undefined;
      try {
        outcome = d.decode(line, helpers);
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
    return firstMiss ?? { format, outcome: UNMATCHED, events: [] };
  }

  private helpers(line: string, ctx: LineContext, format: string): DecodeHelpers {
    let time: number | undefined;
    let ast: ReturnType<typeof parseAsteriskPrefix> | null = null;
    let fs: ReturnType<typeof parseFreeswitchPrefix> | null = null;
    const self = this;
    const h: DecodeHelpers = {
      ...ctx,
      time() {
        time ??= leadingTime(line, ctx.refTime) ?? ctx.fallbackTime;
        return time;
      },
      event(e) {
        const ev = {
          ...e,
          time: e.time ?? h.time(),
          evidence: makeEvidence(line, current, format, ctx.origin),
        };
        if (ctx.pbx && !ev.pbx) ev.pbx = ctx.pbx;
        return ev as SecurityEvent;
      },
      inner(innerLine, t, innerFormat) {
        const outer = current;
        const r = self.run(innerLine, { ...ctx, fallbackTime: t, format: innerFormat }, innerFormat, outer);
        current = outer;
        if (r.outcome.status === 'unmatched') return undefined;
        for (const ev of r.events) {
          ev.time = t;
          ev.evidence = makeEvidence(line, `${outer}/${ev.evidence.decoder}`, innerFormat, ctx.origin);
        }
        return r.outcome as DecodeOutcome;
      },
      asterisk() {
        if (ast === null) ast = parseAsteriskPrefix(line);
        return ast;
      },
      freeswitch() {
        if (fs === null) fs = parseFreeswitchPrefix(line);
        return fs;
      },
    };
    return h;
  }
}

/** Id of the decoder running now (decoding is synchronous), for evidence. */
let current = '';
