import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import type { Policy } from '../policy/schema.js';
import type { AlertChannelConfig } from '../policy/sections.js';
import type { Incident } from '../watch/incident.js';
import type { WatchMetrics } from '../watch/outputs/metrics.js';
import type { WatchOutput } from '../watch/outputs/output.js';
import { AlertChannel, type AlertTransport } from './channel.js';
import { EmailTransport } from './email.js';
import { SyslogTransport } from './syslog.js';
import { WebhookTransport } from './webhook.js';

export { AlertChannel } from './channel.js';

export interface AlertSetup {
  logger: Logger;
  metrics?: WatchMetrics;
  /** Folder of the policy file (relative paths such as smtp.ca_file). */
  baseDir: string;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
  /** Replaces the transport of each channel (tests). */
  transport?: (c: AlertChannelConfig) => AlertTransport | undefined;
  retryMs?: number;
}

export function channelName(c: AlertChannelConfig, index: number): string {
  return c.name ?? `${c.type}-${index + 1}`;
}

function transportOf(c: AlertChannelConfig, s: AlertSetup): AlertTransport {
  const t = s.transport?.(c);
  if (t) return t;
  switch (c.type) {
    case 'email':
      return new EmailTransport(c, s.baseDir, s.env);
    case 'syslog':
      return new SyslogTransport(c);
    case 'webhook':
      return new WebhookTransport(c);
  }
}

/** The policy's `alerts.channels`, as one watch output. */
export class AlertDispatcher implements WatchOutput {
  readonly channels: AlertChannel[];
  private counter: Counter<'channel' | 'result'> | undefined;

  constructor(configs: AlertChannelConfig[], s: AlertSetup) {
    if (s.metrics) this.attachMetrics(s.metrics);
    this.channels = configs.map((c, i) => {
      const name = channelName(c, i);
      return new AlertChannel({
        name,
        transport: transportOf(c, s),
        minSeverity: c.min_severity,
        dedup: c.dedup,
        ...(c.digest ? { digest: c.digest } : {}),
        logger: s.logger,
        ...(s.now ? { now: s.now } : {}),
        ...(s.retryMs !== undefined ? { retryMs: s.retryMs } : {}),
        onResult: (r) => this.counter?.inc({ channel: name, result: r }),
      });
    });
  }

  /** Counts outcomes in `hardline_alerts_total{channel,result}` from now on. */
  attachMetrics(metrics: WatchMetrics): void {
    this.counter ??= new Counter({
      name: 'hardline_alerts_total',
      help: 'Alert channel outcomes: sent, retry, failed, dropped (queue full), suppressed (dedup), filtered (below min_severity)',
      labelNames: ['channel', 'result'] as const,
      registers: [metrics.registry],
    });
  }

  incident(i: Incident): void {
    for (const c of this.channels) c.offer(i);
  }

  async close(): Promise<void> {
    await Promise.all(this.channels.map((c) => c.close()));
  }
}

/** The alert output for a policy, or undefined when it declares no channels. */
export function createAlerts(policy: Policy, s: AlertSetup): AlertDispatcher | undefined {
  return policy.alerts.channels.length ? new AlertDispatcher(policy.alerts.channels, s) : undefined;
}
