import type { Logger } from 'pino';
import { atLeast, type Severity } from '../core/severity.js';
import type { Incident } from '../watch/incident.js';
import { LruMap } from '../watch/state.js';
import { type AlertItem, type AlertMessage, incidentKey } from './message.js';

/** Delivers one message; rejects on failure (the channel retries). */
export interface AlertTransport {
  /** `email`, `syslog`, `webhook`. */
  readonly type: string;
  send(m: AlertMessage): Promise<void>;
  close?(): Promise<void>;
}

export type AlertResult = 'sent' | 'retry' | 'failed' | 'dropped' | 'suppressed' | 'filtered';

export interface AlertChannelOptions {
  name: string;
  transport: AlertTransport;
  minSeverity: Severity;
  /** Seconds; 0 turns deduplication off. */
  dedup: number;
  /** Seconds between digests; unset: one message per incident. */
  digest?: number;
  logger: Logger;
  onResult?(result: AlertResult): void;
  /** Wall clock (tests). */
  now?: () => number;
  /** Pending messages kept at most (default 100). */
  queueSize?: number;
  /** Attempts per message (default 5); first retry after retryMs (default 2000), doubling up to 5 min. */
  maxAttempts?: number;
  retryMs?: number;
  /** Incident keys one digest lists at most (default 200); the rest is counted. */
  digestKeys?: number;
}

/**
 * One alert channel: severity filter, deduplication by incident key within a window, optional
 * digest, then a bounded queue drained by one sender with exponential backoff. offer() is
 * synchronous and O(1): an attack never blocks ingest, and never becomes a mail flood.
 */
export class AlertChannel {
  readonly name: string;
  /** Wall time each key was last carried by a message, and repeats left out since. */
  private readonly sent = new LruMap<string, { time: number; suppressed: number }>(10_000);
  private digestItems = new Map<string, AlertItem>();
  private digestMore = 0;
  private digestFrom: number;
  private readonly queue: { m: AlertMessage; attempts: number }[] = [];
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private sleepTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly now: () => number;
  readonly stats: Record<AlertResult, number> = {
    sent: 0,
    retry: 0,
    failed: 0,
    dropped: 0,
    suppressed: 0,
    filtered: 0,
  };

  constructor(private readonly o: AlertChannelOptions) {
    this.name = o.name;
    this.now = o.now ?? Date.now;
    this.digestFrom = this.now();
    if (o.digest) {
      this.timer = setInterval(() => this.flushDigest(), o.digest * 1000);
      this.timer.unref?.();
    }
  }

  private count(r: AlertResult): void {
    this.stats[r]++;
    this.o.onResult?.(r);
  }

  /** Takes an incident: filtered, deduplicated, queued or added to the digest. Never waits. */
  offer(i: Incident): void {
    if (this.closed) return;
    if (!atLeast(i.severity, this.o.minSeverity)) {
      this.count('filtered');
      return;
    }
    const key = incidentKey(i);
    const now = this.now();
    const pending = this.digestItems.get(key);
    if (pending) {
      // Same key within the current digest period: merged into its item.
      pending.incident = i;
      pending.count++;
      pending.last = now;
      return;
    }
    const last = this.sent.get(key);
    if (last && this.o.dedup > 0 && now - last.time < this.o.dedup * 1000) {
      last.suppressed++;
      this.count('suppressed');
      return;
    }
    const item: AlertItem = {
      key,
      incident: i,
      count: 1,
      suppressed: last?.suppressed ?? 0,
      first: now,
      last: now,
    };
    this.sent.set(key, { time: now, suppressed: 0 });
    if (this.o.digest) {
      if (this.digestItems.size >= (this.o.digestKeys ?? 200)) {
        this.digestMore++;
        return;
      }
      this.digestItems.set(key, item);
      return;
    }
    this.enqueue({ kind: 'incident', item });
  }

  /** Sends the pending digest now (the timer calls it every `digest` seconds). */
  flushDigest(): void {
    const now = this.now();
    if (this.digestItems.size === 0 && this.digestMore === 0) {
      this.digestFrom = now;
      return;
    }
    const items = [...this.digestItems.values()];
    const m: AlertMessage = { kind: 'digest', from: this.digestFrom, to: now, items, more: this.digestMore };
    this.digestItems = new Map();
    this.digestMore = 0;
    this.digestFrom = now;
    this.enqueue(m);
  }

  private enqueue(m: AlertMessage): void {
    if (this.queue.length >= (this.o.queueSize ?? 100)) {
      this.queue.shift();
      this.count('dropped');
      this.o.logger.warn({ channel: this.name }, 'alert queue full: dropped the oldest message');
    }
    this.queue.push({ m, attempts: 0 });
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
  }

  private async drain(): Promise<void> {
    const base = this.o.retryMs ?? 2000;
    let delay = base;
    while (this.queue.length) {
      const job = this.queue[0]!;
      job.attempts++;
      try {
        await this.o.transport.send(job.m);
        this.queue.shift();
        this.count('sent');
        delay = base;
      } catch (e) {
        const why = (e as Error).message;
        if (job.attempts >= (this.o.maxAttempts ?? 5) || this.closed) {
          this.queue.shift();
          this.count('failed');
          this.o.logger.error(
            { channel: this.name, type: this.o.transport.type, err: why, attempts: job.attempts },
            'alert delivery failed; giving up on this message',
          );
          continue;
        }
        this.count('retry');
        this.o.logger.warn(
          { channel: this.name, type: this.o.transport.type, err: why, retryInMs: delay },
          'alert delivery failed; will retry',
        );
        await new Promise<void>((r) => {
          this.sleepTimer = setTimeout(r, delay);
        });
        delay = Math.min(delay * 2, 300_000);
      }
    }
  }

  /** Sends the pending digest, waits up to `ms` for the queue, then closes the transport. */
  async close(ms = 3000): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.o.digest) this.flushDigest();
    this.closed = true;
    const end = Date.now() + ms;
    while (this.running && Date.now() < end) {
      clearTimeout(this.sleepTimer); // no more backoff waits: one last attempt each
      await Promise.race([this.running, new Promise((r) => setTimeout(r, 50))]);
    }
    await this.o.transport.close?.().catch(() => undefined);
  }

  /** Resolves when nothing is queued (tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }
}
