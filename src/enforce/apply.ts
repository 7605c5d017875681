import { readFileSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { HardlineError } from '../core/errors.js';
import type { NftExecutor, TableListing } from './executor.js';
import type { Logger } from './log.js';
import { writeFileAtomic } from './state.js';

/** The file an apply waiting for confirmation leaves for `hardline firewall --confirm`. */
export interface PendingApply {
  pid: number;
  table: string;
  appliedAt: string;
  deadline: string;
  backupFile: string;
  confirmed: boolean;
}

export const pendingFile = (stateDir: string) => path.join(stateDir, 'firewall-pending.json');
export const backupFile = (stateDir: string) => path.join(stateDir, 'firewall-backup.json');

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readPending(stateDir: string): PendingApply | undefined {
  try {
    return JSON.parse(readFileSync(pendingFile(stateDir), 'utf8')) as PendingApply;
  } catch {
    return undefined;
  }
}

/** Turns a `nft -j list table` document back into commands that recreate the table. */
export function listingToCommands(listing: TableListing): { nftables: Record<string, unknown>[] } {
  const cmds: Record<string, unknown>[] = [];
  for (const o of listing.json.nftables) {
    const kind = Object.keys(o)[0]!;
    if (kind === 'metainfo') continue;
    const body = { ...(o[kind] as Record<string, unknown>) };
    delete body['handle'];
    cmds.push({ add: { [kind]: body } });
  }
  return { nftables: cmds };
}

export type ApplyOutcome = 'applied' | 'confirmed' | 'rolled-back';

export interface ApplyOptions {
  executor: NftExecutor;
  table: string;
  /** The full ruleset text (with the table replace header). */
  text: string;
  stateDir: string;
  /** Seconds to wait for confirmation; 0 applies without a rollback window. */
  timeoutSec: number;
  logger: Logger;
  /**
   * Asks the operator (on the TTY). Resolves 'yes' to keep, 'no' to roll back now; never resolves
   * when there is no TTY. Aborted through the signal once the wait is over.
   */
  ask?: (signal: AbortSignal) => Promise<'yes' | 'no'>;
  /** Progress lines for the operator. */
  say?: (line: string) => void;
  pollMs?: number;
}

/**
 * Loads the ruleset atomically and keeps it only if confirmed in time, like iptables-apply: the
 * table as it was is saved first (`nft -j list table`), and restored when nobody confirms within
 * the timeout, when the operator answers no, or when the process is interrupted.
 */
export async function applyWithRollback(o: ApplyOptions): Promise<ApplyOutcome> {
  const say = o.say ?? (() => {});
  const pfile = pendingFile(o.stateDir);
  const waiting = readPending(o.stateDir);
  if (waiting && waiting.pid !== process.pid && pidAlive(waiting.pid))
    throw new HardlineError(
      'HL_ERR_FIREWALL_CONFIRM',
      `another hardline firewall --apply (pid ${waiting.pid}) is waiting for confirmation until ${waiting.deadline}`,
    );
  await o.executor.check(o.text);
  const before = await o.executor.listTable(o.table);
  const bfile = backupFile(o.stateDir);
  writeFileAtomic(
    bfile,
    `${JSON.stringify({ table: o.table, savedAt: new Date().toISOString(), listing: before?.json ?? null })}\n`,
  );
  await o.executor.load(o.text);
  o.logger.info({ event: 'firewall_applied', table: o.table, backup: bfile }, `loaded table inet ${o.table}`);
  if (o.timeoutSec <= 0) {
    say(`loaded table inet ${o.table} (no confirmation requested)`);
    return 'applied';
  }
  const deadline = Date.now() + o.timeoutSec * 1000;
  const pending: PendingApply = {
    pid: process.pid,
    table: o.table,
    appliedAt: new Date().toISOString(),
    deadline: new Date(deadline).toISOString(),
    backupFile: bfile,
    confirmed: false,
  };
  writeFileAtomic(pfile, `${JSON.stringify(pending)}\n`);
  say(
    `loaded table inet ${o.table}; rolling back in ${o.timeoutSec} s unless confirmed (answer y here, or run: hardline firewall --confirm${o.stateDir ? ` --state-dir ${o.stateDir}` : ''})`,
  );

  const abort = new AbortController();
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let answer: 'yes' | 'no' | undefined;
  o.ask?.(abort.signal).then(
    (a) => {
      answer = a;
    },
    () => {},
  );
  let outcome: 'confirmed' | 'timeout' | 'no' | 'interrupted';
  try {
    for (;;) {
      if (answer === 'yes' || readPending(o.stateDir)?.confirmed) {
        outcome = 'confirmed';
        break;
      }
      if (answer === 'no') {
        outcome = 'no';
        break;
      }
      if (interrupted) {
        outcome = 'interrupted';
        break;
      }
      if (Date.now() >= deadline) {
        outcome = 'timeout';
        break;
      }
      await new Promise((r) => setTimeout(r, o.pollMs ?? 200));
    }
  } finally {
    abort.abort();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (outcome === 'confirmed') {
    try {
      unlinkSync(pfile);
    } catch {}
    o.logger.info({ event: 'firewall_confirmed', table: o.table }, 'new ruleset confirmed');
    say(`confirmed: table inet ${o.table} stays`);
    return 'confirmed';
  }
  await rollback(o.executor, o.table, before);
  try {
    unlinkSync(pfile);
  } catch {}
  const why = { timeout: 'no confirmation in time', no: 'the operator declined', interrupted: 'interrupted' }[
    outcome
  ];
  o.logger.warn(
    { event: 'firewall_rolled_back', table: o.table, why },
    `rolled back table inet ${o.table}: ${why}`,
  );
  say(
    `rolled back (${why}): table inet ${o.table} is ${before ? 'as it was before' : 'removed again (there was none before)'}`,
  );
  return 'rolled-back';
}

/** Puts the table back as listed before (or removes it when there was none). */
export async function rollback(
  executor: NftExecutor,
  table: string,
  before: TableListing | undefined,
): Promise<void> {
  if (before) {
    const cmds = listingToCommands(before);
    try {
      await executor.loadJson({
        nftables: [
          { add: { table: { family: 'inet', name: table } } },
          { delete: { table: { family: 'inet', name: table } } },
          ...cmds.nftables,
        ],
      });
    } catch (e) {
      // Never leave an unconfirmed ruleset in place: without hardline's table nothing of ours
      // can lock anybody out. Then report why the old table could not come back.
      await executor.deleteTable(table);
      throw e;
    }
  } else await executor.deleteTable(table);
}

/** `hardline firewall --confirm`: marks the waiting apply as confirmed. */
export function confirmPending(stateDir: string): PendingApply {
  const p = readPending(stateDir);
  if (!p)
    throw new HardlineError(
      'HL_ERR_FIREWALL_CONFIRM',
      `nothing is waiting for confirmation (no ${pendingFile(stateDir)})`,
    );
  if (!pidAlive(p.pid))
    throw new HardlineError(
      'HL_ERR_FIREWALL_CONFIRM',
      `the apply that is waiting (pid ${p.pid}) is no longer running, so it could not roll back either; check the live table with hardline firewall --check`,
    );
  if (Date.parse(p.deadline) < Date.now())
    throw new HardlineError(
      'HL_ERR_FIREWALL_CONFIRM',
      `too late: the confirmation window closed at ${p.deadline}`,
    );
  const next = { ...p, confirmed: true };
  writeFileAtomic(pendingFile(stateDir), `${JSON.stringify(next)}\n`);
  return next;
}
