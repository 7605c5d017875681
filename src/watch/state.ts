/**
 * Bounded state for detectors: every map is capped and evicts its least recently used key, so a
 * flood of spoofed sources cannot exhaust memory. Windows are measured in event time.
 */

export class LruMap<K, V> {
  private readonly map = new Map<K, V>();
  evictions = 0;
  constructor(readonly cap: number) {}

  get size(): number {
    return this.map.size;
  }

  /** Gets and marks as recently used. */
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  peek(key: K): V | undefined {
    return this.map.get(key);
  }

  set(key: K, value: V): void {
    if (this.map.has(key)) this.map.delete(key);
    else if (this.map.size >= this.cap) {
      const oldest = this.map.keys().next();
      if (!oldest.done) {
        this.map.delete(oldest.value);
        this.evictions++;
      }
    }
    this.map.set(key, value);
  }

  /** Gets the value or creates it (marked recently used either way). */
  upsert(key: K, create: () => V): V {
    let v = this.get(key);
    if (v === undefined) {
      v = create();
      this.set(key, v);
    }
    return v;
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }

  entries(): IterableIterator<[K, V]> {
    return this.map.entries();
  }
}

/**
 * The last `n` items with their times: answers "did n items fall within `window` ms?". Keeps at
 * most `n` items, whatever arrives.
 */
export class RecentRing<T> {
  private readonly times: Float64Array;
  private readonly items: (T | undefined)[];
  private head = 0;
  count = 0;
  constructor(readonly n: number) {
    this.times = new Float64Array(n);
    this.items = new Array(n);
  }

  push(time: number, item: T): void {
    this.times[this.head] = time;
    this.items[this.head] = item;
    this.head = (this.head + 1) % this.n;
    if (this.count < this.n) this.count++;
  }

  /** True when the ring is full and its oldest item is within `window` ms of `now`. */
  full(now: number, window: number): boolean {
    if (this.count < this.n) return false;
    return now - this.times[this.head % this.n]! <= window;
  }

  /** Items oldest first. */
  list(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.count; i++) {
      const idx = (this.head - this.count + i + this.n * 2) % this.n;
      out.push(this.items[idx] as T);
    }
    return out;
  }

  /** Items within `window` ms of `now`, oldest first. */
  within(now: number, window: number): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.count; i++) {
      const idx = (this.head - this.count + i + this.n * 2) % this.n;
      if (now - this.times[idx]! <= window) out.push(this.items[idx] as T);
    }
    return out;
  }

  clear(): void {
    this.count = 0;
    this.items.fill(undefined);
  }
}

/** Counts timestamps in a sliding window without keeping items (for global rates). */
export class RateRing {
  private readonly times: Float64Array;
  private head = 0;
  private count = 0;
  constructor(readonly n: number) {
    this.times = new Float64Array(n);
  }
  /** Adds one and says whether `n` fell within `window` ms. */
  hit(time: number, window: number): boolean {
    this.times[this.head] = time;
    this.head = (this.head + 1) % this.n;
    if (this.count < this.n) this.count++;
    return this.count === this.n && time - this.times[this.head]! <= window;
  }
  reset(): void {
    this.count = 0;
  }
}
