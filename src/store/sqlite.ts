import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { HardlineError } from '../core/errors.js';
import { isAuthSuccess, type SecurityEvent } from '../watch/event.js';
import type { Incident } from '../watch/incident.js';
import type { ClockSkewRow } from '../watch/skew.js';
import {
  openDatabase,
  prepareWrites,
  type Row,
  WRITER_SOURCE,
  type WriteBatch,
  writerData,
  writeTransaction,
} from './sqlite-sql.js';
import type { Checkpoint, EndpointRecord, Retention, WatchStore } from './store.js';

export interface SqliteStoreOptions {
  /**
   * `inline` (default): commit() writes in the calling thread. `thread`: a writer thread with
   * its own connection writes each batch, so the caller (a packet listener) never waits for
   * SQLite; commit() then waits only when it carries file checkpoints (the crash-resume contract:
   * events and checkpoint land together before the tail moves on) or when too many batches are
   * outstanding. Reads wait until every batch handed over is written.
   */
  writer?: 'inline' | 'thread';
  /** Called with the error of a batch written in the background (thread mode). */
  onAsyncError?(message: string): void;
}

/** Batches handed to the writer thread and not yet written, before commit() waits. */
const MAX_OUTSTANDING = 64;
/** A writer thread that writes nothing for this long is considered stuck. */
const WRITER_TIMEOUT_MS = 60_000;

/** The embedded store: one SQLite file in WAL mode (readers never block the watcher). */
export class SqliteStore implements WatchStore {
  private readonly db: Database.Database;
  private batch: WriteBatch = { events: [], incidents: [], checkpoints: [] };
  private readonly tx: ((b: WriteBatch) => void) | undefined;
  private readonly getCheckpoint: Database.Statement;
  private readonly worker: Worker | undefined;
  private readonly replies: MessagePort | undefined;
  private readonly progress: Int32Array | undefined;
  private posted = 0;
  private closed = false;
  /** Why the writer thread is gone, once it is. */
  private dead: string | undefined;

  constructor(
    readonly file: string,
    private readonly opts: SqliteStoreOptions = {},
  ) {
    if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    try {
      this.db = openDatabase(file);
    } catch (e) {
      throw new HardlineError('HL_ERR_STORE', `cannot open the watch store ${file}: ${(e as Error).message}`);
    }
    this.getCheckpoint = this.db.prepare('SELECT key, dev, ino, offset FROM checkpoints WHERE key = ?');
    if (opts.writer === 'thread' && file !== ':memory:') {
      const done = new SharedArrayBuffer(4);
      const { port1, port2 } = new MessageChannel();
      // plain JavaScript from source, no module loader inherited (the thread must start while
      // this one may be blocked waiting for it)
      this.worker = new Worker(WRITER_SOURCE, {
        eval: true,
        execArgv: [],
        workerData: writerData(
          path.resolve(file),
          createRequire(import.meta.url).resolve('better-sqlite3'),
          done,
          port2,
        ),
        transferList: [port2],
      });
      this.worker.unref();
      this.worker.on('error', (e) => {
        this.dead = e.message;
      });
      this.worker.on('exit', (code) => {
        this.dead ??= `exit code ${code}`;
      });
      this.replies = port1;
      this.progress = new Int32Array(done);
    } else {
      this.tx = writeTransaction(this.db, prepareWrites(this.db));
    }
  }

  addEvent(ev: SecurityEvent): void {
    const s = ev.source;
    const row: Row = [
      ev.time,
      ev.kind,
      s?.ip ?? null,
      s?.port ?? null,
      s?.transport ?? null,
      ev.account ?? null,
      ev.pbx ?? null,
      JSON.stringify(ev),
    ];
    const endpoint: Row | null =
      s && ev.account && isAuthSuccess(ev.kind)
        ? [ev.pbx ?? '', ev.account, s.ip, s.transport ?? '', ev.userAgent ?? '', ev.time, ev.time]
        : null;
    const media: Row | null =
      s && ev.account && ev.kind === 'media-negotiated' && ev.media
        ? [ev.media.protection, ev.pbx ?? '', ev.account, s.ip, ev.media.protection]
        : null;
    this.batch.events.push([row, endpoint, media]);
  }

  addIncident(i: Incident): void {
    this.batch.incidents.push([
      i.id,
      i.detector,
      i.severity,
      i.time,
      i.subject.key,
      i.subject.source ?? i.decision.source ?? null,
      i.subject.account ?? null,
      i.decision.action,
      JSON.stringify(i),
    ]);
  }

  commit(checkpoints: Checkpoint[] = []): void {
    const b = this.batch;
    if (b.events.length === 0 && b.incidents.length === 0 && checkpoints.length === 0) return;
    const now = Date.now();
    for (const c of checkpoints) b.checkpoints.push([c.key, c.dev, c.ino, c.offset, now]);
    this.batch = { events: [], incidents: [], checkpoints: [] };
    if (this.tx) {
      this.tx(b);
      return;
    }
    if (this.dead)
      throw new HardlineError('HL_ERR_STORE', `the watch store's writer thread stopped (${this.dead})`);
    const id = ++this.posted;
    this.worker!.postMessage({ id, batch: b });
    const outstanding = id - Atomics.load(this.progress!, 0);
    if (checkpoints.length > 0 || outstanding > MAX_OUTSTANDING) {
      const err = this.waitFor(id);
      if (err)
        throw new HardlineError('HL_ERR_STORE', `cannot write to the watch store ${this.file}: ${err}`);
    } else this.reportAsyncErrors();
  }

  /**
   * Waits until batch `id` is written; returns its error, if any (errors of other batches go to
   * onAsyncError).
   */
  private waitFor(id: number): string | undefined {
    const p = this.progress!;
    let last = Atomics.load(p, 0);
    let since = Date.now();
    for (;;) {
      const cur = Atomics.load(p, 0);
      if (cur >= id) break;
      if (cur !== last) {
        last = cur;
        since = Date.now();
      } else if (this.dead || Date.now() - since > WRITER_TIMEOUT_MS) {
        throw new HardlineError(
          'HL_ERR_STORE',
          `the watch store's writer thread ${this.dead ? `stopped (${this.dead})` : `made no progress for ${WRITER_TIMEOUT_MS / 1000} s`} (${this.file})`,
        );
      }
      Atomics.wait(p, 0, cur, 200);
    }
    return this.reportAsyncErrors(id);
  }

  /** Reads the writer's error replies; returns the error of batch `id`, reports the others. */
  private reportAsyncErrors(id?: number): string | undefined {
    let mine: string | undefined;
    for (;;) {
      const m = receiveMessageOnPort(this.replies!);
      if (!m) return mine;
      const r = m.message as { id: number; error: string };
      if (r.id === id) mine = r.error;
      else this.opts.onAsyncError?.(r.error);
    }
  }

  /** Waits until everything handed to the writer thread is written (reads see it then). */
  private drain(): void {
    if (!this.worker || this.posted === 0) return;
    const err = this.waitFor(this.posted);
    if (err) this.opts.onAsyncError?.(err);
  }

  checkpoint(key: string): Checkpoint | undefined {
    this.drain();
    return this.getCheckpoint.get(key) as Checkpoint | undefined;
  }

  recentEvents(since: number, limit = 100_000): SecurityEvent[] {
    this.drain();
    const rows = this.db
      .prepare('SELECT data FROM events WHERE time >= ? ORDER BY time, id LIMIT ?')
      .all(since, limit) as { data: string }[];
    return rows.map((r) => JSON.parse(r.data) as SecurityEvent);
  }

  newestEventTime(): number | undefined {
    this.drain();
    const r = this.db.prepare('SELECT max(time) AS t FROM events').get() as { t: number | null };
    return r.t ?? undefined;
  }

  incidents(opts: { since?: number; limit?: number } = {}): Incident[] {
    this.drain();
    const rows = this.db
      .prepare('SELECT data FROM incidents WHERE time >= ? ORDER BY time LIMIT ?')
      .all(opts.since ?? 0, opts.limit ?? 10_000) as { data: string }[];
    return rows.map((r) => JSON.parse(r.data) as Incident);
  }

  endpoints(): EndpointRecord[] {
    this.drain();
    return this.db
      .prepare(
        `SELECT pbx, account, source_ip AS sourceIp, transport, user_agent AS userAgent, media,
           first_seen AS firstSeen, last_seen AS lastSeen, count FROM endpoints ORDER BY account, source_ip`,
      )
      .all() as EndpointRecord[];
  }

  counts(): { events: number; incidents: number; endpoints: number } {
    this.drain();
    const n = (t: string) => (this.db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
    return { events: n('events'), incidents: n('incidents'), endpoints: n('endpoints') };
  }

  prune(now: number, retention: Retention): { events: number; incidents: number } {
    this.drain();
    const ev = this.db
      .prepare('DELETE FROM events WHERE time < ?')
      .run(now - retention.events * 1000).changes;
    const inc = this.db
      .prepare('DELETE FROM incidents WHERE time < ?')
      .run(now - retention.incidents * 1000).changes;
    this.db.prepare('DELETE FROM clock_skew WHERE last_seen < ?').run(now - retention.events * 1000);
    return { events: ev, incidents: inc };
  }

  /** Clock-skew summaries (one row per source, hour and watch run; a newer summary replaces it). */
  recordClockSkew(rows: ClockSkewRow[]): void {
    if (rows.length === 0) return;
    this.drain();
    const st = this.db.prepare(
      `INSERT OR REPLACE INTO clock_skew(source, bucket, run, samples, median_ms, min_ms, max_ms, max_abs_ms, resolution_ms, last_seen)
       VALUES (?,?,?,?,?,?,?,?,?,?)`,
    );
    this.db.transaction(() => {
      for (const r of rows)
        st.run(
          r.source,
          r.bucket,
          r.run,
          r.samples,
          r.medianMs,
          r.minMs,
          r.maxMs,
          r.maxAbsMs,
          r.resolutionMs,
          r.lastSeen,
        );
    })();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.commit();
    } finally {
      if (this.worker) {
        if (!this.dead) {
          const id = ++this.posted;
          this.worker.postMessage({ id, close: true });
          try {
            this.waitFor(id);
          } catch {
            // a stuck writer: terminate it below
          }
        }
        void this.worker.terminate();
        this.replies!.close();
      }
      this.db.close();
    }
  }
}
