import { HardlineError } from '../core/errors.js';
import type { BanDecision } from '../enforce/bans.js';
import { createBanManager, loadEnforcePolicy, nftExecutor } from '../enforce/index.js';
import { createLogger } from '../enforce/log.js';
import { durationSchema } from '../policy/schema.js';

export interface BanCliOptions {
  policy?: string;
  stateDir?: string;
  netns?: string;
  dryRun?: boolean;
  duration?: string;
  reason?: string;
  format?: 'text' | 'json';
}

async function setup(o: BanCliOptions) {
  const { policy } = loadEnforcePolicy(o.policy, o.stateDir);
  const { manager } = await createBanManager({
    policy,
    executor: nftExecutor(o.netns),
    logger: createLogger(),
  });
  return manager;
}

export function formatSeconds(sec: number): string {
  if (sec < 60) return `${sec}s`;
  const parts: string[] = [];
  for (const [u, n] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (sec >= n) {
      parts.push(`${Math.floor(sec / n)}${u}`);
      sec %= n;
    }
  }
  return parts.slice(0, 2).join('');
}

function describe(d: BanDecision): string {
  switch (d.action) {
    case 'banned':
      return `${d.extended ? 'extended ban on' : d.durationSec ? 'banned' : 'already banned:'} ${d.address} for ${formatSeconds(d.durationSec)} until ${d.until} (offence ${d.offence})${d.evicts ? `; evicted ${d.evicts} to make room` : ''}`;
    case 'dry-run':
      return `dry run: would ban ${d.address} for ${formatSeconds(d.durationSec)} until ${d.until} (offence ${d.offence})${d.evicts ? `; would evict ${d.evicts}` : ''}`;
    case 'refused':
      return `refused: ${d.address} is not banned: ${d.reason === 'allowlisted' ? `allowlisted as ${d.detail}` : d.detail}`;
  }
}

/** `hardline ban list|add|remove|restore`: returns the exit code. */
export async function banCommand(
  action: string,
  address: string | undefined,
  o: BanCliOptions,
): Promise<number> {
  const out = (s: string) => process.stdout.write(`${s}\n`);
  if ((action === 'add' || action === 'remove') && !address)
    throw new HardlineError('HL_ERR_USAGE', `hardline ban ${action} needs an address`);
  const m = await setup(o);
  switch (action) {
    case 'list': {
      const l = await m.list();
      if (o.format === 'json') {
        out(JSON.stringify({ tableLoaded: l.tableLoaded, bans: l.bans, notInState: l.liveOnly }, null, 2));
        return 0;
      }
      if (!l.tableLoaded)
        out(
          `warning: table inet ${m.policy.firewall.table} is not loaded; bans are not enforced (hardline firewall --apply)`,
        );
      if (!l.bans.length) out('no active bans');
      else {
        out(
          `${'ADDRESS'.padEnd(40)} ${'LEFT'.padEnd(8)} ${'OFFENCE'.padEnd(7)} ${'ORIGIN'.padEnd(8)} REASON`,
        );
        for (const b of l.bans)
          out(
            `${b.address.padEnd(40)} ${formatSeconds(b.remainingSec).padEnd(8)} ${String(b.offence).padEnd(7)} ${b.origin.padEnd(8)} ${b.reason}${l.tableLoaded && b.live === null ? '  [not in the nft set: run hardline ban restore]' : ''}`,
          );
      }
      for (const e of l.liveOnly)
        out(
          `${e.value.padEnd(40)} ${formatSeconds(e.expiresSec ?? 0).padEnd(8)} ${'-'.padEnd(7)} ${'nft'.padEnd(8)} in the nft set only (added outside hardline)`,
        );
      return 0;
    }
    case 'add': {
      let durationSec: number | undefined;
      if (o.duration) {
        const d = durationSchema.safeParse(/^\d+$/.test(o.duration) ? Number(o.duration) : o.duration);
        if (!d.success)
          throw new HardlineError(
            'HL_ERR_USAGE',
            `--duration ${o.duration}: expected 90s, 10m, 6h, 1d or 2w`,
          );
        durationSec = d.data;
      }
      const d = await m.ban({
        address: address!,
        reason: o.reason ?? 'manual ban',
        origin: 'manual',
        ...(durationSec ? { durationSec } : {}),
        dryRun: Boolean(o.dryRun),
      });
      out(o.format === 'json' ? JSON.stringify(d) : describe(d));
      return d.action === 'refused' ? 1 : 0;
    }
    case 'remove': {
      const r = await m.unban(address!, { dryRun: Boolean(o.dryRun) });
      out(
        o.dryRun
          ? `dry run: would ${r.removed ? 'lift the ban on' : 'remove (not banned)'} ${r.address}`
          : r.removed
            ? `unbanned ${r.address}`
            : `${r.address} was not banned (removed from the nft set if it was there)`,
      );
      return 0;
    }
    case 'restore': {
      const r = await m.restore();
      out(
        `restored ${r.restored} bans with their remaining time; ${r.expired} had expired; ${r.lifted} lifted (now allowlisted)`,
      );
      return 0;
    }
    default:
      throw new HardlineError('HL_ERR_USAGE', `unknown action ${action}: use list, add, remove or restore`);
  }
}
