import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * Keeps resident memory near a limit. Detector state is bounded (state_cap), but under floods V8
 * lets garbage pile up far beyond the live set before it collects (hundreds of MB). When the
 * resident size passes the limit, a full collection is run (at most once per `minIntervalMs`).
 * `NODE_OPTIONS=--max-old-space-size=...` achieves the same from outside; this works without it.
 */
export class MemoryGuard {
  private readonly gc: (() => void) | undefined;
  private last = 0;
  collections = 0;

  constructor(
    readonly limitMB: number,
    private readonly minIntervalMs = 500,
  ) {
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

  /** Cheap: reads the resident size and collects when it is above the limit. */
  check(now = Date.now()): boolean {
    if (!this.gc || this.limitMB <= 0) return false;
    if (process.memoryUsage.rss() < this.limitMB * 1048576) return false;
    if (now - this.last < this.minIntervalMs) return false;
    this.last = now;
    this.gc();
    this.collections++;
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
