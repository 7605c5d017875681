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
