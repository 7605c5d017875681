/**
 * TCP stream reassembly for capture import: one direction of one connection at a time, bytes
 * delivered in sequence order with retransmissions and overlaps trimmed. Out-of-order segments
 * wait in a bounded buffer; when it overflows (a segment was never captured) the stream skips
 * to the earliest waiting segment and reports a gap, so the consumer can resynchronise.
 */

export interface TcpChunk {
  data: Buffer;
  /** True when bytes before this chunk were lost (never captured). */
  gap: boolean;
}

/** Signed distance a - b in 32-bit sequence space. */
export function seqDiff(a: number, b: number): number {
  return ((a - b + 0x1_0000_0000 + 0x8000_0000) % 0x1_0000_0000) - 0x8000_0000;
}

export class TcpStream {
  private next: number | undefined;
  private readonly ooo = new Map<number, Buffer>();
  private oooBytes = 0;
  /** Bytes skipped over because segments were missing. */
  gaps = 0;

  constructor(
    private readonly maxSegments = 256,
    private readonly maxBytes = 512 * 1024,
  ) {}

  /** Feeds one segment; returns the chunks that are now in order. */
  push(seq: number, syn: boolean, payload: Buffer): TcpChunk[] {
    let s = seq;
    if (syn) {
      s = (seq + 1) >>> 0;
      if (this.next === undefined) this.next = s;
    }
    if (payload.length === 0) return [];
    if (this.next === undefined) this.next = s;
    const out: TcpChunk[] = [];
    const d = seqDiff(s, this.next);
    if (d > 0) {
      if (!this.ooo.has(s) || this.ooo.get(s)!.length < payload.length) {
        this.oooBytes += payload.length - (this.ooo.get(s)?.length ?? 0);
        this.ooo.set(s, Buffer.from(payload));
      }
      if (this.ooo.size > this.maxSegments || this.oooBytes > this.maxBytes) {
        // a segment was lost: jump to the earliest one waiting
        let first: number | undefined;
        for (const k of this.ooo.keys()) if (first === undefined || seqDiff(k, first) < 0) first = k;
        this.gaps++;
        this.next = first!;
        this.drain(out, true);
      }
      return out;
    }
    this.deliver(s, payload, out, false);
    this.drain(out, false);
    return out;
  }

  private deliver(seq: number, payload: Buffer, out: TcpChunk[], gap: boolean): void {
    const d = seqDiff(seq, this.next!);
    if (d + payload.length <= 0) return; // retransmission of delivered bytes
    const data = d < 0 ? payload.subarray(-d) : payload;
    out.push({ data, gap });
    this.next = (this.next! + data.length) >>> 0;
  }

  private drain(out: TcpChunk[], gap: boolean): void {
    let g = gap;
    for (;;) {
      let hit: number | undefined;
      for (const k of this.ooo.keys()) {
        if (seqDiff(k, this.next!) <= 0) {
          hit = k;
          break;
        }
      }
      if (hit === undefined) return;
      const p = this.ooo.get(hit)!;
      this.ooo.delete(hit);
      this.oooBytes -= p.length;
      this.deliver(hit, p, out, g);
      g = false;
    }
  }
}
