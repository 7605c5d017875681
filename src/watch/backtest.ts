import { stat } from 'node:fs/promises';
import type { Policy } from '../policy/schema.js';
import type { Classification } from './classify.js';
import type { LineContext } from './decoder.js';
import { isAuthSuccess, type SecurityEvent } from './event.js';
import type { Incident } from './incident.js';
import { type PcapImportSummary, pcapEvents } from './pcap-import.js';
import { Pipeline } from './pipeline.js';
import { SipTransactionTracker } from './sip-transactions.js';
import { readLineChunks } from './sources/lines.js';
import { emptyPcapStats } from './sources/pcap.js';

/**
 * Replays history through the same decoders and detectors as watch. Time is the events' own
 * (a virtual clock): windows, cooldowns and the lag metric never read the wall clock. Several
 * files are merged in event-time order (each file is read in order, lazily).
 */

export interface BacktestOptions {
  policy: Policy;
  files: string[];
  /** Capture files (pcap/pcapng), merged with the logs in event-time order. */
  pcap?: string[];
  /** The PBX's own addresses (which side of captured SIP is the PBX). */
  pbxAddresses?: string[];
  pbx?: string;
  only?: string[];
}

export interface WouldBan {
  source: string;
  /** `ban` or `alert` when spared (trunk, trusted network, authenticated). */
  decision: 'ban' | 'alert';
  detectors: string[];
  incidents: number;
  firstTime: number;
  duration: number;
  reasons: string[];
  trunk?: string;
  trustedNetwork?: string;
  /** The source also authenticated successfully somewhere in the history. */
  authenticated?: { count: number; accounts: string[]; first: number };
}

export interface BacktestResult {
  files: string[];
  lines: number;
  events: number;
  eventsByKind: Record<string, number>;
  formats: Record<string, { lines: number; decoded: number; unmatched: number }>;
  firstEvent?: number;
  lastEvent?: number;
  incidents: Incident[];
  wouldBan: WouldBan[];
  /** One summary per capture file. */
  pcap?: PcapImportSummary[];
}

interface FileCursor {
  /** Log files: chunks of whole lines, decoded as bytes (the buffer is reused chunk after chunk). */
  it?: AsyncGenerator<Buffer>;
  /** Capture files yield events directly. */
  events?: AsyncGenerator<SecurityEvent[]>;
  summary?: PcapImportSummary;
  queue: SecurityEvent[];
  done: boolean;
  ref: number;
  file: string;
  lineNo: number;
  /** Time of the file's newest decoded event (the fallback time of lines without one). */
  lastTime?: number;
}

export async function runBacktest(o: BacktestOptions): Promise<BacktestResult> {
  const incidents: Incident[] = [];
  const success = new Map<string, { count: number; accounts: Set<string>; first: number }>();
  const eventsByKind: Record<string, number> = {};
  const formats: BacktestResult['formats'] = {};
  let first: number | undefined;
  let last: number | undefined;
  let pipeline: Pipeline | undefined;
  pipeline = await Pipeline.create({
    policy: o.policy,
    ...(o.only ? { only: o.only } : {}),
    now: () => pipeline?.newestEventTime ?? 0,
    sinks: [
      {
        event(ev) {
          eventsByKind[ev.kind] = (eventsByKind[ev.kind] ?? 0) + 1;
          first = first === undefined ? ev.time : Math.min(first, ev.time);
          last = last === undefined ? ev.time : Math.max(last, ev.time);
          if (ev.source && isAuthSuccess(ev.kind)) {
            const s = success.get(ev.source.ip) ?? { count: 0, accounts: new Set(), first: ev.time };
            s.count++;
            if (ev.account && s.accounts.size < 10) s.accounts.add(ev.account);
            success.set(ev.source.ip, s);
          }
        },
        incident: (i) => incidents.push(i),
      },
    ],
  });
  const p = pipeline;
  // trunks given by hostname: resolved once, as watch does (unresolvable ones are not matched)
  await p.engine.classifier.resolveHostnames();
  const cursors: FileCursor[] = [];
  for (const f of o.files) {
    const ref = f === '-' ? Date.now() : (await stat(f)).mtimeMs;
    cursors.push({ it: readLineChunks(f), queue: [], done: false, ref, file: f, lineNo: 0 });
  }
  const captures: PcapImportSummary[] = [];
  for (const f of o.pcap ?? []) {
    const tracker = new SipTransactionTracker({
      policy: o.policy,
      ...(o.pbxAddresses ? { pbxAddresses: o.pbxAddresses } : {}),
      ...(o.pbx ? { pbx: o.pbx } : {}),
    });
    const summary: PcapImportSummary = { file: f, pcap: emptyPcapStats(), sip: tracker.stats, events: 0 };
    captures.push(summary);
    const events = pcapEvents(f, {
      tracker,
      decoder: p.decoder,
      stats: summary.pcap,
      ...(o.pbx ? { pbx: o.pbx } : {}),
    });
    cursors.push({ events, summary, queue: [], done: false, ref: 0, file: f, lineNo: 0 });
  }
  let lines = 0;
  const direct = cursors.length === 1 && cursors[0]!.it !== undefined;
  const refill = async (c: FileCursor) => {
    while (!c.done && c.queue.length === 0) {
      if (c.events) {
        const n = await c.events.next();
        if (n.done) {
          c.done = true;
          const s = c.summary!;
          formats['pcap-sip'] ??= { lines: 0, decoded: 0, unmatched: 0 };
          const fc = formats['pcap-sip'];
          fc.lines += s.sip.messages;
          fc.decoded += s.sip.messages - s.sip.malformed;
          fc.unmatched += s.sip.malformed;
          lines += s.sip.messages;
          return;
        }
        c.summary!.events += n.value.length;
        for (const ev of n.value) c.queue.push(ev);
        continue;
      }
      const n = await c.it!.next();
      if (n.done) {
        c.done = true;
        return;
      }
      // each line of the chunk decoded from its bytes (decodeBytes gives what decode() of its
      // text gives; lines no decoder reads never become strings); one context object, reused
      const buf = n.value;
      const end = buf.length;
      const ctx: LineContext = { fallbackTime: c.ref, refTime: c.ref };
      if (o.pbx) ctx.pbx = o.pbx;
      // a single source feeds the detectors line by line (events die young, kept lines are
      // re-decoded when an incident needs them); several are merged through their queues
      for (let s = 0; s < end; ) {
        let nl = buf.indexOf(0x0a, s);
        if (nl < 0) nl = end;
        c.lineNo++;
        if (nl > s) {
          lines++;
          ctx.fallbackTime = c.lastTime ?? c.ref;
          ctx.origin = `${c.file}:${c.lineNo}`;
          const r = direct ? p.lineBytes(buf, s, nl, ctx) : p.decoder.decodeBytes(buf, s, nl, ctx);
          let fc = formats[r.format];
          if (fc === undefined) {
            fc = { lines: 0, decoded: 0, unmatched: 0 };
            formats[r.format] = fc;
          }
          fc.lines++;
          const evs = r.events;
          if (evs.length) {
            fc.decoded++;
            c.lastTime = evs[evs.length - 1]!.time;
            if (!direct) for (const ev of evs) c.queue.push(ev);
          } else if (r.outcome.status !== 'ignored') fc.unmatched++;
        }
        s = nl + 1;
      }
    }
  };
  if (cursors.length === 1) {
    const c = cursors[0]!;
    for (;;) {
      await refill(c);
      if (c.queue.length === 0) break;
      for (const ev of c.queue) p.event(ev);
      c.queue.length = 0;
    }
  } else {
    const heads = cursors.map(() => 0);
    for (;;) {
      let best = -1;
      for (let k = 0; k < cursors.length; k++) {
        const c = cursors[k]!;
        if (heads[k]! >= c.queue.length) {
          c.queue = [];
          heads[k] = 0;
          await refill(c);
        }
        const ev = c.queue[heads[k]!];
        if (ev && (best < 0 || ev.time < cursors[best]!.queue[heads[best]!]!.time)) best = k;
      }
      if (best < 0) break;
      p.event(cursors[best]!.queue[heads[best]!]!);
      heads[best]!++;
    }
  }
  p.lines = lines;
  return {
    files: o.files,
    lines,
    events: p.eventCount,
    eventsByKind,
    formats,
    ...(first !== undefined ? { firstEvent: first } : {}),
    ...(last !== undefined ? { lastEvent: last } : {}),
    incidents,
    wouldBan: wouldBan(incidents, success, (ip) => p.engine.classifier.classify(ip)),
    ...(captures.length ? { pcap: captures } : {}),
  };
}

function wouldBan(
  incidents: Incident[],
  success: Map<string, { count: number; accounts: Set<string>; first: number }>,
  classify: (ip: string) => Classification | undefined,
): WouldBan[] {
  const by = new Map<string, WouldBan>();
  for (const i of incidents) {
    const d = i.decision;
    if (!d.source || (d.action !== 'ban' && !d.spared)) continue;
    let w = by.get(d.source);
    if (!w) {
      w = {
        source: d.source,
        decision: d.action,
        detectors: [],
        incidents: 0,
        firstTime: i.time,
        duration: 0,
        reasons: [],
      };
      const cls = classify(d.source);
      if (cls?.kind === 'trunk') w.trunk = cls.name;
      if (cls?.kind === 'trusted-network') w.trustedNetwork = cls.name;
      const s = success.get(d.source);
      if (s) w.authenticated = { count: s.count, accounts: [...s.accounts], first: s.first };
      by.set(d.source, w);
    }
    if (d.action === 'ban') w.decision = 'ban';
    w.incidents++;
    if (!w.detectors.includes(i.detector)) w.detectors.push(i.detector);
    if (!w.reasons.includes(d.reason)) w.reasons.push(d.reason);
    w.duration = Math.max(w.duration, d.duration ?? 0);
  }
  return [...by.values()].sort((a, b) => a.firstTime - b.firstTime);
}
