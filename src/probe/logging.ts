import { WatchStoreReader } from '../store/reader.js';

/**
 * What `hardline probe --verify-logging` asks the monitoring: which events did the attempts it
 * just made leave? Every attempt carries a unique marker (its SIP user, digest username and
 * Call-ID); the lookup finds the events stored after a mark that contain it. The watch store
 * implements it (StoreMonitorLookup); the tests use fakes.
 */

/** One event the monitoring recorded, as much as the verification needs. */
export interface MonitorEvent {
  kind: string;
  /** Event time, ms (the PBX's or capture agent's clock). */
  time: number;
  /** The source address the event names (from the transport), if any. */
  sourceIp?: string;
  account?: string;
  /** Decoder and origin (`hep-sip`, `file:/var/log/asterisk/security:120`), for the evidence. */
  via: string;
}

export interface MonitorLookup {
  /** For notes and evidence: `watch store /var/lib/hardline/watch.db`. */
  describe(): string;
  /** A position: find() only sees events stored after it. */
  mark(): Promise<number>;
  /** Events stored after `cursor` that contain `marker`, oldest first (bounded). */
  find(cursor: number, marker: string): Promise<MonitorEvent[]>;
  /** Time of the newest event the monitoring holds (to tell a stale store). */
  newest(): Promise<number | undefined>;
  close(): void;
}

/** The verification settings `--verify-logging` passes to the probe. */
export interface LoggingVerification {
  lookup: MonitorLookup;
  /** Failing requests per endpoint (1..10). */
  attempts: number;
  /** How long each may take to show up in the monitoring, ms. */
  waitMs: number;
}

export const MAX_ATTEMPTS = 10;
export const MAX_WAIT_S = 120;

/** The watch store (`--watch-db FILE`), read-only. */
export class StoreMonitorLookup implements MonitorLookup {
  private readonly reader: WatchStoreReader;
  constructor(readonly file: string) {
    this.reader = new WatchStoreReader(file);
  }
  describe(): string {
    return `watch store ${this.file}`;
  }
  async mark(): Promise<number> {
    return this.reader.lastEventId();
  }
  async find(cursor: number, marker: string): Promise<MonitorEvent[]> {
    return this.reader.eventsContaining(cursor, marker, { limit: 50 }).map(({ event: e }) => ({
      kind: e.kind,
      time: e.time,
      ...(e.source?.ip ? { sourceIp: e.source.ip } : {}),
      ...(e.account ? { account: e.account } : {}),
      via: `${e.evidence.decoder}${e.evidence.origin ? ` ${e.evidence.origin}` : ''}`,
    }));
  }
  async newest(): Promise<number | undefined> {
    return this.reader.newestEventTime();
  }
  close(): void {
    this.reader.close();
  }
}
