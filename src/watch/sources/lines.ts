import { open } from 'node:fs/promises';

/**
 * Lines of buf[0..end) as independent strings (one native decode per line). Splitting one big
 * string would give slices that keep the whole chunk alive while any line is retained as evidence.
 */
export function splitLines(buf: Buffer, end: number): string[] {
  const out: string[] = [];
  let start = 0;
  while (start <= end) {
    let nl = buf.indexOf(0x0a, start);
    if (nl < 0 || nl > end) nl = end;
    out.push(buf.toString('utf8', start, nl));
    start = nl + 1;
  }
  return out;
}

/** Reads a file (or stdin with `-`) as batches of lines, without loading it whole. */
export async function* readLineBatches(file: string, chunkBytes = 1 << 20): AsyncGenerator<string[]> {
  if (file === '-') {
    let rest = '';
    for await (const chunk of process.stdin) {
      const text = rest + (chunk as Buffer).toString('utf8');
      const last = text.lastIndexOf('\n');
      if (last < 0) {
        rest = text;
        continue;
      }
      rest = text.slice(last + 1);
      yield text.slice(0, last).split('\n');
    }
    if (rest) yield [rest];
    return;
  }
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(chunkBytes);
    let partial: Buffer = Buffer.alloc(0);
    let pos = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      const data = partial.length
        ? Buffer.concat([partial, buf.subarray(0, bytesRead)])
        : buf.subarray(0, bytesRead);
      const last = data.lastIndexOf(0x0a);
      if (last < 0) {
        partial = Buffer.from(data);
        continue;
      }
      partial = Buffer.from(data.subarray(last + 1));
      yield splitLines(data, last);
    }
    if (partial.length) yield [partial.toString('utf8')];
  } finally {
    await fh.close();
  }
}

/**
 * Reads a file (or stdin with `-`) as chunks of whole lines, without making strings: each chunk
 * ends just after a newline (the file's last chunk may lack it). The buffer is reused: consume a
 * chunk before asking for the next.
 */
export async function* readLineChunks(file: string, chunkBytes = 1 << 20): AsyncGenerator<Buffer> {
  if (file === '-') {
    let rest: Buffer = Buffer.alloc(0);
    for await (const chunk of process.stdin) {
      const data = rest.length ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer);
      const last = data.lastIndexOf(0x0a);
      if (last < 0) {
        rest = Buffer.from(data);
        continue;
      }
      rest = Buffer.from(data.subarray(last + 1));
      yield data.subarray(0, last + 1);
    }
    if (rest.length) yield rest;
    return;
  }
  const fh = await open(file, 'r');
  try {
    let buf = Buffer.allocUnsafe(chunkBytes);
    let carry = 0;
    let pos = 0;
    for (;;) {
      if (carry === buf.length) {
        // one line longer than the buffer: grow it
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, carry);
        buf = bigger;
      }
      const { bytesRead } = await fh.read(buf, carry, buf.length - carry, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      const end = carry + bytesRead;
      const last = buf.lastIndexOf(0x0a, end - 1);
      if (last < 0) {
        carry = end;
        continue;
      }
      yield buf.subarray(0, last + 1);
      buf.copy(buf, 0, last + 1, end);
      carry = end - last - 1;
    }
    if (carry) yield buf.subarray(0, carry);
  } finally {
    await fh.close();
  }
}
