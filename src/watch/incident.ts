import type { Severity } from '../core/severity.js';
import type { SecurityEvent } from './event.js';

/** What the detector decided; `watch --ban` hands ban decisions to the ban manager. */
export interface Decision {
  action: 'ban' | 'alert';
  /** Address a ban would block (always a transport-level source address). */
  source?: string;
  reason: string;
  /** Suggested ban duration in seconds (ban only). */
  duration?: number;
  /** Why a ban-worthy incident is only an alert: the source is a trunk, trusted, or authenticated. */
  spared?: { why: 'trunk' | 'trusted-network' | 'authenticated'; name?: string };
  /** Set when this watch carries ban decisions out (`--ban`, firewall.mode enforce). */
  enforced?: boolean;
}

export interface IncidentSubject {
  kind: 'source' | 'account' | 'global';
  source?: string;
  account?: string;
  /** Detector key, e.g. the source address, `account:101`, `code:404`. */
  key: string;
}

/** Evidence kept per incident: at most this many events (the count says how many there were). */
export const MAX_INCIDENT_EVENTS = 20;

export interface Incident {
  /** Stable id: detector, key and event time. */
  id: string;
  detector: string;
  title: string;
  severity: Severity;
  /** Event time at which the threshold was crossed. */
  time: number;
  firstSeen: number;
  subject: IncidentSubject;
  summary: string;
  /** Events counted (may exceed `events.length`). */
  count: number;
  /** Distinct sources involved (distributed attacks). */
  sources?: string[];
  /** The events that raised it, oldest first (bounded). */
  events: SecurityEvent[];
  decision: Decision;
}
