import { type FSWatcher, watch } from 'node:fs';
import { type FileHandle, open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Checkpoint } from '../../store/store.js';
import { splitLines } from './lines.js';

/**
 * Follows a log file with `tail -F` semantics:
 * - polls stat() (and wakes early on fs.watch events when the platform gives them);
 * - rename rotation (logrotate `create`): on an inode change the OLD handle is drained to EOF
 *   before the new file is opened from its start;
 * - copytruncate: a size below the read position restarts at 0;
 * - a partial last line is held until its newline arrives;
 * - resume: given a checkpoint (dev, inode, offset of the byte after the last complete line) it
 *   continues there; if the file was rotated while hardline was down, the rotated file is found
 *   by its inode in the same folder and read from the offset first.
 * onLines is synchronous and receives the checkpoint that is true once those lines are handled,
 * so the caller can persist events and the checkpoint in one transaction.
 */

export interface TailOptions {
  file: string;
  checkpoint?: Checkpoint;
  /** Without a checkpoint: read the existing content (true) or only new lines (false, default). */
  fromStart?: boolean;
  pollMs?: number;
  /** Bytes read per step (lines are handed over per step). */
  chunkBytes?: number;
  onLines(lines: string[], checkpoint: Checkpoint, origin: string): void;
  onNotice?(message: string): void;
}

interface Open {
  fh: FileHandle;
  dev: number;
  ino: number;
  /** Next byte to read. */
  pos: number;
  /** Bytes after the last newline (a line still being written). */
  partial: Buffer;
  name: string;
}

const NL = 0x0a;

export class FileTail {
  readonly key: string;
  private cur: Open | undefined;
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private running = false;
  private busy: Promise<void> = Promise.resolve();
  private wake: (() => void) | undefined;
  private readonly pollMs: number;
  private readonly chunk: number;
  private resumed = false;
  private missing = false;

  constructor(private readonly o: TailOptions) {
    this.key = path.resolve(o.file);
    this.pollMs = o.pollMs ?? 250;
    this.chunk = o.chunkBytes ?? 1 << 20;
  }

  /** Starts following; returns after the first read pass. */
  async start(): Promise<void> {
    this.running = true;
    try {
      this.watcher = watch(path.dirname(this.key), { persistent: false }, () => this.wake?.());
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      this.watcher = undefined;
    }
    await this.pollOnce();
    void this.loop();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.timer = setTimeout(resolve, this.pollMs);
      });
      clearTimeout(this.timer);
      this.wake = undefined;
      if (!this.running) break;
      await this.pollOnce();
    }
  }

  /** One pass: open/resume, read to EOF, handle rotation and truncation. */
  pollOnce(): Promise<void> {
    this.busy = this.busy
      .then(() => this.step())
      .catch((e: Error) => this.o.onNotice?.(`tail ${this.key}: ${e.message}`));
    return this.busy;
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    clearTimeout(this.timer);
    this.watcher?.close();
    await this.busy;
    await this.cur?.fh.close().catch(() => {});
    this.cur = undefined;
  }

  /** The checkpoint of what was handed over so far. */
  position(): Checkpoint | undefined {
    const c = this.cur;
    if (!c) return undefined;
    return { key: this.key, dev: c.dev, ino: c.ino, offset: c.pos - c.partial.length };
  }

  private async step(): Promise<void> {
    if (!this.cur) {
      if (!(await this.openCurrent())) return;
    }
    await this.drain(false);
    const c = this.cur!;
    let st: Awaited<ReturnType<typeof stat>> | undefined;
    try {
      st = await stat(this.key);
    } catch {
      return; // moved away and not recreated yet: keep the old handle, the writer may still use it
    }
    if (st.ino !== c.ino || st.dev !== c.dev) {
      await this.drain(true);
      this.o.onNotice?.(`${this.key} was rotated (inode ${c.ino} -> ${st.ino}); old file drained`);
      await c.fh.close().catch(() => {});
      this.cur = undefined;
      if (await this.openCurrent(0)) await this.drain(false);
    } else if (st.size < c.pos) {
      this.o.onNotice?.(`${this.key} was truncated (size ${st.size} < ${c.pos}); reading from the start`);
      c.pos = 0;
      c.partial = Buffer.alloc(0);
      await this.drain(false);
    }
  }

  /** Opens the file by name, positioned from the checkpoint, at `start`, or per fromStart. */
  private async openCurrent(start?: number): Promise<boolean> {
    let fh: FileHandle;
    try {
      fh = await open(this.key, 'r');
    } catch {
      this.missing = true;
      return false;
    }
    const st = await fh.stat();
    // a file that appears after we started is new: read it whole
    let pos = start ?? (this.o.fromStart || this.missing ? 0 : st.size);
    this.missing = false;
    const cp = this.resumed ? undefined : this.o.checkpoint;
    this.resumed = true;
    if (cp && start === undefined) {
      if (cp.ino === st.ino && cp.dev === st.dev) {
        pos = cp.offset <= st.size ? cp.offset : 0;
        if (cp.offset > st.size)
          this.o.onNotice?.(`${this.key} shrank while stopped (copytruncate); reading from the start`);
      } else {
        await this.drainRotatedWhileDown(cp);
        pos = 0;
      }
    }
    this.cur = { fh, dev: st.dev, ino: st.ino, pos, partial: Buffer.alloc(0), name: this.key };
    return true;
  }

  /** The file was rotated while we were stopped: find the old inode beside it and finish it. */
  private async drainRotatedWhileDown(cp: Checkpoint): Promise<void> {
    const dir = path.dirname(this.key);
    const base = path.basename(this.key);
    let names: string[] = [];
    try {
      names = (await readdir(dir)).filter((n) => n !== base && n.startsWith(base));
    } catch {
      names = [];
    }
    for (const n of names) {
      const p = path.join(dir, n);
      try {
        const st = await stat(p);
        if (st.ino !== cp.ino || st.dev !== cp.dev) continue;
        const fh = await open(p, 'r');
        this.cur = {
          fh,
          dev: st.dev,
          ino: st.ino,
          pos: Math.min(cp.offset, st.size),
          partial: Buffer.alloc(0),
          name: p,
        };
        await this.drain(true);
        await fh.close();
        this.cur = undefined;
        this.o.onNotice?.(`${this.key} was rotated while stopped; finished ${p} from offset ${cp.offset}`);
        return;
      } catch {
        // try the next candidate
      }
    }
    this.o.onNotice?.(
      `${this.key} was rotated while stopped and the old file (inode ${cp.ino}) is gone or compressed; lines after offset ${cp.offset} of it are lost`,
    );
  }

  /** Reads to EOF and hands over complete lines; `final` also flushes a trailing partial line. */
  private async drain(final: boolean): Promise<void> {
    const c = this.cur;
    if (!c) return;
    const buf = Buffer.allocUnsafe(this.chunk);
    for (;;) {
      const { bytesRead } = await c.fh.read(buf, 0, buf.length, c.pos);
      if (bytesRead === 0) break;
      c.pos += bytesRead;
      const data = c.partial.length
        ? Buffer.concat([c.partial, buf.subarray(0, bytesRead)])
        : buf.subarray(0, bytesRead);
      const last = data.lastIndexOf(NL);
      if (last < 0) {
        c.partial = Buffer.from(data);
        continue;
      }
      const before = c.pos - data.length;
      c.partial = Buffer.from(data.subarray(last + 1));
      try {
        this.o.onLines(splitLines(data, last), this.position()!, `file:${c.name}`);
      } catch (e) {
        // not handled (e.g. the store could not commit): read these lines again next time
        c.pos = before;
        c.partial = Buffer.alloc(0);
        throw e;
      }
      if (!this.running && !final) break;
    }
    if (final && c.partial.length) {
      const text = c.partial.toString('utf8');
      c.partial = Buffer.alloc(0);
      this.o.onLines([text], this.position()!, `file:${c.name}`);
    }
  }
}
