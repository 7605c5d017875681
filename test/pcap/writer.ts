/**
 * A small capture writer for tests: builds frames (Ethernet with VLAN tags, Linux cooked v1/v2,
 * raw IP, BSD loopback), IPv4/IPv6 (with fragmentation), UDP and TCP, and writes classic pcap
 * (either byte order, micro or nano seconds) and pcapng (SHB, IDB, EPB, SPB, any byte order).
 * Checksums are left zero: readers of captures do not verify them.
 */

export type Endian = 'le' | 'be';

function ipBytes(ip: string): Buffer {
  if (!ip.includes(':')) return Buffer.from(ip.split('.').map(Number));
  const [head = '', tail] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = [...h, ...new Array(tail === undefined ? 0 : 8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => {
    out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  });
  return out;
}

export function udp(sport: number, dport: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt16BE(8 + payload.length, 4);
  return Buffer.concat([h, payload]);
}

export const TCP = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16 };

export function tcp(
  sport: number,
  dport: number,
  seq: number,
  flags: number,
  payload: Buffer = Buffer.alloc(0),
): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt32BE(seq >>> 0, 4);
  h.writeUInt32BE(1, 8);
  h[12] = 5 << 4;
  h[13] = flags;
  h.writeUInt16BE(65535, 14);
  return Buffer.concat([h, payload]);
}

/** One IPv4 packet, or its fragments when `mtu` is smaller than the packet. */
export function ipv4(
  src: string,
  dst: string,
  proto: number,
  payload: Buffer,
  o: { id?: number; mtu?: number } = {},
): Buffer[] {
  const maxData = o.mtu ? Math.floor((o.mtu - 20) / 8) * 8 : payload.length;
  const out: Buffer[] = [];
  for (let off = 0; off < payload.length || off === 0; off += maxData) {
    const part = payload.subarray(off, off + maxData);
    const more = off + maxData < payload.length;
    const h = Buffer.alloc(20);
    h[0] = 0x45;
    h.writeUInt16BE(20 + part.length, 2);
    h.writeUInt16BE(o.id ?? 1, 4);
    h.writeUInt16BE((more ? 0x2000 : 0) | (off / 8), 6);
    h[8] = 64;
    h[9] = proto;
    ipBytes(src).copy(h, 12);
    ipBytes(dst).copy(h, 16);
    out.push(Buffer.concat([h, part]));
    if (payload.length === 0) break;
  }
  return out;
}

/** One IPv6 packet, or fragments (fragment extension header) when `mtu` is smaller. */
export function ipv6(
  src: string,
  dst: string,
  proto: number,
  payload: Buffer,
  o: { id?: number; mtu?: number } = {},
): Buffer[] {
  const fixed = (next: number, len: number) => {
    const h = Buffer.alloc(40);
    h.writeUInt32BE(0x60000000, 0);
    h.writeUInt16BE(len, 4);
    h[6] = next;
    h[7] = 64;
    ipBytes(src).copy(h, 8);
    ipBytes(dst).copy(h, 24);
    return h;
  };
  if (!o.mtu || payload.length + 40 <= o.mtu) return [Buffer.concat([fixed(proto, payload.length), payload])];
  const maxData = Math.floor((o.mtu - 48) / 8) * 8;
  const out: Buffer[] = [];
  for (let off = 0; off < payload.length; off += maxData) {
    const part = payload.subarray(off, off + maxData);
    const more = off + maxData < payload.length;
    const fh = Buffer.alloc(8);
    fh[0] = proto;
    fh.writeUInt16BE(off | (more ? 1 : 0), 2);
    fh.writeUInt32BE(o.id ?? 7, 4);
    out.push(Buffer.concat([fixed(44, 8 + part.length), fh, part]));
  }
  return out;
}

const ethType = (ip: Buffer) => (ip[0]! >> 4 === 6 ? 0x86dd : 0x0800);

export function ethernet(ip: Buffer, vlans: number[] = []): Buffer {
  const macs = Buffer.alloc(12, 0x02);
  // outer tag 802.1ad when stacked (QinQ), then 802.1Q
  const tags = vlans.map((v, i) => {
    const t = Buffer.alloc(4);
    t.writeUInt16BE(i === 0 && vlans.length > 1 ? 0x88a8 : 0x8100, 0);
    t.writeUInt16BE(v, 2);
    return t;
  });
  const et = Buffer.alloc(2);
  et.writeUInt16BE(ethType(ip), 0);
  return Buffer.concat([macs, ...tags, et, ip]);
}

/** Linux cooked capture v1 (LINKTYPE_LINUX_SLL, 113). */
export function sll(ip: Buffer): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt16BE(0, 0); // to us
  h.writeUInt16BE(1, 2); // ARPHRD_ETHER
  h.writeUInt16BE(6, 4);
  h.writeUInt16BE(ethType(ip), 14);
  return Buffer.concat([h, ip]);
}

/** Linux cooked capture v2 (LINKTYPE_LINUX_SLL2, 276). */
export function sll2(ip: Buffer): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(ethType(ip), 0);
  h.writeUInt32BE(3, 4); // interface index
  h.writeUInt16BE(1, 8);
  h[10] = 0;
  h[11] = 6;
  return Buffer.concat([h, ip]);
}

/** BSD loopback (LINKTYPE_NULL, 0): address family in the writer's byte order. */
export function nullLink(ip: Buffer, endian: Endian = 'le'): Buffer {
  const h = Buffer.alloc(4);
  const fam = ip[0]! >> 4 === 6 ? 30 : 2;
  if (endian === 'le') h.writeUInt32LE(fam, 0);
  else h.writeUInt32BE(fam, 0);
  return Buffer.concat([h, ip]);
}

export interface Rec {
  /** Capture time in ms (fractions allowed: written with micro or nano precision). */
  time: number;
  data: Buffer;
  origLen?: number;
}

function w32(b: Buffer, v: number, o: number, e: Endian) {
  if (e === 'le') b.writeUInt32LE(v >>> 0, o);
  else b.writeUInt32BE(v >>> 0, o);
}
function w16(b: Buffer, v: number, o: number, e: Endian) {
  if (e === 'le') b.writeUInt16LE(v, o);
  else b.writeUInt16BE(v, o);
}

export function classicPcap(
  recs: Rec[],
  o: { endian?: Endian; nano?: boolean; linkType?: number; snaplen?: number } = {},
): Buffer {
  const e = o.endian ?? 'le';
  const h = Buffer.alloc(24);
  w32(h, o.nano ? 0xa1b23c4d : 0xa1b2c3d4, 0, e);
  w16(h, 2, 4, e);
  w16(h, 4, 6, e);
  w32(h, o.snaplen ?? 262144, 16, e);
  w32(h, o.linkType ?? 1, 20, e);
  const parts: Buffer[] = [h];
  for (const r of recs) {
    const rh = Buffer.alloc(16);
    const sec = Math.floor(r.time / 1000);
    const frac = o.nano ? Math.round((r.time - sec * 1000) * 1e6) : Math.round((r.time - sec * 1000) * 1e3);
    w32(rh, sec, 0, e);
    w32(rh, frac, 4, e);
    w32(rh, r.data.length, 8, e);
    w32(rh, r.origLen ?? r.data.length, 12, e);
    parts.push(rh, r.data);
  }
  return Buffer.concat(parts);
}

function block(type: number, body: Buffer, e: Endian): Buffer {
  const pad = (4 - (body.length % 4)) % 4;
  const len = 12 + body.length + pad;
  const b = Buffer.alloc(len);
  w32(b, type, 0, e);
  w32(b, len, 4, e);
  body.copy(b, 8);
  w32(b, len, len - 4, e);
  return b;
}

function opts(list: [number, Buffer][], e: Endian): Buffer {
  const parts: Buffer[] = [];
  for (const [code, v] of list) {
    const h = Buffer.alloc(4);
    w16(h, code, 0, e);
    w16(h, v.length, 2, e);
    parts.push(h, v, Buffer.alloc((4 - (v.length % 4)) % 4));
  }
  parts.push(Buffer.alloc(4));
  return Buffer.concat(parts);
}

export interface NgInterface {
  linkType: number;
  /** if_tsresol value (default: none = microseconds). */
  tsresol?: number;
  snaplen?: number;
}

export type NgItem = { epb: Rec; iface?: number } | { spb: Buffer } | { raw: Buffer };

export function pcapngSection(ifaces: NgInterface[], items: NgItem[], o: { endian?: Endian } = {}): Buffer {
  const e = o.endian ?? 'le';
  const shb = Buffer.alloc(16);
  w32(shb, 0x1a2b3c4d, 0, e);
  w16(shb, 1, 4, e);
  w16(shb, 0, 6, e);
  shb.fill(0xff, 8, 16); // section length unknown
  const parts = [block(0x0a0d0d0a, shb, e)];
  for (const i of ifaces) {
    const b = Buffer.alloc(8);
    w16(b, i.linkType, 0, e);
    w32(b, i.snaplen ?? 0, 4, e);
    parts.push(
      block(
        1,
        Buffer.concat([b, opts(i.tsresol !== undefined ? [[9, Buffer.from([i.tsresol])]] : [], e)]),
        e,
      ),
    );
  }
  for (const it of items) {
    if ('raw' in it) parts.push(it.raw);
    else if ('spb' in it) {
      const b = Buffer.alloc(4);
      w32(b, it.spb.length, 0, e);
      parts.push(block(3, Buffer.concat([b, it.spb]), e));
    } else {
      const iface = ifaces[it.iface ?? 0]!;
      const r = it.epb;
      const res = iface.tsresol ?? 6;
      const units =
        res & 0x80
          ? BigInt(Math.round(r.time * 2 ** (res & 0x7f))) / 1000n
          : (BigInt(Math.round(r.time * 1e6)) * 10n ** BigInt(res)) / 1_000_000_000n;
      const b = Buffer.alloc(20);
      w32(b, it.iface ?? 0, 0, e);
      w32(b, Number(units >> 32n), 4, e);
      w32(b, Number(units & 0xffffffffn), 8, e);
      w32(b, r.data.length, 12, e);
      w32(b, r.origLen ?? r.data.length, 16, e);
      parts.push(block(6, Buffer.concat([b, r.data]), e));
    }
  }
  return Buffer.concat(parts);
}

/** A Name Resolution Block (type 4) with no records: readers must skip it. */
export function nrb(e: Endian = 'le'): Buffer {
  return block(4, Buffer.alloc(4), e);
}
