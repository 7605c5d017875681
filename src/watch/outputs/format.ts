import { formatEndpoint, type SecurityEvent } from '../event.js';
import type { Incident } from '../incident.js';

export function iso(t: number): string {
  return Number.isFinite(t) ? new Date(t).toISOString() : String(t);
}

/** One line per incident, for logs and chat. */
export function formatIncidentLine(i: Incident): string {
  const d = i.decision;
  const decision =
    d.action === 'ban'
      ? d.enforced
        ? `ban ${d.source} for at least ${d.duration} s`
        : `would ban ${d.source} for ${d.duration} s`
      : d.spared
        ? `alert only (${d.spared.why}${d.spared.name ? ` '${d.spared.name}'` : ''})`
        : 'alert';
  return `${iso(i.time)} ${i.severity.toUpperCase()} ${i.detector}: ${i.summary} -> ${decision}`;
}

/** One line per event, for explain. */
export function formatEventLine(ev: SecurityEvent): string {
  const parts = [
    ev.kind,
    `src ${formatEndpoint(ev.source)}`,
    ev.account !== undefined ? `account '${ev.account}'` : undefined,
    ev.service ? `service ${ev.service}` : undefined,
    ev.pbx ? `pbx ${ev.pbx}` : undefined,
    ev.sip?.method ? `method ${ev.sip.method}` : undefined,
    ev.sip?.code ? `code ${ev.sip.code}` : undefined,
    ev.destination ? `to '${ev.destination}'` : undefined,
    ev.reason ? `reason "${ev.reason}"` : undefined,
    `time ${iso(ev.time)}`,
    ev.sourceIssue ? `NO SOURCE: ${ev.sourceIssue}` : undefined,
  ];
  return parts.filter(Boolean).join('  ');
}

/** JSON form of an event (evidence kept). */
export function eventJson(ev: SecurityEvent): Record<string, unknown> {
  return { ...ev, time: iso(ev.time) };
}

export function incidentJson(i: Incident): Record<string, unknown> {
  return {
    ...i,
    time: iso(i.time),
    firstSeen: iso(i.firstSeen),
    events: i.events.map(eventJson),
  };
}
