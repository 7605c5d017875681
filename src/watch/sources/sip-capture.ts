import type { HepPacket } from '../../hep/codec.js';
import { canonicalIp, type NetEndpoint, type Transport } from '../event.js';
import type { SipCapture } from '../sip.js';

/** HEP chunk 2 (IP protocol number) to the transport it carried. */
export function transportOfProto(proto: number | undefined): Transport | undefined {
  return proto === 6 ? 'tcp' : proto === 17 ? 'udp' : proto === 132 ? 'sctp' : undefined;
}

/** The event time of a HEP packet (its own timestamp chunks), or `fallback`. */
export function hepTime(p: HepPacket, fallback: number): number {
  return p.timeSec !== undefined ? p.timeSec * 1000 + Math.floor((p.timeUsec ?? 0) / 1000) : fallback;
}

/**
 * A HEP SIP packet (protocol type 1) as a SipCapture: the addresses and ports come from the HEP
 * chunks only. Returns the reason when the packet cannot be used.
 */
export function hepSipCapture(
  p: HepPacket,
  o: { origin: string; fallbackTime: number; agent?: string; format?: string },
): SipCapture | string {
  if (!p.payload) return 'hep sip packet without payload';
  const tr = transportOfProto(p.ipProto);
  const srcIp = p.srcIp !== undefined ? canonicalIp(p.srcIp) : undefined;
  const dstIp = p.dstIp !== undefined ? canonicalIp(p.dstIp) : undefined;
  if (!srcIp || !dstIp) return 'hep sip packet without addresses';
  const src: NetEndpoint = { ip: srcIp };
  const dst: NetEndpoint = { ip: dstIp };
  if (p.srcPort !== undefined) src.port = p.srcPort;
  if (p.dstPort !== undefined) dst.port = p.dstPort;
  if (tr) {
    src.transport = tr;
    dst.transport = tr;
  }
  const cap: SipCapture = {
    time: hepTime(p, o.fallbackTime),
    src,
    dst,
    payload: p.payload,
    origin: o.origin,
  };
  if (p.correlationId) cap.correlationId = p.correlationId;
  if (p.captureId !== undefined) cap.captureId = p.captureId;
  if (p.nodeName) cap.nodeName = p.nodeName;
  const agent = o.agent !== undefined ? canonicalIp(o.agent) : undefined;
  if (agent) cap.agent = agent;
  if (o.format) cap.format = o.format;
  return cap;
}

/** `1.2.3.4:5060` / `[2001:db8::1]:5060` (a listener peer) to its IP. */
export function peerIp(peer: string): string | undefined {
  const m = /^\[?([^\]]+?)\]?:\d+$/.exec(peer);
  return m ? canonicalIp(m[1]!) : canonicalIp(peer);
}
