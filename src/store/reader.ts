import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { HardlineError } from '../core/errors.js';
import type { SecurityEvent } from '../watch/event.js';
import { type ClockSkewRow, combineSkew } from '../watch/skew.js';
import type { EndpointRecord } from './store.js';

/**
 * Read-only queries on the watch store (the SQLite file `hardline watch --db` writes), for the
 * commands that look at what watch saw without being watch: `hardline review --watch-db` and
 * `hardline probe --verify-logging --watch-db`. Opened read-only, so it never blocks or changes
 * the running watcher (WAL: readers see the last committed batch). Tables a store written by an
 * older watch lacks (clock_skew) read as empty.
 */

/** Sightings of plain signalling or media outside the registration inventory. */
export interface CleartextRecord {
  kind: 'signalling' | 'media';
  pbx: string;
  account: string;
  sourceIp: string;
  transport: string;
  /** media: the protection negotiated (`none`); signalling: the event kind (`call-attempt`). */
  detail: string;
  count: number;
  firstSeen: number;
  lastSeen: number;
}

export interface SkewSummary {
  source: string;
  samples: number;
  medianMs: number;
  maxAbsMs: number;
  lastSeen: number;
  resolutionMs: number;
}

export interface StoredEvent {
  /** Row id: increases with every event stored. */
  id: number;
  event: SecurityEvent;
}

export class WatchStoreReader {
  private readonly db: Database.Database;

  constructor(readonly file: string) {
    if (!existsSync(file))
      throw new HardlineError('HL_ERR_STORE', `the watch store ${file} does not exist`, [
        { file, message: 'give the file hardline watch writes with --db (e.g. /var/lib/hardline/watch.db)' },
      ]);
    try {
      this.db = new Database(file, { readonly: true, fileMustExist: true });
      this.db.pragma('busy_timeout = 5000');
      this.db.prepare('SELECT count(*) FROM events').get();
    } catch (e) {
      throw new HardlineError(
        'HL_ERR_STORE',
        `cannot read the watch store ${file}: ${(e as Error).message}`,
        [
          {
            file,
            message:
              'it must be a store written by hardline watch --db, readable by this user (with its -wal and -shm files beside it)',
          },
        ],
      );
    }
  }

  private hasTable(name: string): boolean {
    return Boolean(
      this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name),
    );
  }

  /** The endpoint inventory, rows last seen at or after `since` (ms; all when undefined). */
  endpoints(since?: number): EndpointRecord[] {
    return this.db
      .prepare(
        `SELECT pbx, account, source_ip AS sourceIp, transport, user_agent AS userAgent, media,
           first_seen AS firstSeen, last_seen AS lastSeen, count FROM endpoints
         WHERE last_seen >= ? ORDER BY account, source_ip, first_seen`,
      )
      .all(since ?? 0) as EndpointRecord[];
  }

  /**
   * Plain media negotiated (media-negotiated events with protection `none`) and calls set up
   * over a plain transport (call-attempt events over UDP, TCP or WS), per account and source.
   */
  cleartext(since?: number): CleartextRecord[] {
    const media = this.db
      .prepare(
        `SELECT coalesce(pbx, '') AS pbx, account, source_ip AS sourceIp, coalesce(transport, '') AS transport,
           json_extract(data, '$.media.protection') AS detail, count(*) AS count,
           min(time) AS firstSeen, max(time) AS lastSeen
         FROM events WHERE time >= ? AND kind = 'media-negotiated' AND account IS NOT NULL AND source_ip IS NOT NULL
           AND json_extract(data, '$.media.protection') = 'none'
         GROUP BY 1, 2, 3, 4, 5 ORDER BY account, source_ip`,
      )
      .all(since ?? 0) as Omit<CleartextRecord, 'kind'>[];
    const calls = this.db
      .prepare(
        `SELECT coalesce(pbx, '') AS pbx, account, source_ip AS sourceIp, transport, kind AS detail,
           count(*) AS count, min(time) AS firstSeen, max(time) AS lastSeen
         FROM events WHERE time >= ? AND kind = 'call-attempt' AND account IS NOT NULL AND source_ip IS NOT NULL
           AND transport IN ('udp', 'tcp', 'ws')
         GROUP BY 1, 2, 3, 4, 5 ORDER BY account, source_ip`,
      )
      .all(since ?? 0) as Omit<CleartextRecord, 'kind'>[];
    return [
      ...media.map((m) => ({ ...m, kind: 'media' as const })),
      ...calls.map((c) => ({ ...c, kind: 'signalling' as const })),
    ];
  }

  /** Clock skew per event source over the summaries received at or after `since`. */
  clockSkew(since?: number): SkewSummary[] {
    if (!this.hasTable('clock_skew')) return [];
    const rows = this.db
      .prepare(
        `SELECT source, bucket, run, samples, median_ms AS medianMs, min_ms AS minMs, max_ms AS maxMs,
           max_abs_ms AS maxAbsMs, resolution_ms AS resolutionMs, last_seen AS lastSeen
         FROM clock_skew WHERE last_seen >= ? ORDER BY source, bucket`,
      )
      .all(since ?? 0) as ClockSkewRow[];
    const by = new Map<string, ClockSkewRow[]>();
    for (const r of rows) by.set(r.source, [...(by.get(r.source) ?? []), r]);
    return [...by].map(([source, rs]) => ({
      source,
      ...combineSkew(rs),
      resolutionMs: Math.max(...rs.map((r) => r.resolutionMs)),
    }));
  }

  /** Followed files and imported captures (checkpoints) with the time watch last committed them. */
  checkpoints(): { key: string; updated: number }[] {
    return this.db.prepare('SELECT key, updated FROM checkpoints ORDER BY key').all() as {
      key: string;
      updated: number;
    }[];
  }

  /** The id of the newest stored event (0 when none): events stored later have larger ids. */
  lastEventId(): number {
    return (this.db.prepare('SELECT coalesce(max(id), 0) AS id FROM events').get() as { id: number }).id;
  }

  newestEventTime(): number | undefined {
    const r = this.db.prepare('SELECT max(time) AS t FROM events').get() as { t: number | null };
    return r.t ?? undefined;
  }

  /**
   * Events stored after event id `afterId` whose stored form contains `text` anywhere (raw
   * evidence, account, Call-ID, ...), oldest first, at most `limit`. Optionally only from
   * `sourceIp`.
   */
  eventsContaining(
    afterId: number,
    text: string,
    o: { sourceIp?: string; limit?: number } = {},
  ): StoredEvent[] {
    const like = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows = (
      o.sourceIp !== undefined
        ? this.db
            .prepare(
              "SELECT id, data FROM events WHERE id > ? AND source_ip = ? AND data LIKE ? ESCAPE '\\' ORDER BY id LIMIT ?",
            )
            .all(afterId, o.sourceIp, like, o.limit ?? 100)
        : this.db
            .prepare(
              "SELECT id, data FROM events WHERE id > ? AND data LIKE ? ESCAPE '\\' ORDER BY id LIMIT ?",
            )
            .all(afterId, like, o.limit ?? 100)
    ) as { id: number; data: string }[];
    return rows.map((r) => ({ id: r.id, event: JSON.parse(r.data) as SecurityEvent }));
  }

  close(): void {
    this.db.close();
  }
}
