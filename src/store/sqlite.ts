import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { HardlineError } from '../core/errors.js';
import { isAuthSuccess, type SecurityEvent } from '../watch/event.js';
import type { Incident } from '../watch/incident.js';
import type { ClockSkewRow } from '../watch/skew.js';
import type { Checkpoint, EndpointRecord, Retention, WatchStore } from './store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  kind TEXT NOT NULL,
  source_ip TEXT,
  source_port INTEGER,
  transport TEXT,
  account TEXT,
  pbx TEXT,
  data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_time ON events(time);
CREATE INDEX IF NOT EXISTS events_source ON events(source_ip, time);
CREATE TABLE IF NOT EXISTS incidents (
  id TEXT PRIMARY KEY,
  detector TEXT NOT NULL,
  severity TEXT NOT NULL,
  time INTEGER NOT NULL,
  subject_key TEXT NOT NULL,
  source_ip TEXT,
  account TEXT,
  action TEXT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS incidents_time ON incidents(time);
CREATE TABLE IF NOT EXISTS endpoints (
  pbx TEXT NOT NULL,
  account TEXT NOT NULL,
  source_ip TEXT NOT NULL,
  transport TEXT NOT NULL,
  user_agent TEXT NOT NULL,
  media TEXT NOT NULL DEFAULT '',
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  count INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (pbx, account, source_ip, transport, user_agent)
);
CREATE TABLE IF NOT EXISTS checkpoints (
  key TEXT PRIMARY KEY,
  dev INTEGER NOT NULL,
  ino INTEGER NOT NULL,
  offset INTEGER NOT NULL,
  updated INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS clock_skew (
  source TEXT NOT NULL,
  bucket INTEGER NOT NULL,
  run TEXT NOT NULL,
  samples INTEGER NOT NULL,
  median_ms REAL NOT NULL,
  min_ms REAL NOT NULL,
  max_ms REAL NOT NULL,
  max_abs_ms REAL NOT NULL,
  resolution_ms INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  PRIMARY KEY (source, bucket, run)
);
`;

/** The embedded store: one SQLite file in WAL mode (readers never block the watcher). */
export class SqliteStore implements WatchStore {
  private readonly db: Database.Database;
  private events: SecurityEvent[] = [];
  private incidentsBuf: Incident[] = [];
  private readonly st: Record<string, Database.Statement>;
  private readonly tx: (cps: Checkpoint[]) => void;

  constructor(readonly file: string) {
    if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    try {
      this.db = new Database(file);
    } catch (e) {
      throw new HardlineError('HL_ERR_STORE', `cannot open the watch store ${file}: ${(e as Error).message}`);
    }
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.db.prepare("INSERT OR IGNORE INTO meta(key, value) VALUES ('schema', '1')").run();
    this.st = {
      event: this.db.prepare(
        'INSERT INTO events(time, kind, source_ip, source_port, transport, account, pbx, data) VALUES (?,?,?,?,?,?,?,?)',
      ),
      incident: this.db.prepare(
        'INSERT OR REPLACE INTO incidents(id, detector, severity, time, subject_key, source_ip, account, action, data) VALUES (?,?,?,?,?,?,?,?,?)',
      ),
      endpoint:
        this.db.prepare(`INSERT INTO endpoints(pbx, account, source_ip, transport, user_agent, first_seen, last_seen)
        VALUES (?,?,?,?,?,?,?)
        ON CONFLICT(pbx, account, source_ip, transport, user_agent) DO UPDATE SET
          last_seen = max(last_seen, excluded.last_seen), first_seen = min(first_seen, excluded.first_seen), count = count + 1`),
      media: this.db.prepare(
        'UPDATE endpoints SET media = ? WHERE pbx = ? AND account = ? AND source_ip = ? AND media != ?',
      ),
      checkpoint: this.db.prepare(
        'INSERT OR REPLACE INTO checkpoints(key, dev, ino, offset, updated) VALUES (?,?,?,?,?)',
      ),
      getCheckpoint: this.db.prepare('SELECT key, dev, ino, offset FROM checkpoints WHERE key = ?'),
    };
    this.tx = this.db.transaction((cps: Checkpoint[]) => {
      for (const ev of this.events) this.writeEvent(ev);
      for (const i of this.incidentsBuf) {
        this.st.incident!.run(
          i.id,
          i.detector,
          i.severity,
          i.time,
          i.subject.key,
          i.subject.source ?? i.decision.source ?? null,
          i.subject.account ?? null,
          i.decision.action,
          JSON.stringify(i),
        );
      }
      const now = Date.now();
      for (const c of cps) this.st.checkpoint!.run(c.key, c.dev, c.ino, c.offset, now);
    });
  }

  private writeEvent(ev: SecurityEvent): void {
    const s = ev.source;
    this.st.event!.run(
      ev.time,
      ev.kind,
      s?.ip ?? null,
      s?.port ?? null,
      s?.transport ?? null,
      ev.account ?? null,
      ev.pbx ?? null,
      JSON.stringify(ev),
    );
    if (s && ev.account && isAuthSuccess(ev.kind)) {
      this.st.endpoint!.run(
        ev.pbx ?? '',
        ev.account,
        s.ip,
        s.transport ?? '',
        ev.userAgent ?? '',
        ev.time,
        ev.time,
      );
    }
    if (s && ev.account && ev.kind === 'media-negotiated' && ev.media) {
      this.st.media!.run(ev.media.protection, ev.pbx ?? '', ev.account, s.ip, ev.media.protection);
    }
  }

  addEvent(ev: SecurityEvent): void {
    this.events.push(ev);
  }

  addIncident(i: Incident): void {
    this.incidentsBuf.push(i);
  }

  commit(checkpoints: Checkpoint[] = []): void {
    if (this.events.length === 0 && this.incidentsBuf.length === 0 && checkpoints.length === 0) return;
    try {
      this.tx(checkpoints);
    } finally {
      this.events = [];
      this.incidentsBuf = [];
    }
  }

  checkpoint(key: string): Checkpoint | undefined {
    return this.st.getCheckpoint!.get(key) as Checkpoint | undefined;
  }

  recentEvents(since: number, limit = 100_000): SecurityEvent[] {
    const rows = this.db
      .prepare('SELECT data FROM events WHERE time >= ? ORDER BY time, id LIMIT ?')
      .all(since, limit) as { data: string }[];
    return rows.map((r) => JSON.parse(r.data) as SecurityEvent);
  }

  newestEventTime(): number | undefined {
    const r = this.db.prepare('SELECT max(time) AS t FROM events').get() as { t: number | null };
    return r.t ?? undefined;
  }

  incidents(opts: { since?: number; limit?: number } = {}): Incident[] {
    const rows = this.db
      .prepare('SELECT data FROM incidents WHERE time >= ? ORDER BY time LIMIT ?')
      .all(opts.since ?? 0, opts.limit ?? 10_000) as { data: string }[];
    return rows.map((r) => JSON.parse(r.data) as Incident);
  }

  endpoints(): EndpointRecord[] {
    return this.db
      .prepare(
        `SELECT pbx, account, source_ip AS sourceIp, transport, user_agent AS userAgent, media,
           first_seen AS firstSeen, last_seen AS lastSeen, count FROM endpoints ORDER BY account, source_ip`,
      )
      .all() as EndpointRecord[];
  }

  counts(): { events: number; incidents: number; endpoints: number } {
    const n = (t: string) => (this.db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
    return { events: n('events'), incidents: n('incidents'), endpoints: n('endpoints') };
  }

  prune(now: number, retention: Retention): { events: number; incidents: number } {
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
    this.commit();
    this.db.close();
  }
}
