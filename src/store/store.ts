import type { SecurityEvent } from '../watch/event.js';
import type { Incident } from '../watch/incident.js';
import type { ClockSkewRow } from '../watch/skew.js';

/** Where a tailed file was read up to: the byte after the last complete line. */
export interface Checkpoint {
  /** Absolute path of the followed file. */
  key: string;
  dev: number;
  ino: number;
  offset: number;
}

/** One row of the endpoint inventory. */
export interface EndpointRecord {
  pbx: string;
  account: string;
  sourceIp: string;
  transport: string;
  userAgent: string;
  media: string;
  firstSeen: number;
  lastSeen: number;
  count: number;
}

export interface Retention {
  /** Seconds. */
  events: number;
  incidents: number;
}

/**
 * Persistent watch state. Writes are buffered and land in ONE transaction together with the
 * checkpoints at commit(): after a crash the store holds exactly the events of the lines before
 * the stored checkpoint, so resuming from it neither loses nor duplicates anything. SQLite
 * implements it (sqlite.ts); a server database can implement the same interface.
 */
export interface WatchStore {
  addEvent(ev: SecurityEvent): void;
  addIncident(i: Incident): void;
  /** Writes buffered events, incidents, inventory updates and these checkpoints atomically. */
  commit(checkpoints?: Checkpoint[]): void;
  checkpoint(key: string): Checkpoint | undefined;
  /** Events with time >= since (ms), oldest first, at most `limit`. */
  recentEvents(since: number, limit?: number): SecurityEvent[];
  newestEventTime(): number | undefined;
  incidents(opts?: { since?: number; limit?: number }): Incident[];
  endpoints(): EndpointRecord[];
  counts(): { events: number; incidents: number; endpoints: number };
  /** Clock-skew summaries per event source (src/watch/skew.ts); optional for other stores. */
  recordClockSkew?(rows: ClockSkewRow[]): void;
  /** Deletes events and incidents older than the retention (relative to `now`, ms). */
  prune(now: number, retention: Retention): { events: number; incidents: number };
  close(): void;
}
