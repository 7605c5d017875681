import type { Logger } from 'pino';
import type { BanDecision, BanManager } from '../../enforce/bans.js';
import type { Incident } from '../incident.js';
import type { WatchOutput } from './output.js';

/** What enforcement did with one incident's ban decision. */
export interface Enforcement {
  incidentId: string;
  /** Wall time of the decision (ms). */
  time: number;
  decision: BanDecision;
}

export interface BanOutputOptions {
  manager: BanManager;
  logger: Logger;
  /** Pending ban requests kept at most (default 10000); beyond it the oldest is dropped and logged. */
  queueSize?: number;
  now?: () => number;
}

/** Event clocks may run ahead of ours: a ban up to this much before an incident still covers it. */
const CLOCK_SLACK_MS = 10 * 60_000;

/**
 * Hands the incidents whose decision is `ban` to the ban manager (`BanManager.onIncident`): in
 * the policy's `firewall.mode: detect` it answers "would ban", in `enforce` it bans in nftables.
 * Incidents a detector spared (trunk, trusted network, recently authenticated) go to the manager
 * too, which refuses them and logs the refusal; nothing reaches nft for them.
 * Requests are queued and run one at a time off the ingest path; the allowlist check, the
 * escalation ladder and the state file lock all live in the manager.
 */
export class BanOutput implements WatchOutput {
  private readonly queue: Incident[] = [];
  private running: Promise<void> | undefined;
  private readonly listeners: ((e: Enforcement) => void)[] = [];
  private closed = false;
  dropped = 0;

  constructor(private readonly o: BanOutputOptions) {}

  get manager(): BanManager {
    return this.o.manager;
  }

  /** Called with every decision the manager took (the dashboard subscribes). */
  onEnforcement(fn: (e: Enforcement) => void): void {
    this.listeners.push(fn);
  }

  incident(i: Incident): void {
    const d = i.decision;
    // bans, and the bans a detector spared (the manager logs those as refusals)
    if (this.closed || !d.source || (d.action !== 'ban' && !d.spared)) return;
    if (this.queue.length >= (this.o.queueSize ?? 10_000)) {
      const old = this.queue.shift();
      this.dropped++;
      this.o.logger.warn({ incident: old?.id }, 'ban queue full: dropped the oldest ban request');
    }
    this.queue.push(i);
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
  }

  /**
   * After a restart, the ban incidents that stored history raises again never reach incident():
   * their cooldown holds back a new one. In enforce mode, those never enforced (watch ran in
   * detect mode, or without --ban) whose ban would still be running are banned now; a source
   * banned since, or unbanned by an operator since, is left alone. Detect mode said its
   * "would ban" already. One ban per source: the incident whose ban would run longest (a
   * brute-force's hour, not the request-flood's ten minutes raised a moment later).
   */
  warmedUp(bans: Incident[]): void {
    if (this.closed || this.o.manager.mode !== 'enforce') return;
    const ends = (i: Incident) => i.time + (i.decision.duration ?? 0) * 1000;
    const longest = new Map<string, Incident>();
    for (const i of bans) {
      const source = i.decision.source;
      if (i.decision.action !== 'ban' || !source || i.decision.spared) continue;
      const had = longest.get(source);
      if (!had || ends(i) >= ends(had)) longest.set(source, i);
    }
    const now = (this.o.now ?? Date.now)();
    for (const [source, i] of longest) {
      if (ends(i) <= now) continue;
      if (this.o.manager.enforcedSince(source, i.time - CLOCK_SLACK_MS)) continue;
      this.o.logger.info(
        { event: 'ban_resumed', incident: i.id, source },
        `${i.detector} against ${source} was raised before this start and never enforced: banning now`,
      );
      this.incident(i);
    }
  }

  private async drain(): Promise<void> {
    for (let i = this.queue.shift(); i; i = this.queue.shift()) {
      let decision: BanDecision;
      try {
        decision = await this.o.manager.onIncident({
          source: i.decision.source!,
          reason: `${i.detector}: ${i.decision.reason}`,
          incidentId: i.id,
          ...(i.decision.duration !== undefined ? { suggestedDuration: i.decision.duration } : {}),
          ...(i.decision.action !== 'ban' && i.decision.spared ? { spared: i.decision.spared } : {}),
        });
      } catch (e) {
        this.o.logger.error(
          { incident: i.id, source: i.decision.source, err: (e as Error).message },
          'ban failed',
        );
        continue;
      }
      const e: Enforcement = { incidentId: i.id, time: Date.now(), decision };
      for (const fn of this.listeners) {
        try {
          fn(e);
        } catch (err) {
          this.o.logger.error({ err: (err as Error).message }, 'enforcement listener failed');
        }
      }
    }
  }

  /** Waits for pending requests (at most `ms`), then refuses new ones. */
  async close(ms = 3000): Promise<void> {
    this.closed = true;
    if (this.running) await Promise.race([this.running, new Promise((r) => setTimeout(r, ms).unref?.())]);
  }

  /** Resolves when the queue is empty (tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }
}
