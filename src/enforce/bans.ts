import path from 'node:path';
import { HardlineError } from '../core/errors.js';
import { type IpAddress, parseIp } from '../net/address.js';
import type { Policy } from '../policy/schema.js';
import type { Allowlist } from './allowlist.js';
import type { LiveElement, NftExecutor } from './executor.js';
import type { Logger } from './log.js';
import { type BanRecord, type BanState, BanStateStore } from './state.js';

/** What watch hands over when a detector crosses its threshold. */
export interface Incident {
  /** Source address, taken from the transport (never from SIP headers). */
  source: string;
  reason: string;
  /** Seconds the detector suggests; the escalation ladder may make it longer. */
  suggestedDuration?: number;
  incidentId?: string;
  /**
   * Set when the detector already spared the source (a trunk, a trusted network, or a source that
   * authenticated recently): the manager bans nothing and logs the refusal, so "why was X not
   * banned?" has an answer in the log and the ban history.
   */
  spared?: { why: 'trunk' | 'trusted-network' | 'authenticated'; name?: string };
}

export interface BanPlan {
  address: string;
  durationSec: number;
  until: string;
  /** Offence number within the repeat window (1 = first). */
  offence: number;
  /** The ban evicted to make room (set full, when_full: evict). */
  evicts?: string;
}

export type BanDecision =
  | ({ action: 'banned'; extended: boolean } & BanPlan)
  | ({ action: 'dry-run' } & BanPlan)
  | {
      action: 'refused';
      address: string;
      reason: 'allowlisted' | 'authenticated' | 'invalid-address' | 'set-full';
      detail: string;
    };

export interface BanManagerOptions {
  policy: Policy;
  executor: NftExecutor;
  allowlist: Allowlist;
  logger: Logger;
  /** Ban state file (default `<firewall.state_dir>/bans.json`). */
  stateFile?: string;
  now?: () => number;
}

export interface ListedBan extends BanRecord {
  remainingSec: number;
  /** What the live nft set says: seconds left there, or null when the element is missing. */
  live: number | null;
}

const setFor = (ip: IpAddress) => (ip.kind() === 'ipv4' ? 'ban4' : 'ban6');

/**
 * Timed bans in hardline's nftables sets (ban4/ban6, flags timeout). The allowlist is checked in
 * code before anything is banned and every refusal is logged; durations escalate along the
 * policy's ladder for repeat offenders; set size is bounded; state survives restarts.
 */
export class BanManager {
  readonly policy: Policy;
  readonly store: BanStateStore;
  private readonly exec: NftExecutor;
  private readonly allow: Allowlist;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly table: string;

  constructor(o: BanManagerOptions) {
    this.policy = o.policy;
    this.exec = o.executor;
    this.allow = o.allowlist;
    this.log = o.logger;
    this.now = o.now ?? Date.now;
    this.table = o.policy.firewall.table;
    this.store = new BanStateStore(
      o.stateFile ?? path.join(o.policy.firewall.state_dir, 'bans.json'),
      (f, to, err) =>
        this.log.error(
          { event: 'ban_state_corrupt', file: f, movedTo: to, error: err },
          'ban state unreadable; moved aside, starting empty',
        ),
    );
  }

  get mode(): 'detect' | 'enforce' {
    return this.policy.firewall.mode;
  }

  /**
   * True when `address` is banned now, or was banned at or after `sinceMs` (its offence record
   * says so, also when an operator lifted that ban since).
   */
  enforcedSince(address: string, sinceMs: number): boolean {
    const a = parseIp(address)?.toString() ?? address;
    const s = this.store.read();
    const now = this.now();
    if (s.bans.some((b) => b.address === a && Date.parse(b.until) > now)) return true;
    const o = s.offences[a];
    return o !== undefined && Date.parse(o.last) >= sinceMs;
  }

  /** Drops expired bans and offences older than the repeat window. */
  private prune(s: BanState): void {
    const now = this.now();
    s.bans = s.bans.filter((b) => Date.parse(b.until) > now);
    const window = this.policy.firewall.bans.repeat_window * 1000;
    for (const [a, o] of Object.entries(s.offences))
      if (now - Date.parse(o.last) > window) delete s.offences[a];
  }

  /** Checks the address and the allowlist; returns the parsed address or a refusal (logged). */
  private screen(
    address: string,
    context: Record<string, unknown>,
  ): { ok: true; ip: IpAddress } | { ok: false; decision: BanDecision } {
    const ip = parseIp(address);
    if (!ip || ['unspecified', 'multicast', 'broadcast'].includes(ip.range())) {
      const detail = ip ? `${ip.range()} address` : 'not an IP address';
      this.log.warn(
        { event: 'ban_refused', address, reason: 'invalid-address', detail, ...context },
        `refused to ban ${address}: ${detail}`,
      );
      return { ok: false, decision: { action: 'refused', address, reason: 'invalid-address', detail } };
    }
    const hit = this.allow.match(ip);
    if (hit) {
      const detail = hit.why;
      this.log.warn(
        { event: 'ban_refused', address: ip.toString(), reason: 'allowlisted', detail, ...context },
        `refused to ban ${ip.toString()}: allowlisted as ${detail}`,
      );
      return {
        ok: false,
        decision: { action: 'refused', address: ip.toString(), reason: 'allowlisted', detail },
      };
    }
    return { ok: true, ip };
  }

  /** Works out duration, offence and eviction for a new ban against the given state. */
  private plan(
    s: BanState,
    ip: IpAddress,
    durationSec: number | undefined,
    suggested?: number,
  ): BanPlan | BanDecision {
    const address = ip.toString();
    const fb = this.policy.firewall.bans;
    const now = this.now();
    const offence = (s.offences[address]?.count ?? 0) + 1;
    const ladder = fb.ladder[Math.min(offence, fb.ladder.length) - 1]!;
    const dur = durationSec ?? Math.max(ladder, suggested ?? 0);
    const plan: BanPlan = {
      address,
      durationSec: dur,
      until: new Date(now + dur * 1000).toISOString(),
      offence,
    };
    const existing = s.bans.find((b) => b.address === address);
    if (!existing) {
      const sameFamily = s.bans.filter((b) => parseIp(b.address)?.kind() === ip.kind());
      if (sameFamily.length >= fb.max_elements) {
        if (fb.when_full === 'refuse') {
          const detail = `ban set ${setFor(ip)} is full (${fb.max_elements} elements; when_full: refuse)`;
          this.log.warn(
            { event: 'ban_refused', address, reason: 'set-full', detail },
            `refused to ban ${address}: ${detail}`,
          );
          return { action: 'refused', address, reason: 'set-full', detail };
        }
        const victim = sameFamily.reduce((a, b) => (Date.parse(a.until) <= Date.parse(b.until) ? a : b));
        plan.evicts = victim.address;
      }
    }
    return plan;
  }

  /**
   * Bans `address` (or, with dryRun, says what it would do). `durationSec` overrides the ladder
   * (manual bans); otherwise the ladder step for this offence, at least `suggested`.
   */
  async ban(req: {
    address: string;
    reason: string;
    origin: 'manual' | 'incident';
    durationSec?: number;
    suggestedSec?: number;
    incidentId?: string;
    dryRun?: boolean;
  }): Promise<BanDecision> {
    const context = {
      origin: req.origin,
      banReason: req.reason,
      ...(req.incidentId ? { incidentId: req.incidentId } : {}),
    };
    const screened = this.screen(req.address, context);
    if (!screened.ok) return screened.decision;
    const ip = screened.ip;
    const address = ip.toString();
    if (req.dryRun) {
      const s = this.store.read();
      this.prune(s);
      const p = this.plan(s, ip, req.durationSec, req.suggestedSec);
      if ('action' in p) return p;
      this.log.info(
        { event: 'ban_dry_run', ...p, ...context },
        `would ban ${address} for ${p.durationSec}s (${req.origin === 'incident' ? 'firewall.mode: detect' : 'dry run'})`,
      );
      return { action: 'dry-run', ...p };
    }
    return this.store.withLock(async () => {
      const s = this.store.read();
      this.prune(s);
      const p = this.plan(s, ip, req.durationSec, req.suggestedSec);
      if ('action' in p) return p;
      const existing = s.bans.find((b) => b.address === address);
      if (existing && Date.parse(existing.until) >= Date.parse(p.until)) {
        // Already banned for at least as long: nothing to change (a late event for a cut-off source).
        const remaining = Math.ceil((Date.parse(existing.until) - this.now()) / 1000);
        return {
          action: 'banned',
          extended: false,
          address,
          durationSec: remaining,
          until: existing.until,
          offence: existing.offence,
        };
      }
      if (p.evicts) {
        await this.exec.deleteElements(this.table, setFor(parseIp(p.evicts)!), [p.evicts]);
        s.bans = s.bans.filter((b) => b.address !== p.evicts);
        this.log.warn(
          { event: 'ban_evicted', address: p.evicts, for: address },
          `ban set full: evicted ${p.evicts} (expired soonest) to ban ${address}`,
        );
      }
      await this.tableOp(() =>
        this.exec.addElements(this.table, setFor(ip), [{ value: address, timeoutSec: p.durationSec }]),
      );
      const record: BanRecord = {
        address,
        since: new Date(Date.parse(p.until) - p.durationSec * 1000).toISOString(),
        until: p.until,
        reason: req.reason,
        origin: req.origin,
        ...(req.incidentId ? { incidentId: req.incidentId } : {}),
        offence: p.offence,
      };
      s.bans = [...s.bans.filter((b) => b.address !== address), record];
      s.offences[address] = { count: p.offence, last: record.since };
      this.store.write(s);
      this.log.info(
        { event: 'ban', ...p, ...context },
        `banned ${address} for ${p.durationSec}s (offence ${p.offence})`,
      );
      return { action: 'banned', extended: Boolean(existing), ...p };
    });
  }

  /** Runs an nft set operation; a missing table becomes a clear error. */
  private async tableOp(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      if (e instanceof HardlineError && /No such file or directory/.test(e.message))
        throw new HardlineError(
          'HL_ERR_FIREWALL_MISSING',
          `nftables table inet ${this.table} is not loaded: run hardline firewall --apply first`,
        );
      throw e;
    }
  }

  /**
   * The entry point for watch: in detect mode it only says what it would have done. An incident
   * the detector spared is refused here, logged like every other refusal; the allowlist is
   * checked again in code for everything else.
   */
  async onIncident(inc: Incident): Promise<BanDecision> {
    if (inc.spared) return this.refuseSpared(inc, inc.spared);
    return this.ban({
      address: inc.source,
      reason: inc.reason,
      origin: 'incident',
      ...(inc.suggestedDuration !== undefined ? { suggestedSec: inc.suggestedDuration } : {}),
      ...(inc.incidentId ? { incidentId: inc.incidentId } : {}),
      dryRun: this.mode === 'detect',
    });
  }

  private refuseSpared(inc: Incident, spared: NonNullable<Incident['spared']>): BanDecision {
    const ip = parseIp(inc.source);
    const address = ip ? ip.toString() : inc.source;
    const reason = spared.why === 'authenticated' ? 'authenticated' : 'allowlisted';
    const detail =
      spared.why === 'authenticated'
        ? 'this source authenticated successfully within detection.spare_authenticated (shared NAT?)'
        : `${spared.why === 'trunk' ? 'trunk' : 'trusted network'}${spared.name ? ` ${spared.name}` : ''}`;
    this.log.warn(
      {
        event: 'ban_refused',
        address,
        reason,
        detail,
        origin: 'incident',
        banReason: inc.reason,
        mode: this.mode,
        ...(inc.incidentId ? { incidentId: inc.incidentId } : {}),
      },
      `refused to ban ${address}: ${reason === 'allowlisted' ? `allowlisted as ${detail}` : detail}`,
    );
    return { action: 'refused', address, reason, detail };
  }

  /** Lifts a ban (state and nft set). The offence count stays, so a relapse escalates. */
  async unban(
    address: string,
    opts: { dryRun?: boolean } = {},
  ): Promise<{ removed: boolean; address: string }> {
    const ip = parseIp(address);
    if (!ip) throw new HardlineError('HL_ERR_USAGE', `${address} is not an IP address`);
    const a = ip.toString();
    if (opts.dryRun) {
      const s = this.store.read();
      this.prune(s);
      return { removed: s.bans.some((b) => b.address === a), address: a };
    }
    return this.store.withLock(async () => {
      const s = this.store.read();
      this.prune(s);
      const had = s.bans.some((b) => b.address === a);
      await this.tableOp(() => this.exec.deleteElements(this.table, setFor(ip), [a]));
      s.bans = s.bans.filter((b) => b.address !== a);
      this.store.write(s);
      this.log.info({ event: 'unban', address: a, wasBanned: had }, `unbanned ${a}`);
      return { removed: had, address: a };
    });
  }

  /** Active bans with their remaining time, next to what the live nft sets say. */
  async list(): Promise<{ bans: ListedBan[]; tableLoaded: boolean; liveOnly: LiveElement[] }> {
    const s = this.store.read();
    this.prune(s);
    const live = new Map<string, LiveElement>();
    let tableLoaded = true;
    for (const set of ['ban4', 'ban6']) {
      const els = await this.exec.listElements(this.table, set);
      if (!els) tableLoaded = false;
      for (const e of els ?? []) live.set(e.value, e);
    }
    const now = this.now();
    const bans = s.bans
      .map((b) => ({
        ...b,
        remainingSec: Math.max(0, Math.round((Date.parse(b.until) - now) / 1000)),
        live: live.get(b.address)?.expiresSec ?? (live.has(b.address) ? 0 : null),
      }))
      .sort((a, b) => a.until.localeCompare(b.until));
    const liveOnly = [...live.values()].filter((e) => !s.bans.some((b) => b.address === e.value));
    return { bans, tableLoaded, liveOnly };
  }

  /**
   * Whether the sets this manager writes (`ban4`/`ban6` in table inet `firewall.table`) exist
   * where its executor acts (the host, or the namespace of --netns): the table
   * `hardline firewall --apply` loaded from the same policy.
   */
  async tableStatus(): Promise<{ loaded: boolean; missing: string[] }> {
    const missing: string[] = [];
    for (const set of ['ban4', 'ban6'])
      if ((await this.exec.listElements(this.table, set)) === undefined) missing.push(set);
    return { loaded: missing.length === 0, missing };
  }

  /** Active bans with remaining seconds (for carrying them into a newly applied table). */
  active(): { address: string; remainingSec: number }[] {
    const s = this.store.read();
    this.prune(s);
    const now = this.now();
    return s.bans.map((b) => ({
      address: b.address,
      remainingSec: Math.ceil((Date.parse(b.until) - now) / 1000),
    }));
  }

  /**
   * At start: puts every unexpired ban back into the nft sets with its remaining time (after a
   * reboot or a table reload) and forgets expired ones. A ban whose address became allowlisted
   * since (a new trunk) is lifted, and that is logged.
   */
  async restore(): Promise<{ restored: number; expired: number; lifted: number }> {
    return this.store.withLock(async () => {
      const s = this.store.read();
      const before = s.bans.length;
      this.prune(s);
      const expired = before - s.bans.length;
      const keep: BanRecord[] = [];
      let lifted = 0;
      for (const b of s.bans) {
        const ip = parseIp(b.address);
        const hit = ip && this.allow.match(ip);
        if (!ip || hit) {
          lifted++;
          this.log.warn(
            { event: 'ban_lifted', address: b.address, reason: 'allowlisted', detail: hit?.why },
            `lifted ban on ${b.address}: now allowlisted`,
          );
          if (ip) await this.exec.deleteElements(this.table, setFor(ip), [b.address]);
          continue;
        }
        keep.push(b);
      }
      const now = this.now();
      for (const set of ['ban4', 'ban6'] as const) {
        const els = keep
          .filter((b) => setFor(parseIp(b.address)!) === set)
          .map((b) => ({
            value: b.address,
            timeoutSec: Math.max(1, Math.ceil((Date.parse(b.until) - now) / 1000)),
          }));
        if (els.length) await this.tableOp(() => this.exec.addElements(this.table, set, els));
      }
      s.bans = keep;
      this.store.write(s);
      this.log.info(
        { event: 'ban_restore', restored: keep.length, expired, lifted },
        `restored ${keep.length} bans`,
      );
      return { restored: keep.length, expired, lifted };
    });
  }
}
