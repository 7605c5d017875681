import { deflateSync, unzipSync } from 'node:zlib';

/**
 * HEP v3 (Homer Encapsulation Protocol) codec: `HEP3`, uint16 total length, then chunks of
 * vendor uint16, type uint16, length uint16 (including the 6-byte chunk header) and the value.
 * decode() never throws: malformed input gives a typed error with the offending offset.
 */

export const HEP_MAGIC = 'HEP3';
export const HEP_PROTO = {
  SIP: 1,
  XMPP: 2,
  SDP: 3,
  RTP: 4,
  RTCP: 5,
  MGCP: 6,
  MEGACO: 7,
  M2UA: 8,
  M3UA: 9,
  IAX: 10,
  H322: 11,
  H321: 12,
  LOG: 100,
} as const;

export const CHUNK = {
  ipFamily: 1,
  ipProto: 2,
  srcIp4: 3,
  dstIp4: 4,
  srcIp6: 5,
  dstIp6: 6,
  srcPort: 7,
  dstPort: 8,
  timeSec: 9,
  timeUsec: 10,
  protoType: 11,
  captureId: 12,
  keepalive: 13,
  authKey: 14,
  payload: 15,
  compressedPayload: 16,
  correlationId: 17,
  vlan: 18,
  nodeName: 19,
} as const;

export interface HepPacket {
  /** 4 or 6 (from chunk 1: 2 = IPv4, 10 = IPv6). */
  family?: 4 | 6;
  /** IP protocol number: 6 TCP, 17 UDP, 132 SCTP. */
  ipProto?: number;
  srcIp?: string;
  dstIp?: string;
  srcPort?: number;
  dstPort?: number;
  timeSec?: number;
  timeUsec?: number;
  /** Payload protocol: 1 SIP, 5 RTCP, 100 LOG, ... */
  protoType?: number;
  captureId?: number;
  keepalive?: number;
  authKey?: string;
  payload?: Buffer;
  /** True when the payload came from chunk 16 (compressed) and was inflated. */
  compressed?: boolean;
  correlationId?: string;
  vlan?: number;
  nodeName?: string;
  /** Chunks of other vendors or unknown types, kept as they came. */
  extra?: { vendor: number; type: number; value: Buffer }[];
}

export type HepErrorCode =
  | 'HEP_TOO_SHORT'
  | 'HEP_BAD_MAGIC'
  | 'HEP_BAD_LENGTH'
  | 'HEP_BAD_CHUNK'
  | 'HEP_BAD_VALUE'
  | 'HEP_AUTH'
  | 'HEP_INFLATE';

export interface HepError {
  code: HepErrorCode;
  message: string;
  /** Byte offset in the packet where the problem is. */
  offset: number;
}

export type HepDecodeResult =
  | { ok: true; packet: HepPacket; length: number }
  | { ok: false; error: HepError };

export interface HepDecodeOptions {
  /** When set, packets must carry this auth key (chunk 14), compared in constant time. */
  authKey?: string;
  /** Upper bound of an inflated payload (default 64 KiB). */
  maxInflated?: number;
}

const fail = (code: HepErrorCode, message: string, offset: number): HepDecodeResult => ({
  ok: false,
  error: { code, message, offset },
});

function ipv4(b: Buffer, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

function ipv6(b: Buffer, o: number): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(o + i).toString(16));
  // RFC 5952: compress the longest run of zero groups (length >= 2)
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

function addExtra(p: HepPacket, vendor: number, type: number, value: Buffer): void {
  p.extra ??= [];
  p.extra.push({ vendor, type, value: Buffer.from(value) });
}

function badValue(type: number, what: string, vlen: number, o: number): HepDecodeResult {
  return fail('HEP_BAD_VALUE', `chunk ${type} (${what}) has a ${vlen}-byte value`, o);
}

/** Decodes one HEP v3 packet at the start of `buf`. */
export function decodeHep(buf: Buffer, opts: HepDecodeOptions = {}): HepDecodeResult {
  if (buf.length < 6)
    return fail('HEP_TOO_SHORT', `packet of ${buf.length} bytes is shorter than the 6-byte header`, 0);
  if (buf.toString('latin1', 0, 4) !== HEP_MAGIC) return fail('HEP_BAD_MAGIC', 'does not start with HEP3', 0);
  const total = buf.readUInt16BE(4);
  if (total < 6) return fail('HEP_BAD_LENGTH', `total length ${total} is below the header size`, 4);
  if (total > buf.length)
    return fail('HEP_BAD_LENGTH', `total length ${total} exceeds the ${buf.length} bytes received`, 4);
  const p: HepPacket = {};
  let compressed: Buffer | undefined;
  let o = 6;
  while (o < total) {
    if (o + 6 > total) return fail('HEP_BAD_CHUNK', 'truncated chunk header', o);
    const vendor = buf.readUInt16BE(o);
    const type = buf.readUInt16BE(o + 2);
    const len = buf.readUInt16BE(o + 4);
    if (len < 6 || o + len > total)
      return fail('HEP_BAD_CHUNK', `chunk type ${type} has length ${len}`, o + 4);
    const v = o + 6;
    const vlen = len - 6;
    if (vendor !== 0) {
      addExtra(p, vendor, type, buf.subarray(v, v + vlen));
      o += len;
      continue;
    }
    switch (type) {
      case CHUNK.ipFamily: {
        if (vlen !== 1) return badValue(type, 'IP family', vlen, o);
        const f = buf[v];
        if (f !== 2 && f !== 10)
          return fail('HEP_BAD_VALUE', `IP family ${f} is neither 2 (IPv4) nor 10 (IPv6)`, v);
        p.family = f === 2 ? 4 : 6;
        break;
      }
      case CHUNK.ipProto:
        if (vlen !== 1) return badValue(type, 'IP protocol', vlen, o);
        p.ipProto = buf[v]!;
        break;
      case CHUNK.srcIp4:
      case CHUNK.dstIp4:
        if (vlen !== 4) return badValue(type, 'IPv4 address', vlen, o);
        if (type === CHUNK.srcIp4) p.srcIp = ipv4(buf, v);
        else p.dstIp = ipv4(buf, v);
        break;
      case CHUNK.srcIp6:
      case CHUNK.dstIp6:
        if (vlen !== 16) return badValue(type, 'IPv6 address', vlen, o);
        if (type === CHUNK.srcIp6) p.srcIp = ipv6(buf, v);
        else p.dstIp = ipv6(buf, v);
        break;
      case CHUNK.srcPort:
      case CHUNK.dstPort:
        if (vlen !== 2) return badValue(type, 'port', vlen, o);
        if (type === CHUNK.srcPort) p.srcPort = buf.readUInt16BE(v);
        else p.dstPort = buf.readUInt16BE(v);
        break;
      case CHUNK.timeSec:
      case CHUNK.timeUsec:
        if (vlen !== 4) return badValue(type, 'timestamp', vlen, o);
        if (type === CHUNK.timeSec) p.timeSec = buf.readUInt32BE(v);
        else p.timeUsec = buf.readUInt32BE(v);
        break;
      case CHUNK.protoType:
        if (vlen !== 1) return badValue(type, 'protocol type', vlen, o);
        p.protoType = buf[v]!;
        break;
      case CHUNK.captureId:
        if (vlen === 4) p.captureId = buf.readUInt32BE(v);
        else if (vlen === 2) p.captureId = buf.readUInt16BE(v);
        else return badValue(type, 'capture agent id', vlen, o);
        break;
      case CHUNK.keepalive:
        if (vlen !== 2) return badValue(type, 'keepalive', vlen, o);
        p.keepalive = buf.readUInt16BE(v);
        break;
      case CHUNK.authKey:
        p.authKey = buf.toString('utf8', v, v + vlen).replace(/\0+$/, '');
        break;
      case CHUNK.payload:
        p.payload = Buffer.from(buf.subarray(v, v + vlen));
        break;
      case CHUNK.compressedPayload:
        compressed = buf.subarray(v, v + vlen);
        break;
      case CHUNK.correlationId:
        p.correlationId = buf.toString('utf8', v, v + vlen);
        break;
      case CHUNK.vlan:
        if (vlen !== 2) return badValue(type, 'VLAN', vlen, o);
        p.vlan = buf.readUInt16BE(v);
        break;
      case CHUNK.nodeName:
        p.nodeName = buf.toString('utf8', v, v + vlen).replace(/\0+$/, '');
        break;
      default:
        addExtra(p, vendor, type, buf.subarray(v, v + vlen));
    }
    o += len;
  }
  if (opts.authKey !== undefined) {
    if (p.authKey === undefined)
      return fail('HEP_AUTH', 'packet carries no auth key (chunk 14) but one is required', 0);
    if (!safeEqual(p.authKey, opts.authKey)) return fail('HEP_AUTH', 'auth key does not match', 0);
  }
  if (compressed && !p.payload) {
    try {
      p.payload = unzipSync(compressed, { maxOutputLength: opts.maxInflated ?? 65536 });
      p.compressed = true;
    } catch (e) {
      return fail('HEP_INFLATE', `compressed payload does not inflate: ${(e as Error).message}`, 0);
    }
  }
  return { ok: true, packet: p, length: total };
}

/** Encodes a packet (used by tests, benchmarks and, later, HEP forwarding). */
export function encodeHep(p: HepPacket & { compress?: boolean }): Buffer {
  const chunks: Buffer[] = [];
  const chunk = (type: number, value: Buffer, vendor = 0) => {
    const h = Buffer.allocUnsafe(6);
    h.writeUInt16BE(vendor, 0);
    h.writeUInt16BE(type, 2);
    h.writeUInt16BE(value.length + 6, 4);
    chunks.push(h, value);
  };
  const u8 = (n: number) => Buffer.from([n & 0xff]);
  const u16 = (n: number) => {
    const b = Buffer.allocUnsafe(2);
    b.writeUInt16BE(n);
    return b;
  };
  const u32 = (n: number) => {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(n >>> 0);
    return b;
  };
  const family = p.family ?? (p.srcIp?.includes(':') || p.dstIp?.includes(':') ? 6 : 4);
  chunk(CHUNK.ipFamily, u8(family === 6 ? 10 : 2));
  if (p.ipProto !== undefined) chunk(CHUNK.ipProto, u8(p.ipProto));
  if (p.srcIp) chunk(family === 6 ? CHUNK.srcIp6 : CHUNK.srcIp4, ipBytes(p.srcIp, family));
  if (p.dstIp) chunk(family === 6 ? CHUNK.dstIp6 : CHUNK.dstIp4, ipBytes(p.dstIp, family));
  if (p.srcPort !== undefined) chunk(CHUNK.srcPort, u16(p.srcPort));
  if (p.dstPort !== undefined) chunk(CHUNK.dstPort, u16(p.dstPort));
  if (p.timeSec !== undefined) chunk(CHUNK.timeSec, u32(p.timeSec));
  if (p.timeUsec !== undefined) chunk(CHUNK.timeUsec, u32(p.timeUsec));
  if (p.protoType !== undefined) chunk(CHUNK.protoType, u8(p.protoType));
  if (p.captureId !== undefined) chunk(CHUNK.captureId, u32(p.captureId));
  if (p.keepalive !== undefined) chunk(CHUNK.keepalive, u16(p.keepalive));
  if (p.authKey !== undefined) chunk(CHUNK.authKey, Buffer.from(p.authKey));
  if (p.correlationId !== undefined) chunk(CHUNK.correlationId, Buffer.from(p.correlationId));
  if (p.vlan !== undefined) chunk(CHUNK.vlan, u16(p.vlan));
  if (p.nodeName !== undefined) chunk(CHUNK.nodeName, Buffer.from(p.nodeName));
  for (const x of p.extra ?? []) chunk(x.type, x.value, x.vendor);
  if (p.payload) {
    if (p.compress) {
      // deflate, zlib-wrapped: what inflateSync reads
      chunk(CHUNK.compressedPayload, deflateSync(p.payload));
    } else chunk(CHUNK.payload, p.payload);
  }
  const body = Buffer.concat(chunks);
  const total = body.length + 6;
  if (total > 0xffff) throw new RangeError(`HEP packet of ${total} bytes exceeds 65535`);
  const head = Buffer.from('HEP3\0\0', 'latin1');
  head.writeUInt16BE(total, 4);
  return Buffer.concat([head, body]);
}

function ipBytes(ip: string, family: 4 | 6): Buffer {
  if (family === 4) {
    const parts = ip.split('.').map(Number);
    if (parts.length !== 4 || parts.some((n) => !(n >= 0 && n <= 255)))
      throw new RangeError(`bad IPv4 ${ip}`);
    return Buffer.from(parts);
  }
  let t = ip.replace(/^\[|\]$/g, '');
  // embedded IPv4 tail
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(t);
  if (v4) {
    const b = v4[1]!.split('.').map(Number);
    t = `${t.slice(0, v4.index)}${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head = '', tail] = t.split('::');
  const h = head ? head.split(':') : [];
  const tl = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const fill = tail === undefined ? [] : new Array(8 - h.length - tl.length).fill('0');
  const groups = [...h, ...fill, ...tl];
  if (groups.length !== 8) throw new RangeError(`bad IPv6 ${ip}`);
  const out = Buffer.alloc(16);
  for (let i = 0; i < 8; i++) out.writeUInt16BE(Number.parseInt(groups[i]!, 16) & 0xffff, i * 2);
  return out;
}

/**
 * Splits a TCP byte stream into HEP packets. Garbage is skipped up to the next `HEP3` and
 * reported once per gap; the buffer is bounded.
 */
export class HepStreamDecoder {
  private buf: Buffer = Buffer.alloc(0);
  constructor(
    private readonly opts: HepDecodeOptions,
    private readonly onResult: (r: HepDecodeResult) => void,
  ) {}

  push(data: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, data]) : data;
    for (;;) {
      if (this.buf.length < 6) return;
      if (this.buf.toString('latin1', 0, 4) !== HEP_MAGIC) {
        const next = this.buf.indexOf(HEP_MAGIC, 1, 'latin1');
        this.onResult({
          ok: false,
          error: { code: 'HEP_BAD_MAGIC', message: 'garbage in the TCP stream skipped', offset: 0 },
        });
        if (next < 0) {
          this.buf = this.buf.subarray(Math.max(0, this.buf.length - 3));
          return;
        }
        this.buf = this.buf.subarray(next);
        continue;
      }
      const total = this.buf.readUInt16BE(4);
      if (total < 6) {
        this.onResult({
          ok: false,
          error: { code: 'HEP_BAD_LENGTH', message: `total length ${total}`, offset: 4 },
        });
        this.buf = this.buf.subarray(4);
        continue;
      }
      if (this.buf.length < total) return;
      const one = this.buf.subarray(0, total);
      this.buf = this.buf.subarray(total);
      this.onResult(decodeHep(one, this.opts));
    }
  }
}
