/**
 * Bounded state for detectors: every map is capped and evicts its least recently used key, so a
 * flood of spoofed sources cannot exhaust memory. Windows are measured in event time.
 */

export class LruMap<K, V> {
  // Two generations approximate LRU at O(1) with no work on hits: new and touched keys go to
  // `hot`; when `hot` is full it becomes `cold` and the old `cold` (keys not used since) is
  // dropped. At most `cap` keys are held.
  private hot = new Map<K, V>();
  private cold = new Map<K, V>();
  private readonly half: number;
  evictions = 0;
  constructor(readonly cap: number) {
    this.half = Math.max(1, Math.ceil(cap / 2));
  }

  get size(): number {
    return this.hot.size + this.cold.size;
  }

  /** Gets and marks as recently used. */
  get(key: K): V | undefined {
    const v = this.hot.get(key);
    if (v !== undefined) return v;
    const c = this.cold.get(key);
    if (c !== undefined) {
      this.cold.delete(key);
      this.insertHot(key, c);
    }
    return c;
  }

  peek(key: K): V | undefined {
    const v = this.hot.get(key);
    return v !== undefined ? v : this.cold.get(key);
  }

  set(key: K, value: V): void {
    if (this.hot.has(key)) {
      this.hot.set(key, value);
      return;
    }
    this.cold.delete(key);
    this.insertHot(key, value);
  }

  private insertHot(key: K, value: V): void {
    if (this.hot.size >= this.half) {
      this.evictions += this.cold.size;
      this.cold = this.hot;
      this.hot = new Map();
    }
    this.hot.set(key, value);
  }

  /** Gets the value or creates it (marked recently used either way). */
  upsert(key: K, create: () => V): V {
    let v = this.get(key);
    if (v === undefined) {
      v = create();
      this.insertHot(key, v);
    }
    return v;
  }

  delete(key: K): boolean {
    return this.hot.delete(key) || this.cold.delete(key);
  }

  *entries(): IterableIterator<[K, V]> {
    yield* this.cold.entries();
    yield* this.hot.entries();
  }
}

/**
 * The last `n` items with their times: answers "did n items fall within `window` ms?". Keeps at
 * most `n` items, whatever arrives; storage grows with use (most keys only ever see one or two).
 */
export class RecentRing<T> {
  private times: number[] = [];
  private items: T[] = [];
  private head = 0;
  constructor(readonly n: number) {}

  get count(): number {
    return this.times.length;
  }

  push(time: number, item: T): void {
    if (this.times.length < this.n) {
      this.times.push(time);
      this.items.push(item);
      return;
    }
    this.times[this.head] = time;
    this.items[this.head] = item;
    this.head = (this.head + 1) % this.n;
  }

  /** True when the ring is full and its oldest item is within `window` ms of `now`. */
  full(now: number, window: number): boolean {
    if (this.times.length < this.n) return false;
    return now - this.times[this.head]! <= window;
  }

  /** Items oldest first. */
  list(): T[] {
    if (this.head === 0) return this.items.slice();
    return this.items.slice(this.head).concat(this.items.slice(0, this.head));
  }

  clear(): void {
    this.times = [];
    this.items = [];
    this.head = 0;
  }
}

/** Counts timestamps in a sliding window without keeping items (for rates). */
export class RateRing {
  private times: number[] = [];
  private head = 0;
  constructor(readonly n: number) {}
  /** Timestamps held (at most n). */
  get size(): number {
    return this.times.length;
  }
  /** Adds one and says whether `n` fell within `window` ms. */
  hit(time: number, window: number): boolean {
    if (this.times.length < this.n) {
      this.times.push(time);
      return this.times.length === this.n && time - this.times[0]! <= window;
    }
    this.times[this.head] = time;
    this.head = (this.head + 1) % this.n;
    return time - this.times[this.head]! <= window;
  }
  reset(): void {
    this.times = [];
    this.head = 0;
  }
}
