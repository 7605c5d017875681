import { readdirSync } from 'node:fs';
import type { Severity } from '../core/severity.js';
import type { Detection, Policy } from '../policy/schema.js';
import { type Classification, Classifier } from './classify.js';
import type { LineDecoder } from './decode.js';
import type { LineContext } from './decoder.js';
import { EVENT_KINDS, type EventKind, isAuthSuccess, type SecurityEvent } from './event.js';
import { type Incident, type IncidentSubject, MAX_INCIDENT_EVENTS } from './incident.js';
import { LruMap, SlotTable } from './state.js';

/**
 * Detectors: one file each under src/watch/detectors/, default export made with
 * defineDetector. They see SecurityEvents in event-time order, keep bounded state (LruMap with
 * the policy's state_cap) and raise incidents through the context, which turns a ban request
 * into a decision that never bans a trunk, a trusted network or (within the policy's window) a
 * source that authenticated successfully.
 */

export interface DetectorDocs {
  /** The attack or risk it catches. */
  why: string;
  /** Which policy keys tune it (`detection.<key>`). */
  tune: string;
}

export interface RaiseInput {
  /** Detector-local key; one incident per key per cooldown. */
  key: string;
  subject: Omit<IncidentSubject, 'key'>;
  severity?: Severity;
  summary: string;
  /** The events that raised it (only the last MAX_INCIDENT_EVENTS are kept). */
  events: SecurityEvent[];
  count?: number;
  sources?: string[];
  /** Request a ban of this source (turned into an alert for trunks, trusted and authenticated). */
  ban?: { source: string; duration: number; reason: string };
  /** Reason for an alert-only incident. */
  alert?: string;
  /** Seconds during which the same key raises no new incident (default 0: only the window). */
  cooldown: number;
  /** Event time of the crossing (default: the newest event's time). */
  time?: number;
}

/**
 * An event kept as possible evidence. Events decoded from a line are kept as that line and its
 * context (a few hundred bytes instead of the event's objects) and decoded again, to the same
 * event, only if an incident is raised; other events are kept as they are.
 */
export type Kept = SecurityEvent | KeptLine;

export class KeptLine {
  constructor(
    readonly line: string,
    /** The line's context without its origin (shared by consecutive lines; see origin). */
    readonly ctx: LineContext,
    /** The line's origin, kept apart: backtest names each line (file:line), the rest does not change. */
    readonly origin: string | undefined,
    /** Index of the event among those the line decodes to. */
    readonly index: number,
    readonly time: number,
  ) {}
}

/** State of one detector for the current event's source (shared record, one lookup per event). */
export interface PerSource<T> {
  /** This detector's state for the source of the event being handled (undefined at first). */
  get(): T | undefined;
  /** Sets it; returns v. */
  set(v: T): T;
}

/**
 * A detector's fields in the engine's per-source slab: `numbers` float64 values and `refs`
 * references per source, zero/undefined for a new source. While a detector handles an event
 * with a source, that source's fields are num[n .. n+numbers) and ref[r .. r+refs). The arrays
 * are shared by all detectors (one source's state sits together in memory) and may be replaced
 * when they grow: read `num`/`ref` from the slab on each event.
 */
export interface SourceSlab {
  num: Float64Array;
  ref: unknown[];
  n: number;
  r: number;
}

export interface DetectorContext {
  policy: Policy;
  detection: Detection;
  /** Keys kept per state map. */
  cap: number;
  classify(ip: string): Classification | undefined;
  /** True when `ip` authenticated successfully within `within` seconds before `time`. */
  authenticatedRecently(ip: string, time: number, within: number): boolean;
  raise(r: RaiseInput): Incident | undefined;
  /** True while `key` is in its cooldown at `time`: raise() would drop it, so skip the work. */
  isCooling(key: string, time: number): boolean;
  /** A bounded map whose evictions are counted in the metrics. */
  lru<K, V>(cap?: number): LruMap<K, V>;
  /**
   * Per-source state in the engine's shared source table (capped at state_cap sources, least
   * recently used evicted): one map lookup per event for all detectors keyed by source.
   */
  perSource<T>(): PerSource<T>;
  /** Numeric and reference fields per source in the shared slab (see SourceSlab). */
  sourceSlab(numbers: number, refs: number): SourceSlab;
  /** Keeps the event being handled as compact evidence (see Kept). */
  keep(ev: SecurityEvent): Kept;
  /** The events behind kept handles, oldest first as given. */
  evidence(list: readonly Kept[]): SecurityEvent[];
}

export interface DetectorInstance {
  onEvent(ev: SecurityEvent): void;
}

export interface DetectorDef {
  /** Stable id, the file name: `brute-force`. */
  id: string;
  title: string;
  severity: Severity;
  docs: DetectorDocs;
  /** False when the policy disables it. */
  enabled(d: Detection, policy: Policy): boolean;
  /** The event kinds it reads (default: all); the engine hands it only those. */
  kinds?: readonly EventKind[];
  create(ctx: DetectorContext): DetectorInstance;
}

export function defineDetector(d: DetectorDef): DetectorDef {
  return d;
}

const FILE = /^[a-z]+(-[a-z0-9]+)*\.(ts|js)$/;
let cache: Promise<DetectorDef[]> | undefined;

export function loadDetectors(): Promise<DetectorDef[]> {
  cache ??= (async () => {
    const base = new URL('./detectors/', import.meta.url);
    const files = readdirSync(base)
      .filter((f) => FILE.test(f) && !f.endsWith('.d.ts'))
      .sort();
    const out: DetectorDef[] = [];
    for (const f of files) {
      const mod = (await import(new URL(f, base).href)) as { default?: DetectorDef };
      const d = mod.default;
      if (!d || typeof d.create !== 'function') throw new Error(`detector file ${f} has no default export`);
      if (d.id !== f.replace(/\.(ts|js)$/, '')) throw new Error(`detector file ${f} declares id ${d.id}`);
      out.push(d);
    }
    return out;
  })();
  return cache;
}

export interface EngineOptions {
  policy: Policy;
  classifier?: Classifier;
  /** Only these detectors (ids). */
  only?: string[];
  onIncident(i: Incident): void;
}

const KIND_INDEX = new Map<string, number>(EVENT_KINDS.map((k, i) => [k, i]));

/**
 * The source table's key for an address: a dotted IPv4 address as its 32-bit value (a small
 * integer: no string hashing, no string comparison in the table), anything else (IPv6, or
 * IPv4 text that is not canonical, e.g. with leading zeros) as its text.
 */
export function sourceKey(ip: string): number | string {
  const n = ip.length;
  if (n < 7 || n > 15) return ip;
  let v = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < n; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255) return ip;
      v = (v << 8) | part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57 && digits < 3 && !(digits === 1 && part === 0)) {
      part = part * 10 + (c - 48);
      digits++;
    } else return ip;
  }
  if (dots !== 3 || digits === 0 || part > 255) return ip;
  return (v << 8) | part;
}

/** Runs every enabled detector on each event; owns the shared bounded state. */
export class DetectionEngine {
  readonly classifier: Classifier;
  private readonly instances: { def: DetectorDef; inst: DetectorInstance }[] = [];
  /** Instances per event kind (index in EVENT_KINDS; the last list: kinds not in EVENT_KINDS). */
  private readonly byKind: DetectorInstance[][];
  private readonly maps: LruMap<unknown, unknown>[] = [];
  private readonly cooling: LruMap<string, number>;
  private readonly authOk: LruMap<string, number>;
  /** Per-source state: a slot per source address, fields in two flat arrays (the slab). */
  private readonly sources: SlotTable<number | string>;
  private readonly slabs: (SourceSlab & { n0: number; r0: number })[] = [];
  private numStride = 0;
  private refStride = 0;
  private num = new Float64Array(0);
  private ref: unknown[] = [];
  private curLine: string | undefined;
  private curCtx: LineContext | undefined;
  private curIndex = 0;
  /** The handle made for the current event (shared by the detectors that keep it). */
  private curKept: KeptLine | undefined;
  private curKeptEvent: SecurityEvent | undefined;
  private ctxIn: LineContext | undefined;
  private ctxCopy: LineContext | undefined;
  /** Decodes kept lines again when evidence is needed (set by the Pipeline). */
  redecoder: LineDecoder | undefined;
  /** When true, incidents are computed (state, cooldowns) but not emitted: warm-up after restart. */
  muted = false;
  /** Ban incidents raised while muted (bounded), for the outputs to see after the warm-up. */
  private held: Incident[] = [];
  incidents = 0;

  constructor(
    readonly defs: DetectorDef[],
    private readonly o: EngineOptions,
  ) {
    const cap = o.policy.detection.state_cap;
    this.classifier = o.classifier ?? new Classifier(o.policy);
    this.cooling = this.lru(cap * 2);
    this.authOk = this.lru(cap);
    this.sources = new SlotTable<number | string>(cap);
    for (const def of defs) {
      if (o.only && !o.only.includes(def.id)) continue;
      if (!def.enabled(o.policy.detection, o.policy)) continue;
      this.instances.push({ def, inst: def.create(this.context(def)) });
    }
    this.sources.onGrow = (slots) => this.grow(slots);
    this.sources.onReset = (slot) => {
      this.num.fill(0, slot * this.numStride, (slot + 1) * this.numStride);
      const r = slot * this.refStride;
      for (let k = 0; k < this.refStride; k++) this.ref[r + k] = undefined;
    };
    this.grow(this.sources.capacity);
    this.byKind = [...EVENT_KINDS, '*'].map((k) =>
      this.instances
        .filter(({ def }) => k === '*' || !def.kinds || def.kinds.includes(k as EventKind))
        .map(({ inst }) => inst),
    );
  }

  static async create(o: EngineOptions): Promise<DetectionEngine> {
    return new DetectionEngine(await loadDetectors(), o);
  }

  get active(): string[] {
    return this.instances.map((i) => i.def.id);
  }

  /** Keys held across every bounded map, and evictions so far (for metrics and benchmarks). */
  stateStats(): { keys: number; evictions: number } {
    let keys = this.slabs.length ? this.sources.size : 0;
    let evictions = this.sources.evictions;
    for (const m of this.maps) {
      keys += m.size;
      evictions += m.evictions;
    }
    return { keys, evictions };
  }

  /** The ban incidents the warm-up re-derived (and forgets them). */
  takeHeld(): Incident[] {
    const h = this.held;
    this.held = [];
    return h;
  }

  /**
   * Runs the detectors on one event. `line`/`ctx`/`index` say which decoded line it is (index:
   * among that line's events): the detectors then keep that line as evidence, not the event.
   */
  onEvent(ev: SecurityEvent, line?: string, ctx?: LineContext, index = 0): void {
    const list = this.byKind[KIND_INDEX.get(ev.kind) ?? EVENT_KINDS.length]!;
    const src = ev.source;
    if (src && isAuthSuccess(ev.kind)) this.authOk.set(src.ip, ev.time);
    if (list.length === 0) return;
    if (src && this.slabs.length > 0) {
      const slot = this.sources.slot(sourceKey(src.ip));
      const n = slot * this.numStride;
      const r = slot * this.refStride;
      for (const sl of this.slabs) {
        sl.n = n + sl.n0;
        sl.r = r + sl.r0;
      }
    }
    if (line !== undefined && this.redecoder) {
      this.curLine = line;
      this.curCtx = ctx;
      this.curIndex = index;
    }
    try {
      for (let i = 0; i < list.length; i++) list[i]!.onEvent(ev);
    } finally {
      this.curKept = undefined;
      this.curKeptEvent = undefined;
      this.curLine = undefined;
      this.curCtx = undefined;
    }
  }

  private lru<K, V>(cap?: number): LruMap<K, V> {
    const m = new LruMap<K, V>(cap ?? this.o.policy.detection.state_cap);
    this.maps.push(m as LruMap<unknown, unknown>);
    return m;
  }

  /** Resizes the slab to `slots` sources (it only grows, up to state_cap). */
  private grow(slots: number): void {
    const num = new Float64Array(slots * this.numStride);
    num.set(this.num.subarray(0, Math.min(this.num.length, num.length)));
    this.num = num;
    const want = slots * this.refStride;
    while (this.ref.length < want) this.ref.push(undefined);
    for (const sl of this.slabs) {
      sl.num = this.num;
      sl.ref = this.ref;
    }
  }

  private keep(ev: SecurityEvent): Kept {
    const line = this.curLine;
    if (line === undefined) return ev;
    if (this.curKept !== undefined && this.curKeptEvent === ev) return this.curKept;
    const ctx = this.curCtx!;
    // a copy of the context without its origin (callers may reuse theirs), shared while it
    // does not change; the origin is kept per line
    let copy = this.ctxCopy;
    if (
      ctx !== this.ctxIn ||
      copy === undefined ||
      copy.fallbackTime !== ctx.fallbackTime ||
      copy.refTime !== ctx.refTime ||
      copy.pbx !== ctx.pbx ||
      copy.format !== ctx.format
    ) {
      copy = { fallbackTime: ctx.fallbackTime, refTime: ctx.refTime };
      if (ctx.pbx !== undefined) copy.pbx = ctx.pbx;
      if (ctx.format !== undefined) copy.format = ctx.format;
      this.ctxIn = ctx;
      this.ctxCopy = copy;
    }
    const k = new KeptLine(line, copy, ctx.origin, this.curIndex, ev.time);
    this.curKept = k;
    this.curKeptEvent = ev;
    return k;
  }

  private evidence(list: readonly Kept[]): SecurityEvent[] {
    const out: SecurityEvent[] = [];
    for (const k of list) {
      if (!(k instanceof KeptLine)) {
        out.push(k);
        continue;
      }
      const ctx = k.origin === undefined ? k.ctx : { ...k.ctx, origin: k.origin };
      const ev = this.redecoder?.decode(k.line, ctx).events[k.index];
      if (ev) out.push(ev);
    }
    return out;
  }

  /** Reserves fields in the per-source slab (while detectors are created). */
  private slab(numbers: number, refs: number): SourceSlab {
    const sl = { num: this.num, ref: this.ref, n: 0, r: 0, n0: this.numStride, r0: this.refStride };
    this.numStride += numbers;
    this.refStride += refs;
    this.slabs.push(sl);
    return sl;
  }

  private context(def: DetectorDef): DetectorContext {
    const { policy } = this.o;
    const detection = policy.detection;
    return {
      policy,
      detection,
      cap: detection.state_cap,
      classify: (ip) => this.classifier.classify(ip),
      authenticatedRecently: (ip, time, within) => {
        const t = this.authOk.peek(ip);
        return t !== undefined && time - t <= within * 1000 && time >= t - 1000;
      },
      lru: <K, V>(cap?: number) => this.lru<K, V>(cap),
      raise: (r) => this.raise(def, r),
      isCooling: (key, time) => {
        const until = this.cooling.peek(`${def.id}\u0000${key}`);
        return until !== undefined && time < until;
      },
      sourceSlab: (numbers, refs) => this.slab(numbers, refs),
      perSource: <T>(): PerSource<T> => {
        const sl = this.slab(0, 1);
        return {
          get: () => sl.ref[sl.r] as T | undefined,
          set: (v: T) => {
            sl.ref[sl.r] = v;
            return v;
          },
        };
      },
      keep: (ev) => this.keep(ev),
      evidence: (list) => this.evidence(list),
    };
  }

  private raise(def: DetectorDef, r: RaiseInput): Incident | undefined {
    const events = r.events.slice(-MAX_INCIDENT_EVENTS);
    const last = events[events.length - 1];
    const time = r.time ?? last?.time ?? 0;
    const ck = `${def.id}\u0000${r.key}`;
    const until = this.cooling.peek(ck);
    if (until !== undefined && time < until) return undefined;
    this.cooling.set(ck, time + r.cooldown * 1000);
    let severity = r.severity ?? def.severity;
    let decision: Incident['decision'];
    if (r.ban) {
      const cls = this.classifier.classify(r.ban.source);
      const spareWindow = this.o.policy.detection.spare_authenticated;
      if (cls) {
        decision = {
          action: 'alert',
          source: r.ban.source,
          reason: `${r.ban.reason}; never banned: ${cls.kind === 'trunk' ? 'trunk' : 'trusted network'} '${cls.name}'`,
          spared: { why: cls.kind, name: cls.name },
        };
        severity = 'info';
      } else if (spareWindow > 0 && this.authOkWithin(r.ban.source, time, spareWindow)) {
        decision = {
          action: 'alert',
          source: r.ban.source,
          reason: `${r.ban.reason}; not banned: this source authenticated successfully in the last ${spareWindow} s (shared NAT?)`,
          spared: { why: 'authenticated' },
        };
      } else {
        decision = { action: 'ban', source: r.ban.source, reason: r.ban.reason, duration: r.ban.duration };
      }
    } else {
      decision = { action: 'alert', reason: r.alert ?? r.summary };
    }
    const subject: IncidentSubject = { ...r.subject, key: r.key };
    const incident: Incident = {
      id: `${def.id}:${r.key}:${time}`,
      detector: def.id,
      title: def.title,
      severity,
      time,
      firstSeen: events[0]?.time ?? time,
      subject,
      summary: r.summary,
      count: r.count ?? r.events.length,
      events,
      decision,
    };
    if (r.sources) incident.sources = r.sources;
    if (this.muted) {
      if (decision.action === 'ban' && this.held.length < this.o.policy.detection.state_cap)
        this.held.push(incident);
      return incident;
    }
    this.incidents++;
    this.o.onIncident(incident);
    return incident;
  }

  private authOkWithin(ip: string, time: number, within: number): boolean {
    const t = this.authOk.peek(ip);
    return t !== undefined && time - t <= within * 1000;
  }
}

/** `*` wildcards to a RegExp (account patterns in the policy). */
export function wildcard(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
}
