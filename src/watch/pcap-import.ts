import type { LineDecoder } from './decode.js';
import type { SecurityEvent } from './event.js';
import type { SipTransactionTracker } from './sip-transactions.js';
import { emptyPcapStats, type PcapStats, pcapItems } from './sources/pcap.js';

/**
 * A capture file as a stream of SecurityEvents: SIP through the transaction tracker, HEP log
 * payloads through the log decoders. Transactions still open at the end of the file are
 * reported as unanswered. Used by `watch --pcap` and `backtest --pcap`.
 */

export interface PcapEventsOptions {
  tracker: SipTransactionTracker;
  decoder: LineDecoder;
  pbx?: string;
  stats?: PcapStats;
  /** Called for every capture that could not be decoded, with the reason. */
  onUndecoded?(reason: string): void;
}

export interface PcapImportSummary {
  file: string;
  pcap: PcapStats;
  sip: SipTransactionTracker['stats'];
  events: number;
  firstTime?: number;
  lastTime?: number;
}

export async function* pcapEvents(file: string, o: PcapEventsOptions): AsyncGenerator<SecurityEvent[]> {
  const stats = o.stats ?? emptyPcapStats();
  for await (const batch of pcapItems(file, stats)) {
    const out: SecurityEvent[] = [];
    for (const item of batch) {
      if (item.kind === 'sip') {
        const r = o.tracker.decode(item.capture);
        if ('undecoded' in r) o.onUndecoded?.(r.undecoded);
        else for (const ev of r.events) out.push(ev);
      } else {
        const r = o.decoder.decode(item.line, {
          fallbackTime: item.time,
          refTime: item.time,
          origin: item.origin,
          ...(o.pbx ? { pbx: o.pbx } : {}),
        });
        for (const ev of r.events) out.push(ev);
        if (r.events.length === 0 && r.outcome.status !== 'ignored')
          o.onUndecoded?.('hep log line not decoded');
      }
    }
    if (out.length) yield out;
  }
  const rest = o.tracker.flush();
  if (rest.length) yield rest;
}

/** Human summary of an import, one line. */
export function pcapSummaryLine(s: PcapImportSummary): string {
  const p = s.pcap;
  const skipped = Object.entries(p.skipped)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const notes = [
    p.tlsConnections ? `${p.tlsConnections} TLS connection(s) not readable` : '',
    p.websocketConnections ? `${p.websocketConnections} WebSocket connection(s) not decoded` : '',
    p.tcpGaps ? `${p.tcpGaps} TCP gap(s)` : '',
    s.sip.malformed ? `${s.sip.malformed} malformed SIP` : '',
  ].filter(Boolean);
  return `${s.file}: ${p.frames} frames, ${p.sipMessages} SIP messages (${p.udp} UDP, ${p.tcp} TCP frames; ${p.hepPackets} HEP), ${s.events} events${notes.length ? `; ${notes.join('; ')}` : ''}${skipped ? `; skipped: ${skipped}` : ''}`;
}
