import Database from 'better-sqlite3';
import { HardlineError } from '../core/errors.js';
import type { EndpointRecord } from '../store/store.js';
import type { Incident } from '../watch/incident.js';
import type { Enforcement } from '../watch/outputs/bans.js';

/** One line of the ban history: what enforcement did, and who lifted which ban. */
export interface BanHistoryRow {
  time: number;
  /** banned, dry-run (detect mode), refused (allowlisted, set full, ...), unban. */
  action: 'banned' | 'dry-run' | 'refused' | 'unban';
  address: string;
  incidentId?: string;
  durationSec?: number;
  until?: string;
  detail?: string;
  /** `watch` (an incident) or `dashboard` (a person). */
  actor: string;
}

/** The ban-history row for one decision of the ban manager (`watch --ban`). */
export function enforcementRow(e: Enforcement): BanHistoryRow {
  const d = e.decision;
  if (d.action === 'refused')
    return {
      time: e.time,
      action: 'refused',
      address: d.address,
      incidentId: e.incidentId,
      detail: `${d.reason}: ${d.detail}`,
      actor: 'watch',
    };
  return {
    time: e.time,
    action: d.action,
    address: d.address,
    incidentId: e.incidentId,
    durationSec: d.durationSec,
    until: d.until,
    detail: `offence ${d.offence}${d.evicts ? `; evicted ${d.evicts}` : ''}${d.action === 'banned' && d.extended ? '; extended' : ''}`,
    actor: 'watch',
  };
}

export interface Ack {
  time: number;
  note: string;
}

/**
 * What the dashboard reads and writes, next to the watch store. The SQLite implementation opens
 * the watch database file with its own connection: in WAL mode readers never block the
 * watcher's commits. Its own tables (acknowledgements, ban history) are created on first use.
 */
export interface DashboardStore {
  incidents(since: number, limit?: number): Incident[];
  incident(id: string): Incident | undefined;
  /** Events per kind per bucket (bucket = floor(time / bucketMs)) with since <= time < until. */
  eventCounts(since: number, until: number, bucketMs: number): { kind: string; bucket: number; n: number }[];
  topSources(
    since: number,
    limit: number,
  ): { ip: string; events: number; failures: number; kinds: string[]; last: number }[];
  endpoints(): EndpointRecord[];
  /** Incidents naming an account, per account and detector (inventory flags). */
  accountIncidents(since: number): { account: string; detector: string; n: number; last: number }[];
  ack(id: string, ack: Ack): void;
  acks(ids: string[]): Map<string, Ack>;
  addHistory(r: BanHistoryRow): void;
  history(limit?: number): BanHistoryRow[];
  historyFor(incidentId: string): BanHistoryRow[];
  close(): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS web_acks (incident_id TEXT PRIMARY KEY, time INTEGER NOT NULL, note TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS ban_history (
  id INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  action TEXT NOT NULL,
  address TEXT NOT NULL,
  incident_id TEXT,
  duration INTEGER,
  until TEXT,
  detail TEXT,
  actor TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ban_history_time ON ban_history(time);
CREATE INDEX IF NOT EXISTS ban_history_incident ON ban_history(incident_id);
`;

/** Kinds that are normal operation, not attack traffic (left out of "top sources"). */
const BENIGN = ['auth-success', 'registration', 'auth-challenge', 'media-negotiated', 'call-ended'];

export class SqliteDashboardStore implements DashboardStore {
  private readonly db: Database.Database;
  private readonly st: Record<string, Database.Statement>;

  constructor(file: string) {
    try {
      this.db = new Database(file, { fileMustExist: true });
    } catch (e) {
      throw new HardlineError('HL_ERR_STORE', `cannot open the watch store ${file}: ${(e as Error).message}`);
    }
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.st = {
      incidents: this.db.prepare('SELECT data FROM incidents WHERE time >= ? ORDER BY time DESC LIMIT ?'),
      incident: this.db.prepare('SELECT data FROM incidents WHERE id = ?'),
      counts: this.db.prepare(
        'SELECT kind, CAST(time / ? AS INTEGER) AS bucket, count(*) AS n FROM events WHERE time >= ? AND time < ? GROUP BY kind, bucket',
      ),
      top: this.db.prepare(
        `SELECT source_ip AS ip, count(*) AS events,
           sum(kind IN ('auth-failure','ami-auth-failure','unknown-account','acl-reject')) AS failures,
           group_concat(DISTINCT kind) AS kinds, max(time) AS last
         FROM events WHERE time >= ? AND source_ip IS NOT NULL AND kind NOT IN (${BENIGN.map(() => '?').join(',')})
         GROUP BY source_ip ORDER BY events DESC LIMIT ?`,
      ),
      endpoints: this.db.prepare(
        `SELECT pbx, account, source_ip AS sourceIp, transport, user_agent AS userAgent, media,
           first_seen AS firstSeen, last_seen AS lastSeen, count FROM endpoints ORDER BY account, source_ip LIMIT 5000`,
      ),
      accountIncidents: this.db.prepare(
        `SELECT account, detector, count(*) AS n, max(time) AS last FROM incidents
         WHERE account IS NOT NULL AND time >= ? GROUP BY account, detector`,
      ),
      ack: this.db.prepare('INSERT OR REPLACE INTO web_acks(incident_id, time, note) VALUES (?,?,?)'),
      addHistory: this.db.prepare(
        'INSERT INTO ban_history(time, action, address, incident_id, duration, until, detail, actor) VALUES (?,?,?,?,?,?,?,?)',
      ),
      history: this.db.prepare('SELECT * FROM ban_history ORDER BY time DESC, id DESC LIMIT ?'),
      historyFor: this.db.prepare('SELECT * FROM ban_history WHERE incident_id = ? ORDER BY time, id'),
    };
  }

  incidents(since: number, limit = 200): Incident[] {
    return (this.st.incidents!.all(since, limit) as { data: string }[]).map((r) => JSON.parse(r.data));
  }

  incident(id: string): Incident | undefined {
    const r = this.st.incident!.get(id) as { data: string } | undefined;
    return r ? (JSON.parse(r.data) as Incident) : undefined;
  }

  eventCounts(since: number, until: number, bucketMs: number): { kind: string; bucket: number; n: number }[] {
    return this.st.counts!.all(bucketMs, since, until) as { kind: string; bucket: number; n: number }[];
  }

  topSources(since: number, limit: number) {
    const rows = this.st.top!.all(since, ...BENIGN, limit) as {
      ip: string;
      events: number;
      failures: number;
      kinds: string;
      last: number;
    }[];
    return rows.map((r) => ({ ...r, kinds: r.kinds ? r.kinds.split(',') : [] }));
  }

  endpoints(): EndpointRecord[] {
    return this.st.endpoints!.all() as EndpointRecord[];
  }

  accountIncidents(since: number) {
    return this.st.accountIncidents!.all(since) as {
      account: string;
      detector: string;
      n: number;
      last: number;
    }[];
  }

  ack(id: string, a: Ack): void {
    this.st.ack!.run(id, a.time, a.note);
  }

  acks(ids: string[]): Map<string, Ack> {
    const out = new Map<string, Ack>();
    for (let i = 0; i < ids.length; i += 500) {
      const part = ids.slice(i, i + 500);
      const rows = this.db
        .prepare(
          `SELECT incident_id AS id, time, note FROM web_acks WHERE incident_id IN (${part.map(() => '?').join(',')})`,
        )
        .all(...part) as { id: string; time: number; note: string }[];
      for (const r of rows) out.set(r.id, { time: r.time, note: r.note });
    }
    return out;
  }

  addHistory(r: BanHistoryRow): void {
    this.st.addHistory!.run(
      r.time,
      r.action,
      r.address,
      r.incidentId ?? null,
      r.durationSec ?? null,
      r.until ?? null,
      r.detail ?? null,
      r.actor,
    );
  }

  private static row(r: Record<string, unknown>): BanHistoryRow {
    return {
      time: r['time'] as number,
      action: r['action'] as BanHistoryRow['action'],
      address: r['address'] as string,
      actor: r['actor'] as string,
      ...(r['incident_id'] ? { incidentId: r['incident_id'] as string } : {}),
      ...(r['duration'] !== null ? { durationSec: r['duration'] as number } : {}),
      ...(r['until'] ? { until: r['until'] as string } : {}),
      ...(r['detail'] ? { detail: r['detail'] as string } : {}),
    };
  }

  history(limit = 200): BanHistoryRow[] {
    return (this.st.history!.all(limit) as Record<string, unknown>[]).map(SqliteDashboardStore.row);
  }

  historyFor(incidentId: string): BanHistoryRow[] {
    return (this.st.historyFor!.all(incidentId) as Record<string, unknown>[]).map(SqliteDashboardStore.row);
  }

  close(): void {
    this.db.close();
  }
}
