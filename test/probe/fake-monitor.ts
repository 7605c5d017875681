import type { MonitorEvent, MonitorLookup } from '../../src/probe/logging.js';
import { serializeText } from '../../src/sip/serialize.js';
import type { FakeSip, Received } from '../fake-sip.js';

/**
 * A scriptable monitoring for PRB-LOG-001's unit tests: it "logs" what the fake SIP server
 * received, the way a script says (which requests leave which events, with which address, after
 * how long), and answers the probe's lookups like the watch store does: events stored after a
 * mark that contain the marker.
 */
export interface FakeMonitorOptions {
  /** The events a received request leaves (none: it is not logged). */
  record(r: Received): Omit<MonitorEvent, 'time' | 'via'>[];
  /** Events become visible this long after the request arrived (ms). */
  delayMs?: number;
}

/** The IP of a FakeSip `Received.source` (`127.0.0.1:40000`). */
export const sourceIp = (r: Received) => r.source.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');

/** A request that carried credentials (the answer to a challenge). */
export const withCredentials = (r: Received) =>
  r.message.has('authorization') || r.message.has('proxy-authorization');

export class FakeMonitor implements MonitorLookup {
  /** Lookups made (each polls once per attempt). */
  lookups = 0;
  constructor(
    private readonly fake: FakeSip,
    private readonly o: FakeMonitorOptions,
  ) {}
  describe(): string {
    return 'fake monitoring';
  }
  async mark(): Promise<number> {
    return this.fake.received.length;
  }
  async find(cursor: number, marker: string): Promise<MonitorEvent[]> {
    this.lookups++;
    const now = Date.now();
    return this.fake.received
      .slice(cursor)
      .filter((r) => r.at + (this.o.delayMs ?? 0) <= now && serializeText(r.message).includes(marker))
      .flatMap((r) => this.o.record(r).map((e) => ({ ...e, time: r.at, via: 'fake' })));
  }
  async newest(): Promise<number | undefined> {
    return this.fake.received.at(-1)?.at;
  }
  close(): void {}
}
