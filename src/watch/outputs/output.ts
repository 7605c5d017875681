import type { SecurityEvent } from '../event.js';
import type { Incident } from '../incident.js';

/**
 * Something `watch` feeds besides its store: the dashboard, alert channels, the ban manager.
 * Nothing here may block ingest: event() runs on the ingest path and must be O(1); incident()
 * runs after the incident was committed to the store and must queue and return.
 */
export interface WatchOutput {
  /** Every decoded event, as it is decoded. */
  event?(ev: SecurityEvent): void;
  /** Every incident, once committed (readers of the store see it). */
  incident?(i: Incident): void;
  /** Called once at stop, before the store closes: flush, give pending deliveries a moment. */
  close?(): Promise<void>;
}
