import type { AlertChannelConfig } from '../policy/sections.js';
import { incidentJson, iso } from '../watch/outputs/format.js';
import { webhookBody } from '../watch/outputs/webhook.js';
import type { AlertTransport } from './channel.js';
import { type AlertMessage, decisionText, messageSubject } from './message.js';

type WebhookConfig = Extract<AlertChannelConfig, { type: 'webhook' }>;

/** The body POSTed for a message: single incidents exactly as `watch --webhook` sends them. */
export function alertWebhookBody(format: 'json' | 'slack', m: AlertMessage): unknown {
  if (m.kind === 'incident') {
    const body = webhookBody(format, m.item.incident) as Record<string, unknown>;
    return m.item.suppressed ? { ...body, suppressedRepeats: m.item.suppressed } : body;
  }
  if (format === 'slack') {
    const lines = m.items.map(
      (it) =>
        `• *${it.incident.severity.toUpperCase()}* ${it.incident.detector}: ${it.incident.summary}${it.count > 1 ? ` (x${it.count})` : ''} → ${decisionText(it.incident)}`,
    );
    return {
      text: `hardline: ${messageSubject(m)}`,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: `*hardline ${messageSubject(m)}*` } },
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: `${lines.slice(0, 40).join('\n')}${m.more || lines.length > 40 ? '\n…' : ''}`,
          },
        },
      ],
    };
  }
  return {
    type: 'hardline.digest',
    version: 1,
    from: iso(m.from),
    to: iso(m.to),
    more: m.more,
    items: m.items.map((it) => ({
      key: it.key,
      count: it.count,
      suppressedRepeats: it.suppressed,
      first: iso(it.first),
      last: iso(it.last),
      incident: incidentJson(it.incident),
    })),
  };
}

export class WebhookTransport implements AlertTransport {
  readonly type = 'webhook';
  constructor(private readonly c: WebhookConfig) {}

  async send(m: AlertMessage): Promise<void> {
    const res = await fetch(this.c.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'hardline-watch' },
      body: JSON.stringify(alertWebhookBody(this.c.format, m)),
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
  }
}
