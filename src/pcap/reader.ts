import { type FileHandle, open } from 'node:fs/promises';
import { HardlineError } from '../core/errors.js';

/**
 * Capture file reader: classic pcap (both byte orders, microsecond and nanosecond timestamps)
 * and pcapng (Section Header, Interface Description, Enhanced/Simple/obsolete Packet blocks;
 * other blocks are skipped). The file is read in chunks (bounded memory); a malformed or
 * truncated file stops with HL_ERR_PCAP naming the byte offset of the problem.
 */

export interface PcapRecord {
  /** Capture time, ms since the epoch (undefined for pcapng Simple Packet Blocks: no timestamp). */
  time: number | undefined;
  /** LINKTYPE_* of the interface that captured it. */
  linkType: number;
  /** Captured bytes (may be shorter than origLen when the snapshot length cut it). */
  data: Buffer;
  origLen: number;
  /** Byte offset of the record (or block) in the file. */
  offset: number;
  /** 1-based frame number, as Wireshark counts. */
  frame: number;
}

export interface PcapReadOptions {
  /** Largest record or block accepted (default 16 MiB). */
  maxRecordBytes?: number;
  /** Read size (default 1 MiB). */
  chunkBytes?: number;
}

const PCAP_MAGIC_US = 0xa1b2c3d4;
const PCAP_MAGIC_NS = 0xa1b23c4d;
const PCAPNG_SHB = 0x0a0d0d0a;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

function fail(file: string, offset: number, message: string): HardlineError {
  return new HardlineError('HL_ERR_PCAP', `${file}: byte offset ${offset}: ${message}`);
}

/** Buffered sequential reads with the file offset of every byte known. */
class Bytes {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** File offset of buf[0]. */
  private base = 0;
  private eof = false;
  constructor(
    private readonly fh: FileHandle,
    private readonly chunk: number,
  ) {}

  get offset(): number {
    return this.base + this.pos;
  }

  /** Makes `n` bytes available at the current position; false when the file ends first. */
  async need(n: number): Promise<boolean> {
    while (this.buf.length - this.pos < n) {
      if (this.eof) return false;
      const rest = this.buf.subarray(this.pos);
      const want = Math.max(this.chunk, n - rest.length);
      const next = Buffer.allocUnsafe(rest.length + want);
      rest.copy(next, 0);
      const { bytesRead } = await this.fh.read(next, rest.length, want, this.base + this.buf.length);
      this.base += this.pos;
      this.pos = 0;
      this.buf = next.subarray(0, rest.length + bytesRead);
      if (bytesRead === 0) this.eof = true;
    }
    return true;
  }

  /** Bytes available from the current position (after need()). */
  get available(): number {
    return this.buf.length - this.pos;
  }

  view(n: number): Buffer {
    return this.buf.subarray(this.pos, this.pos + n);
  }

  skip(n: number): void {
    this.pos += n;
  }
}

interface Iface {
  linkType: number;
  snaplen: number;
  /** Timestamp units per second as [numerator scale]: 10^-6 by default. */
  tsDecimal: boolean;
  tsExp: number;
  tsOffsetMs: number;
}

/** Reads every packet record of a pcap or pcapng file, in file order. */
export async function* readPcap(file: string, opts: PcapReadOptions = {}): AsyncGenerator<PcapRecord> {
  const maxRecord = opts.maxRecordBytes ?? 16 * 1024 * 1024;
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    throw new HardlineError('HL_ERR_PATH_NOT_FOUND', `cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    const b = new Bytes(fh, opts.chunkBytes ?? 1024 * 1024);
    if (!(await b.need(4))) throw fail(file, 0, `file of ${b.available} bytes is too short to be a capture`);
    const head = b.view(4);
    const le = head.readUInt32LE(0);
    const be = head.readUInt32BE(0);
    if (le === PCAPNG_SHB) yield* pcapng(file, b, maxRecord);
    else if ([PCAP_MAGIC_US, PCAP_MAGIC_NS].includes(le))
      yield* classic(file, b, true, le === PCAP_MAGIC_NS, maxRecord);
    else if ([PCAP_MAGIC_US, PCAP_MAGIC_NS].includes(be))
      yield* classic(file, b, false, be === PCAP_MAGIC_NS, maxRecord);
    else
      throw fail(
        file,
        0,
        `not a pcap or pcapng file (magic 0x${be.toString(16).padStart(8, '0')}; expected a1b2c3d4, a1b23c4d or 0a0d0d0a)`,
      );
  } finally {
    await fh.close();
  }
}

async function* classic(
  file: string,
  b: Bytes,
  little: boolean,
  nano: boolean,
  maxRecord: number,
): AsyncGenerator<PcapRecord> {
  if (!(await b.need(24))) throw fail(file, 0, `truncated file header (${b.available} of 24 bytes)`);
  const h = b.view(24);
  const u32 = (buf: Buffer, o: number) => (little ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const u16 = (buf: Buffer, o: number) => (little ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
  const major = u16(h, 4);
  if (major !== 2) throw fail(file, 4, `unsupported pcap version ${major}.${u16(h, 6)} (expected 2.x)`);
  const snaplen = u32(h, 16);
  const linkType = u32(h, 20) & 0xffff;
  b.skip(24);
  const limit = Math.min(maxRecord, Math.max(snaplen, 262_144));
  let frame = 0;
  for (;;) {
    const offset = b.offset;
    if (!(await b.need(16))) {
      if (b.available === 0) return;
      throw fail(file, offset, `truncated record header (${b.available} of 16 bytes)`);
    }
    const r = b.view(16);
    const sec = u32(r, 0);
    const frac = u32(r, 4);
    const incl = u32(r, 8);
    const orig = u32(r, 12);
    if (incl > limit)
      throw fail(
        file,
        offset,
        `record of ${incl} captured bytes exceeds the limit (${limit}): corrupt length`,
      );
    if (frac >= (nano ? 1_000_000_000 : 1_000_000))
      throw fail(file, offset + 4, `timestamp fraction ${frac} out of range: corrupt record`);
    b.skip(16);
    if (!(await b.need(incl)))
      throw fail(file, offset, `truncated record: ${incl} bytes announced, ${b.available} left in the file`);
    frame++;
    const data = Buffer.from(b.view(incl));
    b.skip(incl);
    yield {
      time: sec * 1000 + Math.floor(nano ? frac / 1_000_000 : frac / 1000),
      linkType,
      data,
      origLen: orig,
      offset,
      frame,
    };
  }
}

async function* pcapng(file: string, b: Bytes, maxRecord: number): AsyncGenerator<PcapRecord> {
  let little = true;
  let ifaces: Iface[] = [];
  let frame = 0;
  let lastTime: number | undefined;
  let sawSection = false;
  for (;;) {
    const offset = b.offset;
    if (!(await b.need(8))) {
      if (b.available === 0) return;
      throw fail(file, offset, `truncated block header (${b.available} of 8 bytes)`);
    }
    let h = b.view(8);
    const typeLe = h.readUInt32LE(0);
    if (typeLe === PCAPNG_SHB) {
      if (!(await b.need(12))) throw fail(file, offset, 'truncated section header block');
      h = b.view(12);
      const bom = h.readUInt32LE(8);
      if (bom === BYTE_ORDER_MAGIC) little = true;
      else if (h.readUInt32BE(8) === BYTE_ORDER_MAGIC) little = false;
      else throw fail(file, offset + 8, 'section header without a valid byte-order magic');
      ifaces = [];
      sawSection = true;
    } else if (!sawSection) throw fail(file, offset, 'pcapng file does not start with a section header');
    const u32 = (buf: Buffer, o: number) => (little ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
    const u16 = (buf: Buffer, o: number) => (little ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
    const type = u32(h, 0);
    const len = u32(h, 4);
    if (len < 12 || len % 4 !== 0)
      throw fail(file, offset + 4, `block length ${len} is invalid (at least 12, a multiple of 4)`);
    if (len > maxRecord)
      throw fail(file, offset + 4, `block of ${len} bytes exceeds the limit (${maxRecord}): corrupt length`);
    if (!(await b.need(len)))
      throw fail(file, offset, `truncated block: ${len} bytes announced, ${b.available} left in the file`);
    const blk = b.view(len);
    if (u32(blk, len - 4) !== len)
      throw fail(
        file,
        offset + len - 4,
        `block trailer length ${u32(blk, len - 4)} differs from its header (${len})`,
      );
    const body = blk.subarray(8, len - 4);
    b.skip(len);
    if (type === 1) {
      if (body.length < 8) throw fail(file, offset, 'interface description block too short');
      const iface: Iface = {
        linkType: u16(body, 0),
        snaplen: u32(body, 4),
        tsDecimal: true,
        tsExp: 6,
        tsOffsetMs: 0,
      };
      for (const [code, value] of options(body.subarray(8), little, file, offset + 16)) {
        if (code === 9 && value.length >= 1) {
          const v = value[0]!;
          iface.tsDecimal = (v & 0x80) === 0;
          iface.tsExp = v & 0x7f;
          if (iface.tsDecimal ? iface.tsExp > 18 : iface.tsExp > 63)
            throw fail(file, offset, `interface timestamp resolution ${v} is out of range`);
        } else if (code === 14 && value.length >= 8) {
          iface.tsOffsetMs = Number(little ? value.readBigInt64LE(0) : value.readBigInt64BE(0)) * 1000;
        }
      }
      ifaces.push(iface);
      continue;
    }
    if (type === 6 || type === 2) {
      // Enhanced Packet Block (6); obsolete Packet Block (2): u16 interface, u16 drops
      if (body.length < 20) throw fail(file, offset, `packet block too short (${body.length} bytes)`);
      const ifId = type === 6 ? u32(body, 0) : u16(body, 0);
      const iface = ifaces[ifId];
      if (!iface) throw fail(file, offset + 8, `packet names interface ${ifId}, which was not described`);
      const high = u32(body, 4);
      const low = u32(body, 8);
      const cap = u32(body, 12);
      const orig = u32(body, 16);
      if (cap > body.length - 20)
        throw fail(
          file,
          offset + 20,
          `captured length ${cap} exceeds the block (${body.length - 20} bytes of data)`,
        );
      frame++;
      const time = tsToMs(high, low, iface);
      lastTime = time;
      yield {
        time,
        linkType: iface.linkType,
        data: Buffer.from(body.subarray(20, 20 + cap)),
        origLen: orig,
        offset,
        frame,
      };
      continue;
    }
    if (type === 3) {
      // Simple Packet Block: interface 0, no timestamp
      const iface = ifaces[0];
      if (!iface) throw fail(file, offset, 'simple packet block before any interface description');
      if (body.length < 4) throw fail(file, offset, 'simple packet block too short');
      const orig = u32(body, 0);
      let cap = Math.min(orig, body.length - 4);
      if (iface.snaplen > 0) cap = Math.min(cap, iface.snaplen);
      frame++;
      yield {
        time: lastTime,
        linkType: iface.linkType,
        data: Buffer.from(body.subarray(4, 4 + cap)),
        origLen: orig,
        offset,
        frame,
      };
    }
    // other blocks (name resolution, statistics, decryption secrets, custom): skipped
  }
}

function tsToMs(high: number, low: number, iface: Iface): number {
  const ts = (BigInt(high) << 32n) | BigInt(low);
  const ms = iface.tsDecimal
    ? (ts * 1000n) / 10n ** BigInt(iface.tsExp)
    : (ts * 1000n) >> BigInt(iface.tsExp);
  return Number(ms) + iface.tsOffsetMs;
}

/** pcapng options: code u16, length u16, value padded to 4; ends at opt_endofopt or the data's end. */
function options(data: Buffer, little: boolean, file: string, base: number): [number, Buffer][] {
  const out: [number, Buffer][] = [];
  let i = 0;
  while (i + 4 <= data.length) {
    const code = little ? data.readUInt16LE(i) : data.readUInt16BE(i);
    const len = little ? data.readUInt16LE(i + 2) : data.readUInt16BE(i + 2);
    if (code === 0) break;
    if (i + 4 + len > data.length)
      throw fail(file, base + i, `option ${code} of ${len} bytes overruns its block`);
    out.push([code, data.subarray(i + 4, i + 4 + len)]);
    i += 4 + len + ((4 - (len % 4)) % 4);
  }
  return out;
}
