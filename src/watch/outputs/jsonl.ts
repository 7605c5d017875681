import { createWriteStream, type WriteStream } from 'node:fs';
import type { SecurityEvent } from '../event.js';
import type { Incident } from '../incident.js';
import type { Sink } from '../pipeline.js';
import { eventJson, incidentJson } from './format.js';

/** JSON lines: one incident (and optionally one event) per line, to a file or stdout. */
export class JsonlSink implements Sink {
  private readonly out: WriteStream | NodeJS.WriteStream;
  constructor(
    target: string,
    private readonly withEvents = false,
  ) {
    this.out = target === '-' ? process.stdout : createWriteStream(target, { flags: 'a' });
  }
  event(ev: SecurityEvent): void {
    if (this.withEvents) this.out.write(`${JSON.stringify({ type: 'event', ...eventJson(ev) })}\n`);
  }
  incident(i: Incident): void {
    this.out.write(`${JSON.stringify({ type: 'incident', ...incidentJson(i) })}\n`);
  }
  close(): Promise<void> {
    if (this.out === process.stdout) return Promise.resolve();
    return new Promise((resolve) => (this.out as WriteStream).end(resolve));
  }
}
