import Database from 'better-sqlite3';

/**
 * The SQLite store's schema, write statements and write transaction, shared by the store's own
 * connection and its writer thread (WRITER_SOURCE): one implementation of every write.
 */

export const SCHEMA = `
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

/** The values of one row insert/update, in statement order. */
export type Row = (string | number | null)[];

/**
 * Writes of one commit, as plain values (cheap to hand to the writer thread). Per event: its
 * events row, then an endpoint upsert or null, then a media update or null (applied in order).
 */
export interface WriteBatch {
  events: [event: Row, endpoint: Row | null, media: Row | null][];
  incidents: Row[];
  checkpoints: Row[];
}

export interface WriterStatements {
  event: Database.Statement;
  incident: Database.Statement;
  endpoint: Database.Statement;
  media: Database.Statement;
  checkpoint: Database.Statement;
}

/** Opens (and creates) the store file in WAL mode on a connection. */
const PRAGMAS = ['journal_mode = WAL', 'synchronous = NORMAL', 'busy_timeout = 5000'];
const META = "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema', '1')";
const WRITE_SQL: Record<keyof WriterStatements, string> = {
  event:
    'INSERT INTO events(time, kind, source_ip, source_port, transport, account, pbx, data) VALUES (?,?,?,?,?,?,?,?)',
  incident:
    'INSERT OR REPLACE INTO incidents(id, detector, severity, time, subject_key, source_ip, account, action, data) VALUES (?,?,?,?,?,?,?,?,?)',
  endpoint: `INSERT INTO endpoints(pbx, account, source_ip, transport, user_agent, first_seen, last_seen)
        VALUES (?,?,?,?,?,?,?)
        ON CONFLICT(pbx, account, source_ip, transport, user_agent) DO UPDATE SET
          last_seen = max(last_seen, excluded.last_seen), first_seen = min(first_seen, excluded.first_seen), count = count + 1`,
  media: 'UPDATE endpoints SET media = ? WHERE pbx = ? AND account = ? AND source_ip = ? AND media != ?',
  checkpoint: 'INSERT OR REPLACE INTO checkpoints(key, dev, ino, offset, updated) VALUES (?,?,?,?,?)',
};

/** Opens (and creates) the store file in WAL mode on a connection. */
export function openDatabase(file: string): Database.Database {
  const db = new Database(file);
  for (const p of PRAGMAS) db.pragma(p);
  db.exec(SCHEMA);
  db.prepare(META).run();
  return db;
}

export function prepareWrites(db: Database.Database): WriterStatements {
  const st = {} as Record<keyof WriterStatements, Database.Statement>;
  for (const [k, sql] of Object.entries(WRITE_SQL)) st[k as keyof WriterStatements] = db.prepare(sql);
  return st;
}

/**
 * Applies one batch with prepared statements (inside a transaction). Self-contained: the writer
 * thread runs this very function (see WRITER_SOURCE).
 */
export function applyBatch(st: WriterStatements, b: WriteBatch): void {
  for (const [ev, endpoint, media] of b.events) {
    st.event.run(ev);
    if (endpoint) st.endpoint.run(endpoint);
    if (media) st.media.run(media);
  }
  for (const i of b.incidents) st.incident.run(i);
  for (const c of b.checkpoints) st.checkpoint.run(c);
}

/** The transaction that applies one batch (all of it or nothing). */
export function writeTransaction(db: Database.Database, st: WriterStatements): (b: WriteBatch) => void {
  return db.transaction((b: WriteBatch) => applyBatch(st, b));
}

/** What the writer thread is started with. */
export interface WriterData {
  file: string;
  /** Resolved path of better-sqlite3 (the thread loads it with require). */
  driver: string;
  pragmas: string[];
  schema: string;
  meta: string;
  sql: Record<string, string>;
  /** [0]: id of the last batch done. */
  done: SharedArrayBuffer;
  /** Error replies (posted before the progress moves, so a waiter finds them). */
  replies: unknown;
}

export function writerData(
  file: string,
  driver: string,
  done: SharedArrayBuffer,
  replies: unknown,
): WriterData {
  return { file, driver, pragmas: PRAGMAS, schema: SCHEMA, meta: META, sql: WRITE_SQL, done, replies };
}

/**
 * The writer thread's program. It is run from source (`eval`), as plain JavaScript without any
 * module loader, so it refers to nothing outside itself but `require` and applyBatch.
 */
function writerThread(apply: typeof applyBatch): void {
  const { parentPort, workerData } = require('node:worker_threads');
  const w = workerData as WriterData;
  const progress = new Int32Array(w.done);
  const replies = w.replies as { postMessage(m: unknown): void };
  let db: Database.Database | undefined;
  let st: WriterStatements | undefined;
  let tx: ((b: WriteBatch) => void) | undefined;
  let openError: string | undefined;
  try {
    const Driver = require(w.driver) as typeof Database;
    db = new Driver(w.file);
    for (const p of w.pragmas) db.pragma(p);
    db.exec(w.schema);
    db.prepare(w.meta).run();
    const s = {} as Record<string, Database.Statement>;
    for (const k of Object.keys(w.sql)) s[k] = db.prepare(w.sql[k]!);
    st = s as unknown as WriterStatements;
    tx = db.transaction((b: WriteBatch) => apply(st!, b));
  } catch (e) {
    openError = (e as Error).message;
  }
  const finish = (id: number) => {
    Atomics.store(progress, 0, id);
    Atomics.notify(progress, 0);
  };
  parentPort.on('message', (m: { id: number; batch?: WriteBatch; close?: boolean }) => {
    if (m.close) {
      try {
        db?.close();
      } catch {
        // closing a broken connection: nothing more to do
      }
      finish(m.id);
      return;
    }
    let error = openError;
    if (!error && m.batch) {
      try {
        tx!(m.batch);
      } catch (e) {
        error = (e as Error).message;
      }
    }
    if (error) replies.postMessage({ id: m.id, error });
    finish(m.id);
  });
}

/** Source of the writer thread (for `new Worker(WRITER_SOURCE, { eval: true })`). */
export const WRITER_SOURCE = `var __name = (f) => f;\n(${writerThread.toString()})(${applyBatch.toString()});`;
