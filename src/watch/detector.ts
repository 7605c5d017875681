import { readdirSync } from 'node:fs';
import type { Severity } from '../core/severity.js';
import type { Detection, Policy } from '../policy/schema.js';
import { type Classification, Classifier } from './classify.js';
import { isAuthSuccess, type SecurityEvent } from './event.js';
import { type Incident, type IncidentSubject, MAX_INCIDENT_EVENTS } from './incident.js';
import { LruMap } from './state.js';

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

/** Runs every enabled detector on each event; owns the shared bounded state. */
export class DetectionEngine {
  readonly classifier: Classifier;
  private readonly instances: { def: DetectorDef; inst: DetectorInstance }[] = [];
  private readonly maps: LruMap<unknown, unknown>[] = [];
  private readonly cooling: LruMap<string, number>;
  private readonly authOk: LruMap<string, number>;
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
    for (const def of defs) {
      if (o.only && !o.only.includes(def.id)) continue;
      if (!def.enabled(o.policy.detection, o.policy)) continue;
      this.instances.push({ def, inst: def.create(this.context(def)) });
    }
  }

  static async create(o: EngineOptions): Promise<DetectionEngine> {
    return new DetectionEngine(await loadDetectors(), o);
  }

  get active(): string[] {
    return this.instances.map((i) => i.def.id);
  }

  /** Keys held across every bounded map, and evictions so far (for metrics and benchmarks). */
  stateStats(): { keys: number; evictions: number } {
    let keys = 0;
    let evictions = 0;
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

  onEvent(ev: SecurityEvent): void {
    if (ev.source && isAuthSuccess(ev.kind)) this.authOk.set(ev.source.ip, ev.time);
    for (const { inst } of this.instances) inst.onEvent(ev);
  }

  private lru<K, V>(cap?: number): LruMap<K, V> {
    const m = new LruMap<K, V>(cap ?? this.o.policy.detection.state_cap);
    this.maps.push(m as LruMap<unknown, unknown>);
    return m;
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
