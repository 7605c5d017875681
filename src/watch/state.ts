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

/** A copy of `a` with room for `cap` items (arrays start small and grow to their bound). */
function grown<T>(a: T[], len: number, cap: number): T[] {
  const b = new Array<T>(cap);
  for (let i = 0; i < len; i++) b[i] = a[i]!;
  return b;
}

/**
 * The last `n` items with their times (and an optional text tag each): answers "did n items fall
 * within `window` ms?". Keeps at most `n` items, whatever arrives; storage starts at 4 items and
 * grows with use (most keys only ever see one or two).
 */
export class RecentRing<T> {
  private times: number[];
  private items: T[];
  private tags: (string | undefined)[] | undefined;
  private len = 0;
  private head = 0;
  constructor(readonly n: number) {
    const cap = Math.min(n, 4);
    this.times = new Array(cap);
    this.items = new Array(cap);
  }

  get count(): number {
    return this.len;
  }

  push(time: number, item: T, tag?: string): void {
    if (tag !== undefined && this.tags === undefined) this.tags = new Array(this.times.length);
    if (this.len < this.n) {
      if (this.len === this.times.length) {
        const cap = Math.min(this.n, this.len * 2);
        this.times = grown(this.times, this.len, cap);
        this.items = grown(this.items, this.len, cap);
        if (this.tags) this.tags = grown(this.tags, this.len, cap);
      }
      this.times[this.len] = time;
      this.items[this.len] = item;
      if (this.tags) this.tags[this.len] = tag;
      this.len++;
      return;
    }
    this.times[this.head] = time;
    this.items[this.head] = item;
    if (this.tags) this.tags[this.head] = tag;
    this.head = (this.head + 1) % this.n;
  }

  /** True when the ring is full and its oldest item is within `window` ms of `now`. */
  full(now: number, window: number): boolean {
    if (this.len < this.n) return false;
    return now - this.times[this.head]! <= window;
  }

  private ordered<X>(a: X[]): X[] {
    const out: X[] = [];
    for (let k = 0; k < this.len; k++) out.push(a[(this.head + k) % this.len]!);
    return out;
  }

  /** Items oldest first. */
  list(): T[] {
    return this.ordered(this.items);
  }

  /** Tags oldest first (undefined where none was given). */
  tagList(): (string | undefined)[] {
    return this.tags ? this.ordered(this.tags) : new Array(this.len).fill(undefined);
  }

  /** True when the ring holds at least `k` distinct tags (stops counting at k). */
  tagsAtLeast(k: number): boolean {
    const tags = this.tags;
    if (!tags) return k <= 0;
    const seen: (string | undefined)[] = [];
    for (let i = 0; i < this.len && seen.length < k; i++) {
      const t = tags[i];
      if (!seen.includes(t)) seen.push(t);
    }
    return seen.length >= k;
  }

  clear(): void {
    // drop the references (evidence) but keep the storage
    for (let i = 0; i < this.len; i++) {
      this.items[i] = undefined as T;
      if (this.tags) this.tags[i] = undefined;
    }
    this.len = 0;
    this.head = 0;
  }
}

/** Counts timestamps in a sliding window without keeping items (for rates). */
export class RateRing {
  private times: number[];
  private len = 0;
  private head = 0;
  constructor(readonly n: number) {
    this.times = new Array(Math.min(n, 4));
  }
  /** Timestamps held (at most n). */
  get size(): number {
    return this.len;
  }
  /** Adds one and says whether `n` fell within `window` ms. */
  hit(time: number, window: number): boolean {
    if (this.len < this.n) {
      if (this.len === this.times.length)
        this.times = grown(this.times, this.len, Math.min(this.n, this.len * 2));
      this.times[this.len++] = time;
      return this.len === this.n && time - this.times[0]! <= window;
    }
    this.times[this.head] = time;
    this.head = (this.head + 1) % this.n;
    return time - this.times[this.head]! <= window;
  }
  reset(): void {
    this.len = 0;
    this.head = 0;
  }
}

/**
 * Slots for keys (source addresses) with LRU eviction at an exact cap, for per-key state kept in
 * flat arrays (a slab) instead of objects: the state of one key is a few adjacent numbers and
 * references, so handling an event touches one or two cache lines, and nothing is allocated per
 * key. Same two-generation scheme as LruMap: when the hot generation is full the cold one is
 * evicted whole and its slots are reused.
 */
export class SlotTable<K> {
  private hot = new Map<K, number>();
  private cold = new Map<K, number>();
  private readonly half: number;
  private free: number[] = [];
  private next = 0;
  evictions = 0;
  /** Slots in use can reach `cap`; the arrays grow up to that (see capacity). */
  capacity: number;
  /** Called when a slot is (re)assigned to a new key: its state must be reset. */
  onReset: (slot: number) => void = () => {};
  /** Called when the arrays must grow to `capacity` slots. */
  onGrow: (capacity: number) => void = () => {};

  constructor(readonly cap: number) {
    this.half = Math.max(1, Math.ceil(cap / 2));
    this.capacity = Math.min(cap + 1, 1024);
  }

  get size(): number {
    return this.hot.size + this.cold.size;
  }

  /** The key's slot, assigning (and resetting) one for a new key. */
  slot(key: K): number {
    const h = this.hot.get(key);
    if (h !== undefined) return h;
    const c = this.cold.get(key);
    if (c !== undefined) {
      this.cold.delete(key);
      this.insertHot(key, c);
      return c;
    }
    if (this.hot.size >= this.half) this.rotate();
    let s = this.free.pop();
    if (s === undefined) {
      s = this.next++;
      if (s >= this.capacity) {
        this.capacity = Math.min(this.cap + 1, Math.max(this.capacity * 2, s + 1));
        this.onGrow(this.capacity);
      }
    }
    this.onReset(s);
    this.hot.set(key, s);
    return s;
  }

  /** The key's slot without assigning one or touching recency; -1 when absent. */
  peek(key: K): number {
    return this.hot.get(key) ?? this.cold.get(key) ?? -1;
  }

  private insertHot(key: K, s: number): void {
    if (this.hot.size >= this.half) this.rotate();
    this.hot.set(key, s);
  }

  private rotate(): void {
    this.evictions += this.cold.size;
    for (const s of this.cold.values()) this.free.push(s);
    this.cold = this.hot;
    this.hot = new Map();
  }
}

/** The slab fields a BusyState uses (see SourceSlab in detector.ts): 1 number, 3 references. */
interface SlabFields {
  num: Float64Array;
  ref: unknown[];
  n: number;
  r: number;
}

/**
 * Per-source sliding-window state that only exists while a source is busy. Most sources (slow
 * scanners, spoofed one-shot addresses) never send two counted events within a detector's
 * window; for them only the newest event is remembered, in the slab: its time, evidence handle
 * and one value. A second event within the window creates the detector's state object from the
 * remembered one. A gap longer than the window drops the object: every earlier event is then
 * outside the window for good, so the detector would never count them again.
 */
export class BusyState<S, V> {
  /**
   * `lazy` false (a threshold of one event): the state is created at once and kept.
   * `seed(time, kept, value)` builds the state from the remembered first event.
   */
  constructor(
    private readonly slab: SlabFields,
    private readonly windowMs: number,
    private readonly lazy: boolean,
    private readonly seed: (time: number, kept: unknown, value: V | undefined) => S,
  ) {}

  /**
   * For a counted event of the current source: its state when the source is busy (the caller
   * then applies the event), or undefined when the event was only remembered.
   */
  take(time: number, kept: unknown, value: V): S | undefined {
    const { num, ref, n, r } = this.slab;
    let st = ref[r] as S | undefined;
    const pending = ref[r + 1];
    const last = num[n]!;
    if (st === undefined && pending === undefined) {
      num[n] = time;
      if (!this.lazy) {
        st = this.seed(Number.NaN, undefined, undefined);
        ref[r] = st;
        return st;
      }
      ref[r + 1] = kept;
      ref[r + 2] = value;
      return undefined;
    }
    if (time > last) num[n] = time;
    if (this.lazy && time - last > this.windowMs) {
      // gap: everything before is outside the window from now on
      ref[r] = undefined;
      ref[r + 1] = kept;
      ref[r + 2] = value;
      return undefined;
    }
    if (st === undefined) {
      st = this.seed(last, pending, ref[r + 2] as V);
      ref[r] = st;
      ref[r + 1] = undefined;
      ref[r + 2] = undefined;
    }
    return st;
  }
}
