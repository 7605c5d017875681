import type { Incident } from '../incident.js';
import { formatIncidentLine } from './format.js';

/**
 * Webhook delivery: a bounded in-memory queue drained by one async sender, with exponential
 * backoff between retries. enqueue() is synchronous and never waits, so ingest is never blocked;
 * when the queue is full the oldest pending incident is dropped and counted.
 */

export type WebhookKind = 'json' | 'slack';

export interface WebhookOptions {
  url: string;
  kind: WebhookKind;
  /** Pending deliveries kept at most (default 1000). */
  queueSize?: number;
  /** Attempts per incident (default 8). */
  maxAttempts?: number;
  /** First retry delay in ms (default 1000), doubled each time up to maxDelayMs (default 60000). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  timeoutMs?: number;
  onResult?(result: 'ok' | 'retry' | 'failed' | 'dropped', detail: string): void;
}

export function webhookBody(kind: WebhookKind, i: Incident): unknown {
  if (kind === 'slack') {
    return {
      text: `hardline: ${formatIncidentLine(i)}`,
      blocks: [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: `*${i.severity.toUpperCase()}* ${i.title}\n${i.summary}\n*decision:* ${i.decision.action}${i.decision.source ? ` ${i.decision.source}` : ''} (${i.decision.reason})`,
          },
        },
        {
          type: 'context',
          elements: [
            {
              type: 'mrkdwn',
              text: `first evidence: \`${(i.events[0]?.evidence.raw ?? '').slice(0, 300)}\``,
            },
          ],
        },
      ],
    };
  }
  return { type: 'hardline.incident', version: 1, incident: i };
}

export class WebhookSender {
  private readonly queue: { body: string; attempts: number; id: string }[] = [];
  private running = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private wakeUp: (() => void) | undefined;
  delivered = 0;
  dropped = 0;

  constructor(private readonly o: WebhookOptions) {}

  get pending(): number {
    return this.queue.length;
  }

  enqueue(i: Incident): void {
    if (this.stopped) return;
    const cap = this.o.queueSize ?? 1000;
    if (this.queue.length >= cap) {
      const old = this.queue.shift();
      this.dropped++;
      this.o.onResult?.('dropped', `queue full (${cap}); dropped ${old?.id}`);
    }
    this.queue.push({ body: JSON.stringify(webhookBody(this.o.kind, i)), attempts: 0, id: i.id });
    if (!this.running) void this.run();
    else this.wakeUp?.();
  }

  private async run(): Promise<void> {
    this.running = true;
    let delay = this.o.baseDelayMs ?? 1000;
    while (this.queue.length && !this.stopped) {
      const item = this.queue[0]!;
      item.attempts++;
      const ok = await this.post(item.body);
      if (ok === true) {
        this.queue.shift();
        this.delivered++;
        delay = this.o.baseDelayMs ?? 1000;
        this.o.onResult?.('ok', item.id);
        continue;
      }
      if (item.attempts >= (this.o.maxAttempts ?? 8)) {
        this.queue.shift();
        this.o.onResult?.('failed', `${item.id}: ${ok} (gave up after ${item.attempts} attempts)`);
        continue;
      }
      this.o.onResult?.('retry', `${item.id}: ${ok}; retry in ${delay} ms`);
      await new Promise<void>((resolve) => {
        this.wakeUp = undefined;
        this.timer = setTimeout(resolve, delay);
        this.timer.unref?.();
      });
      delay = Math.min(delay * 2, this.o.maxDelayMs ?? 60_000);
    }
    this.running = false;
  }

  private async post(body: string): Promise<true | string> {
    try {
      const res = await fetch(this.o.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'hardline-watch' },
        body,
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 5000),
      });
      await res.arrayBuffer().catch(() => undefined);
      return res.ok ? true : `HTTP ${res.status}`;
    } catch (e) {
      return (e as Error).message;
    }
  }

  /** Waits up to `ms` for the queue to drain, then stops. */
  async close(ms = 3000): Promise<void> {
    const end = Date.now() + ms;
    while (this.queue.length && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
