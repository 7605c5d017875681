import { decodeHep, type HepDecodeResult, HepStreamDecoder } from '../../hep/codec.js';
import { Defragmenter, decodeFrame, type Transport as Packet } from '../../pcap/packet.js';
import { readPcap } from '../../pcap/reader.js';
import { TcpStream } from '../../pcap/tcp.js';
import { StreamFramer } from '../../sip/framer.js';
import { canonicalIp } from '../event.js';
import type { SipCapture } from '../sip.js';
import { hepSipCapture, hepTime } from './sip-capture.js';

/**
 * Offline capture import: SIP over UDP and TCP (each direction of a connection reassembled in
 * order, then framed by Content-Length), and HEP captured on the wire (UDP, or a TCP stream; the
 * inner packet's addresses are used, the outer source tells which side is the capture agent).
 * TLS and WebSocket connections cannot be read from a capture and are counted, not guessed.
 * The addresses are always the IP header's (or the HEP chunks'), never the SIP text's.
 */

export type PcapItem =
  | { kind: 'sip'; capture: SipCapture }
  /** A HEP log payload (type 100) found in the capture. */
  | { kind: 'log'; line: string; time: number; origin: string };

export interface PcapStats {
  frames: number;
  udp: number;
  tcp: number;
  sipMessages: number;
  hepPackets: number;
  /** Frames not used, by reason (non-IP, other protocols, not SIP, ...). */
  skipped: Record<string, number>;
  tlsConnections: number;
  websocketConnections: number;
  /** TCP bytes never captured (the stream resynchronised after them). */
  tcpGaps: number;
  /** SIP framing errors on TCP streams (the stream resynchronised). */
  framingErrors: number;
  fragmentsDropped: number;
}

export function emptyPcapStats(): PcapStats {
  return {
    frames: 0,
    udp: 0,
    tcp: 0,
    sipMessages: 0,
    hepPackets: 0,
    skipped: {},
    tlsConnections: 0,
    websocketConnections: 0,
    tcpGaps: 0,
    framingErrors: 0,
    fragmentsDropped: 0,
  };
}

type FlowMode = 'sip' | 'hep' | 'tls' | 'ws' | 'other';

interface Flow {
  stream: TcpStream;
  mode?: FlowMode;
  framer?: StreamFramer;
  hep?: HepStreamDecoder;
  hepOut?: HepDecodeResult[];
  resync: boolean;
  /** Chunks seen without telling what the stream carries (a capture that began mid-stream). */
  probes: number;
  /** The last bytes of a chunk searched in vain for a start line (at most 512). */
  carry?: Buffer;
}

/** Chunks of a connection looked at before it is declared "not SIP". */
const MAX_PROBES = 16;

const MAX_FLOWS = 4096;
/** A SIP start line: `METHOD uri SIP/2.0` or `SIP/2.0 NNN`. */
const START_LINE = /(?:^|\r?\n)(?:[A-Z][A-Z0-9._!%*+`'~-]{0,31} [^\s]+ SIP\/2\.0\r?\n|SIP\/2\.0 \d{3} )/;

/** Does this payload begin like a SIP message? */
export function looksLikeSip(b: Buffer): boolean {
  if (b.length < 12) return false;
  const head = b.toString('latin1', 0, Math.min(b.length, 512));
  const m = START_LINE.exec(head);
  return m !== null && m.index === 0 && !/^\r?\n/.test(m[0]);
}

export interface PcapImportOptions {
  /** Frames per yielded batch (default 512). */
  batch?: number;
}

/** Reads a capture file and yields what watch can decode, in capture order, in batches. */
export async function* pcapItems(
  file: string,
  stats: PcapStats = emptyPcapStats(),
  o: PcapImportOptions = {},
): AsyncGenerator<PcapItem[]> {
  const defrag = new Defragmenter();
  const flows = new Map<string, Flow>();
  const batchSize = o.batch ?? 512;
  let batch: PcapItem[] = [];
  let lastTime = 0;
  const skip = (why: string) => {
    stats.skipped[why] = (stats.skipped[why] ?? 0) + 1;
  };
  const sipCapture = (p: Packet, payload: Buffer, time: number, frame: number): SipCapture | undefined => {
    const src = canonicalIp(p.ip.src);
    const dst = canonicalIp(p.ip.dst);
    if (!src || !dst) return undefined;
    const tr = p.kind;
    return {
      time,
      src: { ip: src, port: p.sport, transport: tr },
      dst: { ip: dst, port: p.dport, transport: tr },
      payload,
      origin: `pcap:${file}#${frame}`,
      format: 'pcap-sip',
    };
  };
  const fromHep = (r: HepDecodeResult, outer: Packet, time: number, frame: number) => {
    stats.hepPackets++;
    if (!r.ok) {
      skip(`HEP packet malformed (${r.error.code})`);
      return;
    }
    const h = r.packet;
    if (!h.payload) return; // keepalive
    const origin = `pcap:${file}#${frame} hep from ${outer.ip.src}`;
    if (h.protoType === 1) {
      const cap = hepSipCapture(h, { origin, fallbackTime: time, agent: outer.ip.src, format: 'pcap-sip' });
      if (typeof cap === 'string') skip(cap);
      else {
        stats.sipMessages++;
        batch.push({ kind: 'sip', capture: cap });
      }
    } else if (h.protoType === 100) {
      const t = hepTime(h, time);
      for (const line of h.payload.toString('utf8').split('\n'))
        if (line.trim()) batch.push({ kind: 'log', line, time: t, origin });
    } else skip(`HEP protocol type ${h.protoType ?? 'missing'}`);
  };

  for await (const rec of readPcap(file)) {
    stats.frames++;
    const time = rec.time ?? lastTime;
    lastTime = time;
    const f = decodeFrame(rec.linkType, rec.data, defrag, time);
    stats.fragmentsDropped = defrag.dropped;
    if (!f.ok) {
      if ('reason' in f) skip(f.reason);
    } else {
      const p = f.packet;
      if (p.kind === 'udp') {
        stats.udp++;
        const pl = p.payload;
        if (pl.length >= 6 && pl.toString('latin1', 0, 4) === 'HEP3')
          fromHep(decodeHep(pl), p, time, rec.frame);
        else if (looksLikeSip(pl)) {
          const cap = sipCapture(p, Buffer.from(pl), time, rec.frame);
          if (cap) {
            stats.sipMessages++;
            batch.push({ kind: 'sip', capture: cap });
          }
        } else
          skip(
            pl.length <= 4 && /^[\r\n]*$/.test(pl.toString('latin1'))
              ? 'SIP keep-alive'
              : 'UDP payload is not SIP or HEP',
          );
      } else {
        stats.tcp++;
        const key = `${p.ip.src}|${p.sport}|${p.ip.dst}|${p.dport}`;
        let flow = flows.get(key);
        if (flow) {
          flows.delete(key);
          flows.set(key, flow);
        } else {
          flow = { stream: new TcpStream(), resync: false, probes: 0 };
          flows.set(key, flow);
          if (flows.size > MAX_FLOWS) flows.delete(flows.keys().next().value as string);
        }
        const gapsBefore = flow.stream.gaps;
        for (const chunk of flow.stream.push(p.seq, p.syn, p.payload)) {
          tcpChunk(flow, chunk.data, chunk.gap, p, time, rec.frame);
        }
        stats.tcpGaps += flow.stream.gaps - gapsBefore;
        if (p.fin || p.rst) flows.delete(key);
      }
    }
    if (batch.length >= batchSize || stats.frames % batchSize === 0) {
      if (batch.length) yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;

  function tcpChunk(flow: Flow, chunk: Buffer, gap: boolean, p: Packet, time: number, frame: number): void {
    // bytes kept from the previous chunk while looking for a start line (it may be split)
    let data = chunk;
    if (flow.carry) {
      if (!gap) data = Buffer.concat([flow.carry, chunk]);
      flow.carry = undefined;
    }
    const keepTail = (b: Buffer) => {
      flow.carry = Buffer.from(b.subarray(Math.max(0, b.length - 512)));
    };
    if (flow.mode === undefined) {
      const s = data.toString('latin1', 0, Math.min(data.length, 512));
      if (/^[\r\n]*$/.test(s)) return;
      if (s.startsWith('HEP3')) flow.mode = 'hep';
      else if (data[1] === 3 && data[0]! >= 0x14 && data[0]! <= 0x17 && data[2]! <= 4) {
        // a TLS record (handshake, or application data when the capture began mid-connection)
        flow.mode = 'tls';
        stats.tlsConnections++;
      } else if (/^GET [^\r\n]* HTTP\/1\.1\r\n/.test(s) || /^HTTP\/1\.1 101/.test(s)) {
        flow.mode = 'ws';
        if (s.startsWith('GET')) stats.websocketConnections++;
      } else if (looksLikeSip(data)) flow.mode = 'sip';
      else {
        // the capture may have begun in the middle of a message: look for a start line or HEP
        const text = data.toString('latin1');
        if (START_LINE.test(text)) {
          flow.mode = 'sip';
          flow.resync = true;
        } else if (text.includes('HEP3')) flow.mode = 'hep';
        else if (++flow.probes >= MAX_PROBES) {
          flow.mode = 'other';
          skip('TCP stream is not SIP, HEP, TLS or WebSocket');
        }
        if (flow.mode === undefined) {
          keepTail(data);
          return;
        }
      }
    }
    if (flow.mode === 'hep') {
      flow.hepOut ??= [];
      flow.hep ??= new HepStreamDecoder({}, (r) => flow.hepOut!.push(r));
      flow.hep.push(data);
      for (const r of flow.hepOut.splice(0)) fromHep(r, p, time, frame);
      return;
    }
    if (flow.mode !== 'sip') return;
    let d = data;
    if (gap || flow.resync || !flow.framer) {
      if (gap || flow.resync) {
        // resynchronise on the next start line
        const m = START_LINE.exec(d.toString('latin1'));
        if (!m) {
          flow.resync = true;
          keepTail(d);
          return;
        }
        const at = m.index + (m[0].startsWith('\r\n') ? 2 : m[0].startsWith('\n') ? 1 : 0);
        d = d.subarray(at);
      }
      flow.framer = new StreamFramer();
      flow.resync = false;
    }
    for (const ev of flow.framer.push(d)) {
      if (ev.type === 'message') {
        const cap = sipCapture(p, ev.bytes, time, frame);
        if (cap) {
          stats.sipMessages++;
          batch.push({ kind: 'sip', capture: cap });
        }
      } else if (ev.type === 'error') {
        stats.framingErrors++;
        flow.resync = true;
      }
    }
  }
}
