import { stat } from 'node:fs/promises';
import type { Policy } from '../policy/schema.js';
import { Classifier } from './classify.js';
import { LineDecoder } from './decode.js';
import { isAuthFailure, isAuthSuccess, type SecurityEvent } from './event.js';
import { readLineBatches } from './sources/lines.js';

/**
 * Learns the site's busy-hour rates from history and proposes detection thresholds (peak times
 * a buffer, never below a floor). Only legitimate traffic sets the peaks: sources that
 * authenticated successfully somewhere in the history, trunks and trusted networks, and events
 * without a source; everything else (scanners, guessers) is counted but excluded.
 */

export interface BaselineOptions {
  policy: Policy;
  files: string[];
  /** Multiplier on the observed peak (default 2). */
  buffer?: number;
}

export interface Proposal {
  path: string;
  value: number;
  window: number;
  peak: number;
  floor: number;
  note?: string;
}

export interface BaselineResult {
  files: string[];
  lines: number;
  events: number;
  first?: number;
  last?: number;
  legitimateSources: number;
  excludedSources: number;
  excludedEvents: number;
  /** Hour of day (process time zone) -> busiest day's event count and peak per 10 s. */
  hours: { hour: number; events: number; day: string; peak10s: number }[];
  proposals: Proposal[];
  buffer: number;
}

/** Peak count per tumbling window for each key. */
class Peaks {
  private readonly cur = new Map<string, { bucket: number; n: number }>();
  peak = 0;
  constructor(private readonly windowMs: number) {}
  hit(key: string, t: number): void {
    const b = Math.floor(t / this.windowMs);
    const c = this.cur.get(key);
    if (!c || c.bucket !== b) {
      this.cur.set(key, { bucket: b, n: 1 });
      if (this.peak < 1) this.peak = 1;
      return;
    }
    c.n++;
    if (c.n > this.peak) this.peak = c.n;
  }
}

/** Peak distinct values per tumbling window for each key. */
class DistinctPeaks {
  private readonly cur = new Map<string, { bucket: number; set: Set<string> }>();
  peak = 0;
  constructor(private readonly windowMs: number) {}
  hit(key: string, value: string, t: number): void {
    const b = Math.floor(t / this.windowMs);
    let c = this.cur.get(key);
    if (!c || c.bucket !== b) {
      c = { bucket: b, set: new Set() };
      this.cur.set(key, c);
    }
    c.set.add(value);
    if (c.set.size > this.peak) this.peak = c.set.size;
  }
}

async function* eventsOf(
  files: string[],
  decoder: LineDecoder,
): AsyncGenerator<SecurityEvent[], void, undefined> {
  for (const f of files) {
    const ref = f === '-' ? Date.now() : (await stat(f)).mtimeMs;
    let lastTime = ref;
    for await (const batch of readLineBatches(f)) {
      const out: SecurityEvent[] = [];
      for (const line of batch) {
        if (!line) continue;
        const r = decoder.decode(line, { fallbackTime: lastTime, refTime: ref });
        for (const ev of r.events) {
          out.push(ev);
          lastTime = ev.time;
        }
      }
      yield out;
    }
  }
}

export async function runBaseline(o: BaselineOptions): Promise<BaselineResult> {
  const buffer = o.buffer ?? 2;
  const d = o.policy.detection;
  const decoder = await LineDecoder.create();
  const classifier = new Classifier(o.policy);
  await classifier.resolveHostnames();
  // pass 1: who is legitimate
  const legit = new Set<string>();
  const all = new Set<string>();
  let lines = 0;
  for (const f of o.files) {
    for await (const b of readLineBatches(f)) lines += b.filter(Boolean).length;
  }
  for await (const batch of eventsOf(o.files, decoder)) {
    for (const ev of batch) {
      if (!ev.source) continue;
      if (all.size < 1_000_000) all.add(ev.source.ip);
      if (isAuthSuccess(ev.kind) || classifier.classify(ev.source.ip)) legit.add(ev.source.ip);
    }
  }
  // pass 2: peaks of legitimate traffic
  const perSource = new Peaks(d.request_flood.per_source.window * 1000);
  const global = new Peaks(d.request_flood.global.window * 1000);
  const failures = new Peaks(d.brute_force.window * 1000);
  const accounts = new DistinctPeaks(d.enumeration.window * 1000);
  const callFail = new Peaks(d.call_failures.window * 1000);
  const calls = new Peaks(d.toll_fraud.call_duration * 1000);
  const hourly = new Map<string, number>(); // "YYYY-MM-DD HH" -> events
  const tenS = new Map<number, Peaks>();
  let events = 0;
  let excludedEvents = 0;
  let first: number | undefined;
  let last: number | undefined;
  for await (const batch of eventsOf(o.files, decoder)) {
    for (const ev of batch) {
      events++;
      if (ev.source && !legit.has(ev.source.ip)) {
        excludedEvents++;
        continue;
      }
      first = first === undefined ? ev.time : Math.min(first, ev.time);
      last = last === undefined ? ev.time : Math.max(last, ev.time);
      const dt = new Date(ev.time);
      const day = `${dt.getFullYear()}-${String(dt.getMonth() + 1).padStart(2, '0')}-${String(dt.getDate()).padStart(2, '0')}`;
      const h = dt.getHours();
      const hk = `${day} ${h}`;
      hourly.set(hk, (hourly.get(hk) ?? 0) + 1);
      let hp = tenS.get(h);
      if (!hp) {
        hp = new Peaks(10_000);
        tenS.set(h, hp);
      }
      hp.hit('all', ev.time);
      global.hit('all', ev.time);
      if (ev.source) {
        perSource.hit(ev.source.ip, ev.time);
        // trunks and trusted networks are never banned: their failures must not raise thresholds
        const spared = classifier.classify(ev.source.ip) !== undefined;
        if (!spared && isAuthFailure(ev.kind)) failures.hit(ev.source.ip, ev.time);
        if (!spared && ev.account && ev.kind !== 'call-attempt')
          accounts.hit(ev.source.ip, ev.account, ev.time);
      }
      if (ev.sip?.code && ev.sip.code >= 400 && (ev.kind === 'call-rejected' || ev.sip.method === 'INVITE'))
        callFail.hit(String(ev.sip.code), ev.time);
      if (ev.kind === 'call-attempt' && ev.account) calls.hit(ev.account, ev.time);
    }
  }
  const hours: BaselineResult['hours'] = [];
  for (let h = 0; h < 24; h++) {
    let best = 0;
    let bestDay = '';
    for (const [k, n] of hourly) {
      const [day, hh] = k.split(' ');
      if (Number(hh) === h && n > best) {
        best = n;
        bestDay = day!;
      }
    }
    hours.push({ hour: h, events: best, day: bestDay, peak10s: tenS.get(h)?.peak ?? 0 });
  }
  const propose = (
    path: string,
    peak: number,
    window: number,
    floor: number,
    current: number,
    note?: string,
  ): Proposal =>
    peak === 0
      ? {
          path,
          value: current,
          window,
          peak,
          floor,
          note: 'no such traffic in these logs: the current value is kept',
        }
      : {
          path,
          value: Math.max(floor, Math.ceil(peak * buffer)),
          window,
          peak,
          floor,
          ...(note ? { note } : {}),
        };
  const dd = d;
  const proposals = [
    propose(
      'request_flood.per_source',
      perSource.peak,
      dd.request_flood.per_source.window,
      20,
      dd.request_flood.per_source.max,
    ),
    propose(
      'request_flood.global',
      global.peak,
      dd.request_flood.global.window,
      100,
      dd.request_flood.global.max,
    ),
    propose(
      'brute_force',
      failures.peak,
      dd.brute_force.window,
      5,
      dd.brute_force.failures,
      'failed logins of an authenticated source; trunks and trusted networks excluded',
    ),
    propose(
      'enumeration',
      accounts.peak,
      dd.enumeration.window,
      5,
      dd.enumeration.accounts,
      'distinct accounts named by a legitimate source',
    ),
    propose('call_failures', callFail.peak, dd.call_failures.window, 10, dd.call_failures.max),
    propose(
      'toll_fraud.concurrent_calls',
      calls.peak,
      dd.toll_fraud.call_duration,
      2,
      dd.toll_fraud.concurrent_calls,
      'calls started per account',
    ),
  ];
  return {
    files: o.files,
    lines,
    events,
    ...(first !== undefined ? { first } : {}),
    ...(last !== undefined ? { last } : {}),
    legitimateSources: legit.size,
    excludedSources: all.size - legit.size,
    excludedEvents,
    hours,
    proposals,
    buffer,
  };
}

function dur(s: number): string {
  if (s % 86400 === 0) return `${s / 86400}d`;
  if (s % 3600 === 0) return `${s / 3600}h`;
  if (s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}

/** The YAML snippet for the policy, with the measurements as comments. */
export function baselineYaml(r: BaselineResult): string {
  const iso = (t?: number) => (t === undefined ? '-' : new Date(t).toISOString());
  const p = Object.fromEntries(r.proposals.map((x) => [x.path, x]));
  const c = (x: Proposal) =>
    x.peak === 0
      ? `# ${x.note}`
      : `# peak ${x.peak} per ${dur(x.window)} x${r.buffer}${x.value === x.floor && Math.ceil(x.peak * r.buffer) < x.floor ? `, raised to the floor ${x.floor}` : ''}${x.note ? ` (${x.note})` : ''}`;
  const busiest = [...r.hours].sort((a, b) => b.events - a.events)[0];
  const out = [
    `# hardline baseline: ${r.files.length} file(s), ${r.lines} lines, ${r.events} events, ${iso(r.first)} .. ${iso(r.last)}`,
    `# legitimate sources (authenticated, trunks, trusted networks): ${r.legitimateSources}; excluded from the peaks: ${r.excludedSources} other sources (${r.excludedEvents} events)`,
    '# hour  busiest-day-events  peak/10s',
    ...r.hours
      .filter((h) => h.events > 0)
      .map(
        (h) =>
          `#  ${String(h.hour).padStart(2, '0')}   ${String(h.events).padStart(8)} (${h.day})  ${String(h.peak10s).padStart(6)}`,
      ),
    ...(busiest && busiest.events > 0
      ? [
          `# busy hour: ${String(busiest.hour).padStart(2, '0')}:00 (${busiest.events} events on ${busiest.day})`,
        ]
      : []),
    "# review, then paste under the policy's detection: section",
    'detection:',
    '  request_flood:',
    `    per_source: { max: ${p['request_flood.per_source']!.value}, window: ${dur(p['request_flood.per_source']!.window)} }  ${c(p['request_flood.per_source']!)}`,
    `    global: { max: ${p['request_flood.global']!.value}, window: ${dur(p['request_flood.global']!.window)} }  ${c(p['request_flood.global']!)}`,
    `  brute_force: { failures: ${p['brute_force']!.value}, window: ${dur(p['brute_force']!.window)} }  ${c(p['brute_force']!)}`,
    `  enumeration: { accounts: ${p['enumeration']!.value}, window: ${dur(p['enumeration']!.window)} }  ${c(p['enumeration']!)}`,
    `  call_failures: { max: ${p['call_failures']!.value}, window: ${dur(p['call_failures']!.window)} }  ${c(p['call_failures']!)}`,
    `  toll_fraud: { concurrent_calls: ${p['toll_fraud.concurrent_calls']!.value} }  ${c(p['toll_fraud.concurrent_calls']!)}`,
  ];
  return `${out.join('\n')}\n`;
}
