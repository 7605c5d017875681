import type { DashboardStore } from './store.js';

/**
 * Event rates by kind for the overview chart: counts per bucket over the last day, kept in
 * memory (bounded: one map per bucket, at most span/bucket buckets) and fed by the event hook,
 * so drawing the chart never touches the database. The baseline behind each series is learned
 * from the store: for every time-of-day slot, the busiest count of that slot on the previous
 * seven days (the same "busiest same hour" idea as `hardline baseline`).
 */
export interface RateSeries {
  bucketSec: number;
  /** Start (ms) of the first bucket; `n` buckets follow. */
  start: number;
  n: number;
  kinds: Record<string, number[]>;
  /** Same shape: the learned ceiling per slot (null where history has nothing). */
  baseline: Record<string, (number | null)[]>;
  /** Days of history the baseline was learned from (0: none yet). */
  baselineDays: number;
  totals: Record<string, number>;
}

export class RateTracker {
  private readonly buckets = new Map<number, Map<string, number>>();
  private readonly bucketMs: number;
  private readonly slots: number;
  /** kind -> slot -> busiest count over the previous days. */
  private base = new Map<string, Map<number, number>>();
  private baseDays = 0;
  private baseAt = 0;

  constructor(
    readonly bucketSec = 300,
    readonly spanSec = 86400,
    private readonly now: () => number = Date.now,
  ) {
    this.bucketMs = bucketSec * 1000;
    this.slots = Math.round(86400 / bucketSec);
  }

  /** Loads the last span from the store, and the baseline. */
  load(store: DashboardStore): void {
    const now = this.now();
    const since = now - this.spanSec * 1000;
    for (const r of store.eventCounts(since, now + this.bucketMs, this.bucketMs)) {
      const m = this.bucketAt(r.bucket);
      m.set(r.kind, (m.get(r.kind) ?? 0) + r.n);
    }
    this.learn(store);
  }

  /** Recomputes the baseline (at most hourly unless forced). */
  learn(store: DashboardStore, force = false): void {
    const now = this.now();
    if (!force && this.baseAt && now - this.baseAt < 3600_000) return;
    this.baseAt = now;
    const until = Math.floor((now - 86400_000) / this.bucketMs + 1) * this.bucketMs;
    const since = until - 7 * 86400_000;
    const base = new Map<string, Map<number, number>>();
    const days = new Set<number>();
    for (const r of store.eventCounts(since, until, this.bucketMs)) {
      const slot = r.bucket % this.slots;
      let m = base.get(r.kind);
      if (!m) {
        m = new Map();
        base.set(r.kind, m);
      }
      if ((m.get(slot) ?? 0) < r.n) m.set(slot, r.n);
      days.add(Math.floor((r.bucket * this.bucketMs) / 86400_000));
    }
    this.base = base;
    this.baseDays = days.size;
  }

  add(kind: string, time: number): void {
    const now = this.now();
    if (time < now - this.spanSec * 1000 || time > now + this.bucketMs) return;
    const b = Math.floor(time / this.bucketMs);
    if (!this.buckets.has(b)) this.prune(now);
    const m = this.bucketAt(b);
    m.set(kind, (m.get(kind) ?? 0) + 1);
  }

  private bucketAt(b: number): Map<string, number> {
    let m = this.buckets.get(b);
    if (!m) {
      m = new Map();
      this.buckets.set(b, m);
    }
    return m;
  }

  private prune(now: number): void {
    const first = Math.floor((now - this.spanSec * 1000) / this.bucketMs);
    for (const b of this.buckets.keys()) if (b < first) this.buckets.delete(b);
  }

  series(): RateSeries {
    const now = this.now();
    this.prune(now);
    const last = Math.floor(now / this.bucketMs);
    const n = Math.round(this.spanSec / this.bucketSec);
    const first = last - n + 1;
    const kinds: Record<string, number[]> = {};
    const totals: Record<string, number> = {};
    for (const [b, m] of this.buckets) {
      if (b < first || b > last) continue;
      for (const [k, v] of m) {
        kinds[k] ??= new Array(n).fill(0);
        kinds[k]![b - first] = v;
        totals[k] = (totals[k] ?? 0) + v;
      }
    }
    const baseline: Record<string, (number | null)[]> = {};
    for (const [k, m] of this.base) {
      kinds[k] ??= new Array(n).fill(0);
      totals[k] ??= 0;
      baseline[k] = Array.from(
        { length: n },
        (_, i) => m.get((first + i) % this.slots) ?? (this.baseDays ? 0 : null),
      );
    }
    return {
      bucketSec: this.bucketSec,
      start: first * this.bucketMs,
      n,
      kinds,
      baseline,
      baselineDays: this.baseDays,
      totals,
    };
  }
}
