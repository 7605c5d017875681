import type { NetEndpoint, SecurityEvent } from './event.js';

/**
 * SIP seen on the wire (HEP type 1 today, pcap import later). The addresses come from the
 * capture (HEP chunks / IP header), never from the SIP text.
 */
export interface SipCapture {
  time: number;
  src: NetEndpoint;
  dst: NetEndpoint;
  payload: Buffer;
  correlationId?: string;
  captureId?: number;
  nodeName?: string;
  /** e.g. `hep:udp://127.0.0.1:9060 from 10.0.0.5:47000`. */
  origin: string;
  /**
   * IP address the capture came from: the HEP sender (the capture agent, usually the PBX host)
   * or, for HEP captured inside a pcap, the outer IP source. Used only to tell which side of the
   * packet is the PBX, never as an event source.
   */
  agent?: string;
  /** Evidence format label (default `hep-sip`; pcap import uses `pcap-sip`). */
  format?: string;
}

export type SipDecodeResult = { events: SecurityEvent[] } | { undecoded: string };

/**
 * Turns SIP messages into SecurityEvents by following transactions: REGISTER, 401, REGISTER
 * with credentials, 403 = failed auth; 404 = unknown user; 200 to REGISTER = registration with
 * contact, User-Agent and transport; INVITE destination and outcome; SDP media protection. The
 * source of a request is the capture's src; of a response, its dst.
 *
 * `SipTransactionTracker` (sip-transactions.ts) implements it on the SIP parser (src/sip) and is
 * what watch uses; `unavailableSipDecoder` counts every SIP payload as undecoded (a stand-in for
 * tests and for builds that leave SIP decoding out).
 */
export interface SipTransactionDecoder {
  readonly available: boolean;
  decode(msg: SipCapture): SipDecodeResult;
  /** Expires transactions that never completed (bounded state); called with event time. */
  expire?(now: number): SecurityEvent[];
}

export const SIP_UNAVAILABLE = 'sip parser not available';

export const unavailableSipDecoder: SipTransactionDecoder = {
  available: false,
  decode: () => ({ undecoded: SIP_UNAVAILABLE }),
};
