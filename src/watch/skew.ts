import { randomBytes } from 'node:crypto';

/**
 * Clock skew per event source: how far the timestamps a source writes (the HEP time chunks, a log
 * line's own time, a syslog header) are from the time watch received them. A sample is
 * `event time - receive time` in ms: positive when the source's clock is ahead, negative when it
 * is behind or the data was delayed on the way. `hardline review` reports the median per source
 * (HL-TIME-002 when it is more than 1 s off).
 *
 * Per source, samples are summarised per hour (count, median over a bounded reservoir, min, max,
 * largest absolute value). Sources whose timestamps have whole seconds only (most log formats)
 * are centred by +500 ms: such a time is the start of the second the event happened in.
 * Everything is bounded: at most `maxSources` sources (the least recently seen is evicted, so
 * spoofed HEP senders cannot grow it) and `reservoir` samples per source and hour.
 */

export interface ClockSkewRow {
  /** `hep:192.0.2.5`, `syslog:192.0.2.7`, `file:/var/log/asterisk/security`. */
  source: string;
  /** Start of the hour the samples were received in (ms since the epoch). */
  bucket: number;
  /** The watch run that measured them (several runs within one hour are kept apart). */
  run: string;
  samples: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  maxAbsMs: number;
  /** 1000 when every timestamp had whole seconds only (then centred by +500 ms), else 1. */
  resolutionMs: number;
  /** Receive time of the newest sample. */
  lastSeen: number;
}

export interface ClockSkewOptions {
  bucketMs?: number;
  reservoir?: number;
  maxSources?: number;
  run?: string;
  /** For tests: a deterministic random source for reservoir sampling. */
  random?: () => number;
}

interface SourceState {
  bucket: number;
  count: number;
  sample: number[];
  min: number;
  max: number;
  wholeSeconds: boolean;
  lastSeen: number;
  dirty: boolean;
}

/** Pending rows kept at most (rows of evicted sources or finished hours waiting for drain()). */
const MAX_PENDING = 1024;

export class ClockSkewTracker {
  readonly run: string;
  private readonly bucketMs: number;
  private readonly reservoir: number;
  private readonly maxSources: number;
  private readonly random: () => number;
  private readonly sources = new Map<string, SourceState>();
  private pending: ClockSkewRow[] = [];
  /** Samples refused (non-finite times) and rows dropped because drain() was not called. */
  dropped = 0;

  constructor(o: ClockSkewOptions = {}) {
    this.run = o.run ?? randomBytes(4).toString('hex');
    this.bucketMs = o.bucketMs ?? 3_600_000;
    this.reservoir = o.reservoir ?? 256;
    this.maxSources = o.maxSources ?? 64;
    this.random = o.random ?? Math.random;
  }

  /** One observation: the source wrote `eventMs`, watch received it at `receivedMs`. */
  sample(source: string, eventMs: number, receivedMs: number): void {
    if (!Number.isFinite(eventMs) || !Number.isFinite(receivedMs) || eventMs <= 0) {
      this.dropped++;
      return;
    }
    const bucket = receivedMs - (receivedMs % this.bucketMs);
    const d = eventMs - receivedMs;
    let s = this.sources.get(source);
    if (s && s.bucket !== bucket) {
      if (s.dirty) this.keep(this.row(source, s));
      s = undefined;
    }
    if (!s) {
      if (!this.sources.has(source) && this.sources.size >= this.maxSources) this.evictOldest();
      s = {
        bucket,
        count: 0,
        sample: [],
        min: d,
        max: d,
        wholeSeconds: true,
        lastSeen: receivedMs,
        dirty: true,
      };
      this.sources.set(source, s);
    }
    s.count++;
    if (s.sample.length < this.reservoir) s.sample.push(d);
    else {
      const j = Math.floor(this.random() * s.count);
      if (j < this.reservoir) s.sample[j] = d;
    }
    if (d < s.min) s.min = d;
    if (d > s.max) s.max = d;
    if (eventMs % 1000 !== 0) s.wholeSeconds = false;
    if (receivedMs > s.lastSeen) s.lastSeen = receivedMs;
    s.dirty = true;
  }

  /** Summaries changed since the last call (for the store: one row per source, hour and run). */
  drain(): ClockSkewRow[] {
    const out = this.pending;
    this.pending = [];
    for (const [name, s] of this.sources) {
      if (!s.dirty) continue;
      out.push(this.row(name, s));
      s.dirty = false;
    }
    return out;
  }

  /** Drops the least recently seen source (its summary is kept for the next drain). */
  private evictOldest(): void {
    let oldest: string | undefined;
    let at = Number.POSITIVE_INFINITY;
    for (const [name, st] of this.sources)
      if (st.lastSeen < at) {
        at = st.lastSeen;
        oldest = name;
      }
    if (oldest === undefined) return;
    const st = this.sources.get(oldest)!;
    this.sources.delete(oldest);
    if (st.dirty) this.keep(this.row(oldest, st));
  }

  private keep(r: ClockSkewRow): void {
    if (this.pending.length >= MAX_PENDING) {
      this.dropped++;
      return;
    }
    this.pending.push(r);
  }

  private row(source: string, s: SourceState): ClockSkewRow {
    const centre = s.wholeSeconds ? 500 : 0;
    const sorted = [...s.sample].sort((a, b) => a - b);
    const n = sorted.length;
    const median = n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
    const min = s.min + centre;
    const max = s.max + centre;
    return {
      source,
      bucket: s.bucket,
      run: this.run,
      samples: s.count,
      medianMs: median + centre,
      minMs: min,
      maxMs: max,
      maxAbsMs: Math.max(Math.abs(min), Math.abs(max)),
      resolutionMs: s.wholeSeconds ? 1000 : 1,
      lastSeen: s.lastSeen,
    };
  }
}

/** Several summaries of one source as one: samples summed, median weighted by samples. */
export function combineSkew(rows: ClockSkewRow[]): {
  samples: number;
  medianMs: number;
  maxAbsMs: number;
  lastSeen: number;
} {
  const sorted = [...rows].sort((a, b) => a.medianMs - b.medianMs);
  const total = sorted.reduce((n, r) => n + r.samples, 0);
  let acc = 0;
  let median = sorted[0]?.medianMs ?? 0;
  for (const r of sorted) {
    acc += r.samples;
    if (acc * 2 >= total) {
      median = r.medianMs;
      break;
    }
  }
  return {
    samples: total,
    medianMs: median,
    maxAbsMs: Math.max(0, ...rows.map((r) => r.maxAbsMs)),
    lastSeen: Math.max(0, ...rows.map((r) => r.lastSeen)),
  };
}
