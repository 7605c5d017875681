import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * Keeps resident memory near a limit. Detector state is bounded (state_cap), but under floods V8
 * lets garbage pile up far beyond the live set before it collects (hundreds of MB). When the
 * resident size passes the limit, a full collection is run (at most once per `minIntervalMs`).
 * A collection that leaves the resident size above the limit and frees less than 10 % of it (the
 * resident size is then code, SQLite's cache, threads, live state: not garbage) is not repeated
 * soon: the interval doubles (at least 1 s), up to `maxIntervalMs`, and returns to
 * `minIntervalMs` once a collection helps again. Without this back-off a
 * process whose live size sits above the limit would stop the world for a full collection every
 * interval, for nothing (packets queue in the kernel meanwhile).
 * `NODE_OPTIONS=--max-old-space-size=...` achieves the same from outside; this works without it.
 */
export class MemoryGuard {
  private readonly gc: (() => void) | undefined;
  private last = 0;
  private interval: number;
  collections = 0;
  /** Collections that did not help (see above). */
  fruitless = 0;

  constructor(
    readonly limitMB: number,
    private readonly minIntervalMs = 500,
    private readonly maxIntervalMs = 60_000,
    /** Heap in use, in bytes (tests replace it). */
    private readonly heapUsed: () => number = () => process.memoryUsage().heapUsed,
  ) {
    this.interval = minIntervalMs;
    try {
      v8.setFlagsFromString('--expose-gc');
      this.gc = vm.runInNewContext('gc') as () => void;
    } catch {
      this.gc = undefined;
    }
  }

  get available(): boolean {
    return this.gc !== undefined;
  }

  /** The wait before the next collection may run (grows while collections free little). */
  get currentIntervalMs(): number {
    return this.interval;
  }

  /** Cheap: reads the resident size and collects when it is above the limit. */
  check(now = Date.now()): boolean {
    if (!this.gc || this.limitMB <= 0) return false;
    if (process.memoryUsage.rss() < this.limitMB * 1048576) return false;
    if (now - this.last < this.interval) return false;
    this.last = now;
    const before = this.heapUsed();
    this.gc();
    this.collections++;
    const limit = this.limitMB * 1048576;
    if (process.memoryUsage.rss() >= limit && before - this.heapUsed() < limit * 0.1) {
      this.fruitless++;
      this.interval = Math.min(
        Math.max(this.interval * 2, 1000),
        Math.max(this.maxIntervalMs, this.minIntervalMs),
      );
    } else this.interval = this.minIntervalMs;
    return true;
  }
}

/**
 * Caps how far V8 grows the heap after each full collection, as a percentage of what was live
 * (V8's own heuristic allows up to 4x when collections are cheap, which is what lets the resident
 * size of a flood run to several times the live state). This only changes V8's pacing; it forces
 * no collection. Returns false when the flag cannot be set. 0 leaves V8's default.
 */
export function limitHeapGrowth(percent: number): boolean {
  if (!(percent > 0)) return false;
  try {
    v8.setFlagsFromString(`--heap-growing-percent=${Math.round(percent)}`);
    return true;
  } catch {
    return false;
  }
}
