/**
 * Link, IP and transport layers of captured frames: Ethernet (with 802.1Q/802.1ad VLAN tags),
 * Linux cooked capture v1 and v2, raw IP, BSD loopback; IPv4 and IPv6 (extension headers,
 * fragments reassembled with bounded state); UDP and TCP. Never throws on malformed bytes: a
 * frame that cannot be read gives a reason.
 */

export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  RAW_OPENBSD: 12,
  RAW_BSDOS: 14,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

export const SUPPORTED_LINKTYPES: readonly number[] = Object.values(LINKTYPE);

export interface IpDatagram {
  version: 4 | 6;
  src: string;
  dst: string;
  /** Upper-layer protocol: 6 TCP, 17 UDP, ... */
  proto: number;
  payload: Buffer;
}

export type Transport =
  | { kind: 'udp'; ip: IpDatagram; sport: number; dport: number; payload: Buffer }
  | {
      kind: 'tcp';
      ip: IpDatagram;
      sport: number;
      dport: number;
      seq: number;
      syn: boolean;
      fin: boolean;
      rst: boolean;
      payload: Buffer;
    };

export type FrameResult =
  | { ok: true; packet: Transport }
  /** A fragment waiting for the rest of its datagram. */
  | { ok: false; pending: true }
  | { ok: false; reason: string };

const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;
const VLAN_TAGS = new Set([0x8100, 0x88a8, 0x9100]);

/** The IP packet inside a link-layer frame. */
export function linkPayload(linkType: number, f: Buffer): Buffer | string {
  switch (linkType) {
    case LINKTYPE.ETHERNET: {
      if (f.length < 14) return 'ethernet frame too short';
      let type = f.readUInt16BE(12);
      let o = 14;
      while (VLAN_TAGS.has(type)) {
        if (f.length < o + 4) return 'VLAN tag truncated';
        type = f.readUInt16BE(o + 2);
        o += 4;
      }
      return byEtherType(type, f.subarray(o));
    }
    case LINKTYPE.LINUX_SLL: {
      if (f.length < 16) return 'linux cooked header truncated';
      let type = f.readUInt16BE(14);
      let o = 16;
      while (VLAN_TAGS.has(type)) {
        if (f.length < o + 4) return 'VLAN tag truncated';
        type = f.readUInt16BE(o + 2);
        o += 4;
      }
      return byEtherType(type, f.subarray(o));
    }
    case LINKTYPE.LINUX_SLL2: {
      if (f.length < 20) return 'linux cooked v2 header truncated';
      return byEtherType(f.readUInt16BE(0), f.subarray(20));
    }
    case LINKTYPE.RAW:
    case LINKTYPE.RAW_OPENBSD:
    case LINKTYPE.RAW_BSDOS:
    case LINKTYPE.IPV4:
    case LINKTYPE.IPV6:
      return f;
    case LINKTYPE.NULL:
    case LINKTYPE.LOOP: {
      if (f.length < 4) return 'loopback header truncated';
      // NULL: host byte order of the capturing machine (unknown): accept either
      const fams = linkType === LINKTYPE.LOOP ? [f.readUInt32BE(0)] : [f.readUInt32LE(0), f.readUInt32BE(0)];
      if (fams.includes(2)) return f.subarray(4);
      if (fams.some((x) => x === 24 || x === 28 || x === 30 || x === 10)) return f.subarray(4);
      return `loopback address family ${fams[0]} is not IP`;
    }
    default:
      return `link type ${linkType} is not supported`;
  }
}

function byEtherType(type: number, rest: Buffer): Buffer | string {
  if (type === ETH_IPV4 || type === ETH_IPV6) return rest;
  return `ethertype 0x${type.toString(16).padStart(4, '0')} is not IP`;
}

function ipv4Text(b: Buffer, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

function ipv6Text(b: Buffer, o: number): string {
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(b.readUInt16BE(o + i).toString(16));
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === '0') j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const text = best < 0 ? g.join(':') : `${g.slice(0, best).join(':')}::${g.slice(best + bestLen).join(':')}`;
  // IPv4-mapped: the dotted form (as the SecurityEvent model writes it)
  if (best === 0 && bestLen === 5 && g[5] === 'ffff') return ipv4Text(b, o + 12);
  return text;
}

interface Fragments {
  parts: { off: number; data: Buffer }[];
  bytes: number;
  total: number | undefined;
  first: number;
  proto: number;
  version: 4 | 6;
  src: string;
  dst: string;
}

/** Reassembles IP fragments; bounded in datagrams, bytes and (capture) time. */
export class Defragmenter {
  private readonly pending = new Map<string, Fragments>();
  dropped = 0;
  constructor(
    private readonly maxDatagrams = 256,
    private readonly maxBytes = 65_535,
    private readonly timeoutMs = 30_000,
  ) {}

  add(
    key: string,
    f: { version: 4 | 6; src: string; dst: string; proto: number; off: number; more: boolean; data: Buffer },
    time: number,
  ): IpDatagram | undefined {
    for (const [k, p] of this.pending) {
      if (time - p.first <= this.timeoutMs) break;
      this.pending.delete(k);
      this.dropped++;
    }
    let p = this.pending.get(key);
    if (!p) {
      p = {
        parts: [],
        bytes: 0,
        total: undefined,
        first: time,
        proto: f.proto,
        version: f.version,
        src: f.src,
        dst: f.dst,
      };
      this.pending.set(key, p);
      if (this.pending.size > this.maxDatagrams) {
        const oldest = this.pending.keys().next().value as string;
        this.pending.delete(oldest);
        this.dropped++;
      }
    }
    if (f.off + f.data.length > this.maxBytes || p.bytes + f.data.length > this.maxBytes * 2) {
      this.pending.delete(key);
      this.dropped++;
      return undefined;
    }
    if (f.proto !== p.proto && f.off === 0) p.proto = f.proto;
    p.parts.push({ off: f.off, data: f.data });
    p.bytes += f.data.length;
    if (!f.more) p.total = f.off + f.data.length;
    if (p.total === undefined) return undefined;
    p.parts.sort((a, b) => a.off - b.off);
    let covered = 0;
    for (const part of p.parts) {
      if (part.off > covered) return undefined;
      covered = Math.max(covered, part.off + part.data.length);
    }
    if (covered < p.total) return undefined;
    const out = Buffer.alloc(p.total);
    for (const part of p.parts)
      part.data.copy(out, part.off, 0, Math.min(part.data.length, p.total - part.off));
    this.pending.delete(key);
    return { version: p.version, src: p.src, dst: p.dst, proto: p.proto, payload: out };
  }
}

/** Parses an IPv4 or IPv6 packet; fragments go through the defragmenter. */
export function parseIp(
  b: Buffer,
  defrag: Defragmenter,
  time: number,
): IpDatagram | { pending: true } | string {
  if (b.length < 1) return 'empty IP packet';
  const v = b[0]! >> 4;
  if (v === 4) {
    if (b.length < 20) return 'IPv4 header truncated';
    const ihl = (b[0]! & 0x0f) * 4;
    const total = b.readUInt16BE(2);
    if (ihl < 20 || total < ihl) return 'IPv4 header length invalid';
    if (b.length < ihl) return 'IPv4 options truncated';
    const end = Math.min(total, b.length);
    const proto = b[9]!;
    const src = ipv4Text(b, 12);
    const dst = ipv4Text(b, 16);
    const fl = b.readUInt16BE(6);
    const more = (fl & 0x2000) !== 0;
    const off = (fl & 0x1fff) * 8;
    const data = b.subarray(ihl, end);
    if (more || off > 0) {
      const key = `4|${src}|${dst}|${proto}|${b.readUInt16BE(4)}`;
      const d = defrag.add(key, { version: 4, src, dst, proto, off, more, data }, time);
      return d ?? { pending: true };
    }
    return { version: 4, src, dst, proto, payload: data };
  }
  if (v === 6) {
    if (b.length < 40) return 'IPv6 header truncated';
    const plen = b.readUInt16BE(4);
    const src = ipv6Text(b, 8);
    const dst = ipv6Text(b, 24);
    let next = b[6]!;
    let o = 40;
    const end = Math.min(40 + plen, b.length);
    let frag: { off: number; more: boolean; id: number } | undefined;
    for (let hops = 0; hops < 8; hops++) {
      if (next === 0 || next === 43 || next === 60) {
        if (o + 2 > end) return 'IPv6 extension header truncated';
        const n = b[o]!;
        o += (b[o + 1]! + 1) * 8;
        next = n;
      } else if (next === 51) {
        if (o + 2 > end) return 'IPv6 AH header truncated';
        const n = b[o]!;
        o += (b[o + 1]! + 2) * 4;
        next = n;
      } else if (next === 44) {
        if (o + 8 > end) return 'IPv6 fragment header truncated';
        const n = b[o]!;
        const fo = b.readUInt16BE(o + 2);
        frag = { off: (fo >> 3) * 8, more: (fo & 1) === 1, id: b.readUInt32BE(o + 4) };
        o += 8;
        next = n;
      } else break;
    }
    if (o > end) return 'IPv6 extension headers overrun the packet';
    const data = b.subarray(o, end);
    if (frag && (frag.more || frag.off > 0)) {
      const key = `6|${src}|${dst}|${frag.id}`;
      const d = defrag.add(
        key,
        { version: 6, src, dst, proto: next, off: frag.off, more: frag.more, data },
        time,
      );
      return d ?? { pending: true };
    }
    return { version: 6, src, dst, proto: next, payload: data };
  }
  return `IP version ${v} is not 4 or 6`;
}

/** UDP or TCP inside an IP datagram. */
export function parseTransport(ip: IpDatagram): Transport | string {
  const b = ip.payload;
  if (ip.proto === 17) {
    if (b.length < 8) return 'UDP header truncated';
    const len = b.readUInt16BE(4);
    const end = len >= 8 ? Math.min(len, b.length) : b.length;
    return {
      kind: 'udp',
      ip,
      sport: b.readUInt16BE(0),
      dport: b.readUInt16BE(2),
      payload: b.subarray(8, end),
    };
  }
  if (ip.proto === 6) {
    if (b.length < 20) return 'TCP header truncated';
    const hl = (b[12]! >> 4) * 4;
    if (hl < 20 || hl > b.length) return 'TCP header length invalid';
    const flags = b[13]!;
    return {
      kind: 'tcp',
      ip,
      sport: b.readUInt16BE(0),
      dport: b.readUInt16BE(2),
      seq: b.readUInt32BE(4),
      syn: (flags & 0x02) !== 0,
      fin: (flags & 0x01) !== 0,
      rst: (flags & 0x04) !== 0,
      payload: b.subarray(hl),
    };
  }
  return `IP protocol ${ip.proto} is not UDP or TCP`;
}

/** A whole frame down to UDP/TCP. */
export function decodeFrame(
  linkType: number,
  frame: Buffer,
  defrag: Defragmenter,
  time: number,
): FrameResult {
  const ipBytes = linkPayload(linkType, frame);
  if (typeof ipBytes === 'string') return { ok: false, reason: ipBytes };
  const ip = parseIp(ipBytes, defrag, time);
  if (typeof ip === 'string') return { ok: false, reason: ip };
  if ('pending' in ip) return { ok: false, pending: true };
  const t = parseTransport(ip);
  if (typeof t === 'string') return { ok: false, reason: t };
  return { ok: true, packet: t };
}
