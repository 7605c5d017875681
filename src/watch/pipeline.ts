import type { Policy } from '../policy/schema.js';
import { LineDecoder, type LineResult } from './decode.js';
import type { LineContext } from './decoder.js';
import { DetectionEngine } from './detector.js';
import type { SecurityEvent } from './event.js';
import type { Incident } from './incident.js';
import type { WatchMetrics } from './outputs/metrics.js';

/** Receives what the pipeline produces (store, JSON lines, webhooks, ...). */
export interface Sink {
  event?(ev: SecurityEvent): void;
  incident?(i: Incident): void;
}

export interface PipelineOptions {
  policy: Policy;
  decoder?: LineDecoder;
  engine?: DetectionEngine;
  metrics?: WatchMetrics;
  sinks?: Sink[];
  /** Wall clock for the lag metric (tests and backtest replace it). */
  now?: () => number;
  /** Only these detectors. */
  only?: string[];
}

/** Line or event in, incidents out: decoders, then detectors in event-time order, then sinks. */
export class Pipeline {
  readonly decoder: LineDecoder;
  readonly engine: DetectionEngine;
  readonly sinks: Sink[];
  lines = 0;
  eventCount = 0;
  newestEventTime = 0;
  private readonly metrics: WatchMetrics | undefined;
  private readonly now: () => number;
  /** Ingest lag at the newest event handled (set on the gauge before each scrape). */
  private lagSeconds: number | undefined;

  private constructor(o: PipelineOptions, decoder: LineDecoder, engine: DetectionEngine) {
    this.decoder = decoder;
    this.engine = engine;
    this.sinks = o.sinks ?? [];
    this.metrics = o.metrics;
    this.now = o.now ?? Date.now;
    o.metrics?.beforeScrape.push(() => {
      if (this.lagSeconds !== undefined) o.metrics!.lag.set(this.lagSeconds);
    });
  }

  static async create(o: PipelineOptions): Promise<Pipeline> {
    const decoder = o.decoder ?? (await LineDecoder.create());
    let self: Pipeline | undefined;
    const engine =
      o.engine ??
      (await DetectionEngine.create({
        policy: o.policy,
        ...(o.only ? { only: o.only } : {}),
        onIncident: (i) => self?.emitIncident(i),
      }));
    engine.redecoder ??= decoder;
    self = new Pipeline(o, decoder, engine);
    return self;
  }

  /** Decodes a line and feeds its events on. */
  line(line: string, ctx: LineContext): LineResult {
    this.lines++;
    const r = this.decoder.decode(line, ctx);
    this.metrics?.lineTally.add(r.format, r.outcome.status === 'events' ? 'decoded' : r.outcome.status);
    for (let i = 0; i < r.events.length; i++) this.emit(r.events[i]!, line, ctx, i);
    return r;
  }

  /** Decodes the line in buf[s..e) (no newline) like line() does with its text. */
  lineBytes(buf: Buffer, s: number, e: number, ctx: LineContext): LineResult {
    this.lines++;
    const r = this.decoder.decodeBytes(buf, s, e, ctx);
    this.metrics?.lineTally.add(r.format, r.outcome.status === 'events' ? 'decoded' : r.outcome.status);
    const n = r.events.length;
    if (n) {
      const line = this.decoder.lastLine;
      for (let i = 0; i < n; i++) this.emit(r.events[i]!, line, ctx, i);
    }
    return r;
  }

  /**
   * Decodes every line of buf[start..end): lines end with `\n` (the last may lack it), a
   * trailing CR is dropped, blank lines are skipped. `end` must be the end of the data or just
   * after a newline. Returns the number of lines decoded.
   */
  chunk(buf: Buffer, start: number, end: number, ctx: LineContext): number {
    let n = 0;
    let s = start;
    while (s < end) {
      let nl = buf.indexOf(0x0a, s);
      if (nl < 0 || nl > end) nl = end;
      if (!isBlank(buf, s, nl)) {
        this.lineBytes(buf, s, nl, ctx);
        n++;
      }
      s = nl + 1;
    }
    return n;
  }

  /** Feeds an event that was not decoded from a line (SIP over HEP, replays) on. */
  event(ev: SecurityEvent): void {
    this.emit(ev, undefined, undefined, 0);
  }

  private emit(
    ev: SecurityEvent,
    line: string | undefined,
    ctx: LineContext | undefined,
    index: number,
  ): void {
    this.eventCount++;
    if (ev.time > this.newestEventTime) this.newestEventTime = ev.time;
    if (this.metrics) {
      this.metrics.eventTally.add(ev.kind, ev.evidence.format);
      this.lagSeconds = Math.max(0, (this.now() - ev.time) / 1000);
    }
    for (const s of this.sinks) s.event?.(ev);
    this.engine.onEvent(ev, line, ctx, index);
  }

  /** Counts something received that could not be decoded (never silently). */
  undecoded(reason: string): void {
    this.metrics?.undecoded.inc({ reason });
  }

  updateStateMetrics(): void {
    if (!this.metrics) return;
    const s = this.engine.stateStats();
    this.metrics.stateKeys.set(s.keys);
    this.metrics.evictions.set(s.evictions);
  }

  private emitIncident(i: Incident): void {
    this.metrics?.incidents.inc({ detector: i.detector, severity: i.severity, action: i.decision.action });
    for (const s of this.sinks) s.incident?.(i);
  }
}

/** Only spaces, tabs and CRs (or nothing). */
function isBlank(b: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}
