import { SEVERITIES, type Severity, severityRank } from '../core/severity.js';
import type { Incident } from '../watch/incident.js';
import { formatIncidentLine, iso } from '../watch/outputs/format.js';

/** Incidents with the same key are one thing happening again: detector and subject. */
export function incidentKey(i: Incident): string {
  return `${i.detector}|${i.subject.key}`;
}

/** One incident key in a message: the newest incident, and how often it happened. */
export interface AlertItem {
  key: string;
  /** The newest incident with this key. */
  incident: Incident;
  /** Incidents merged into this item (digest mode), at least 1. */
  count: number;
  /** Incidents with this key left out by deduplication since the last message that carried it. */
  suppressed: number;
  /** Wall time (ms) of the first and last merged incident. */
  first: number;
  last: number;
}

export type AlertMessage =
  | { kind: 'incident'; item: AlertItem }
  | {
      kind: 'digest';
      /** Wall-time period the digest covers (ms). */
      from: number;
      to: number;
      items: AlertItem[];
      /** Incident keys that did not fit into the digest (bounded). */
      more: number;
    };

export function worstSeverity(items: AlertItem[]): Severity {
  let worst: Severity = 'info';
  for (const it of items)
    if (severityRank(it.incident.severity) > severityRank(worst)) worst = it.incident.severity;
  return worst;
}

export function decisionText(i: Incident): string {
  const d = i.decision;
  if (d.action === 'ban') return `ban ${d.source} (${d.reason})`;
  if (d.spared) return `alert only: ${d.spared.why}${d.spared.name ? ` '${d.spared.name}'` : ''}`;
  return `alert (${d.reason})`;
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** Counts per severity, most severe first: `2 high, 1 medium`. */
export function severitySummary(items: AlertItem[]): string {
  const n = new Map<Severity, number>();
  for (const it of items) n.set(it.incident.severity, (n.get(it.incident.severity) ?? 0) + it.count);
  return SEVERITIES.filter((s) => n.has(s))
    .map((s) => `${n.get(s)} ${s}`)
    .join(', ');
}

function hhmm(t: number): string {
  return new Date(t).toISOString().slice(11, 16);
}

/** Subject line of a message (e-mail subject, chat headline). */
export function messageSubject(m: AlertMessage): string {
  if (m.kind === 'incident') {
    const i = m.item.incident;
    return clip(`${i.severity.toUpperCase()} ${i.detector}: ${i.summary}`, 160);
  }
  const total = m.items.reduce((a, b) => a + b.count, 0);
  return `digest ${hhmm(m.from)}-${hhmm(m.to)} UTC: ${total} incident${total === 1 ? '' : 's'} (${severitySummary(m.items)})${m.more ? ` and ${m.more} more keys` : ''}`;
}

function itemText(it: AlertItem): string[] {
  const i = it.incident;
  const out = [formatIncidentLine(i)];
  out.push(`  decision: ${decisionText(i)}`);
  if (it.count > 1) out.push(`  happened ${it.count} times between ${iso(it.first)} and ${iso(it.last)}`);
  if (it.suppressed > 0) out.push(`  ${it.suppressed} repeat(s) not sent separately (deduplication)`);
  const ev = i.events[0];
  if (ev) out.push(`  evidence (${i.count} events, first): ${clip(ev.evidence.raw, 300)}`);
  return out;
}

/** Plain-text body (e-mail). */
export function messageText(m: AlertMessage): string {
  const lines: string[] = [];
  if (m.kind === 'incident') {
    lines.push(...itemText(m.item));
  } else {
    lines.push(
      `hardline digest from ${iso(m.from)} to ${iso(m.to)}: ${severitySummary(m.items) || 'nothing'}`,
      '',
    );
    const sorted = [...m.items].sort(
      (a, b) => severityRank(b.incident.severity) - severityRank(a.incident.severity) || a.first - b.first,
    );
    for (const it of sorted) lines.push(...itemText(it), '');
    if (m.more) lines.push(`... and ${m.more} more incident keys (digest size limit)`);
  }
  lines.push('', '-- ', 'hardline watch (the dashboard has the full evidence of each incident)');
  return `${lines.join('\n')}\n`;
}
