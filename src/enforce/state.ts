import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { HardlineError } from '../core/errors.js';

/** One active ban as persisted. Times are ISO strings. */
export interface BanRecord {
  address: string;
  since: string;
  until: string;
  reason: string;
  origin: 'manual' | 'incident';
  incidentId?: string;
  /** Which offence within the repeat window this ban answers (1 = first). */
  offence: number;
}

export interface BanState {
  version: 1;
  bans: BanRecord[];
  /** Offences per address: how many bans it earned and when the last one was. */
  offences: Record<string, { count: number; last: string }>;
}

export const emptyState = (): BanState => ({ version: 1, bans: [], offences: {} });

/** Writes a file atomically: temp file in the same folder, fsync, rename. */
export function writeFileAtomic(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The ban state file (JSON, written by atomic rename). A lock file serialises the read-modify-write
 * of `hardline ban` and the watch daemon; a lock left by a dead process is taken over.
 */
export class BanStateStore {
  constructor(
    readonly file: string,
    private readonly onCorrupt?: (file: string, movedTo: string, error: string) => void,
  ) {}

  read(): BanState {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
      throw new HardlineError(
        'HL_ERR_BAN_STATE',
        `cannot read ban state ${this.file}: ${(e as Error).message}`,
      );
    }
    try {
      const s = JSON.parse(text) as BanState;
      if (s?.version !== 1 || !Array.isArray(s.bans) || typeof s.offences !== 'object' || s.offences === null)
        throw new Error('not a hardline ban state (version 1)');
      return s;
    } catch (e) {
      // Keep the damaged file for inspection and start empty: no ban is the safe side.
      const moved = `${this.file}.corrupt-${Date.now()}`;
      renameSync(this.file, moved);
      this.onCorrupt?.(this.file, moved, (e as Error).message);
      return emptyState();
    }
  }

  write(state: BanState): void {
    writeFileAtomic(this.file, `${JSON.stringify(state, null, 2)}\n`);
  }

  /** Runs `fn` holding the lock (waits up to `waitMs` for another holder). */
  async withLock<T>(fn: () => Promise<T>, waitMs = 5000): Promise<T> {
    const lock = `${this.file}.lock`;
    mkdirSync(path.dirname(lock), { recursive: true });
    const deadline = Date.now() + waitMs;
    for (;;) {
      try {
        const fd = openSync(lock, 'wx', 0o600);
        writeSync(fd, String(process.pid));
        closeSync(fd);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        let stale = false;
        try {
          const pid = Number(readFileSync(lock, 'utf8'));
          stale = (pid > 0 && !pidAlive(pid)) || Date.now() - statSync(lock).mtimeMs > 60_000;
        } catch {
          stale = true;
        }
        if (stale) {
          try {
            unlinkSync(lock);
          } catch {}
          continue;
        }
        if (Date.now() > deadline)
          throw new HardlineError(
            'HL_ERR_BAN_STATE',
            `ban state ${this.file} is locked by another hardline process`,
          );
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    try {
      return await fn();
    } finally {
      try {
        unlinkSync(lock);
      } catch {}
    }
  }
}
