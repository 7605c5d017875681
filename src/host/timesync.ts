import { type CommandResult, type CommandRunner, firstLine } from './exec.js';

/**
 * Is the host clock synchronised? Asks, without privileges, whichever NTP client the host runs:
 * chrony (`chronyc -n tracking`), systemd-timesyncd (`timedatectl show`, then
 * `timedatectl timesync-status` for the server and offset) and ntpd/ntpsec (`ntpq -pn`).
 * Nothing here changes the clock or starts a daemon.
 */

export type TimeDaemon = 'chrony' | 'systemd-timesyncd' | 'ntpd';

export interface TimeSyncStatus {
  /** The client that answered; undefined when none did. */
  daemon?: TimeDaemon;
  /** true/false as the client says; undefined when no client could tell. */
  synchronised: boolean | undefined;
  /** Local clock minus reference, milliseconds (positive: the local clock is ahead). */
  offsetMs?: number;
  /** The reference (server) the client follows. */
  source?: string;
  stratum?: number;
  /** One line for the report. */
  detail: string;
  /** No NTP client installed at all (a finding, unlike "could not tell"). */
  noClient: boolean;
  /** What each tool said, in order, for evidence. */
  evidence: string[];
}

export interface TimeSyncOptions {
  /** Extra chronyc arguments before the command (e.g. `-h /run/chrony/chronyd.sock`). */
  chronycArgs?: string[];
  timeoutMs?: number;
}

/** A synchronised clock further off than this is reported anyway. */
export const MAX_OFFSET_MS = 1000;

interface Answer {
  status?: Omit<TimeSyncStatus, 'evidence' | 'noClient'>;
  /** Installed but could not tell (daemon down, no systemd, no permission). */
  unknown?: string;
  notInstalled?: boolean;
}

/** `chronyc tracking` output (also the `-c` CSV form is not used: text is stable since chrony 2). */
export function parseChronyTracking(text: string): Answer {
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'mi').exec(text)?.[1]?.trim();
  const leap = field('Leap status');
  if (leap === undefined) return { unknown: 'chronyc tracking gave no "Leap status" line' };
  const ref = field('Reference ID');
  const stratum = Number(field('Stratum'));
  const sys = /^([\d.]+) seconds (fast|slow) of NTP time$/.exec(field('System time') ?? '');
  const offsetMs = sys ? Number(sys[1]) * 1000 * (sys[2] === 'fast' ? 1 : -1) : undefined;
  const refName = ref ? (/\(([^)]*)\)/.exec(ref)?.[1] ?? ref.split(/\s+/)[0]) : undefined;
  const synchronised = leap.toLowerCase() !== 'not synchronised' && !/^0+\b/.test(ref ?? '') && stratum > 0;
  return {
    status: {
      daemon: 'chrony',
      synchronised,
      ...(offsetMs !== undefined ? { offsetMs } : {}),
      ...(refName ? { source: refName } : {}),
      ...(Number.isFinite(stratum) && stratum > 0 ? { stratum } : {}),
      detail: synchronised
        ? `chrony: synchronised to ${refName || 'its reference'} (stratum ${stratum}), offset ${fmtMs(offsetMs)}`
        : `chrony: not synchronised (leap status: ${leap})`,
    },
  };
}

/** `timedatectl show` properties (NTPSynchronized=yes|no, NTP=yes|no). */
export function parseTimedatectlShow(text: string): Answer {
  const props = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) props.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  const synced = props.get('NTPSynchronized');
  if (synced === undefined) return { unknown: 'timedatectl show gave no NTPSynchronized property' };
  const ntp = props.get('NTP');
  const yes = synced === 'yes';
  return {
    status: {
      daemon: 'systemd-timesyncd',
      synchronised: yes,
      detail: yes
        ? 'systemd-timesyncd: synchronised (NTPSynchronized=yes)'
        : `systemd-timesyncd: not synchronised (NTPSynchronized=no${ntp === 'no' ? ', NTP=no: network time is switched off' : ''})`,
    },
  };
}

/** `timedatectl timesync-status`: server, stratum and offset, added to the show result. */
export function parseTimesyncStatus(text: string): { source?: string; stratum?: number; offsetMs?: number } {
  const field = (name: string) => new RegExp(`^\\s*${name}:\\s*(.*)$`, 'mi').exec(text)?.[1]?.trim();
  const out: { source?: string; stratum?: number; offsetMs?: number } = {};
  const server = field('Server');
  if (server) out.source = server;
  const stratum = Number(field('Stratum'));
  if (Number.isFinite(stratum) && stratum > 0) out.stratum = stratum;
  const off = /^([+-]?[\d.]+)(us|ms|s|min)$/.exec(field('Offset') ?? '');
  if (off)
    out.offsetMs =
      Number(off[1]) * { us: 0.001, ms: 1, s: 1000, min: 60000 }[off[2] as 'us' | 'ms' | 's' | 'min'];
  return out;
}

/** `ntpq -pn` peer table (ntpd and ntpsec): `*` marks the peer the clock follows. */
export function parseNtpqPeers(text: string): Answer {
  const lines = text.split('\n');
  const hi = lines.findIndex((l) => /\bremote\b/.test(l) && /\boffset\b/.test(l));
  if (hi < 0) return { unknown: 'ntpq -p gave no peer table' };
  const header = lines[hi]!.trim().split(/\s+/);
  const col = (name: string) => header.indexOf(name);
  const peers = lines
    .slice(hi + 1)
    .filter((l) => l.trim() && !/^=+$/.test(l.trim()))
    .map((l) => ({ tally: l[0] ?? ' ', cells: l.slice(1).trim().split(/\s+/) }));
  const sys = peers.find((p) => p.tally === '*' || p.tally === 'o');
  if (!sys)
    return {
      status: {
        daemon: 'ntpd',
        synchronised: false,
        detail: `ntpd: not synchronised (no system peer among ${peers.length} peer${peers.length === 1 ? '' : 's'})`,
      },
    };
  const offsetMs = Number(sys.cells[col('offset')]);
  const stratum = Number(sys.cells[col('st')]);
  return {
    status: {
      daemon: 'ntpd',
      synchronised: true,
      source: sys.cells[0]!,
      ...(Number.isFinite(offsetMs) ? { offsetMs } : {}),
      ...(Number.isFinite(stratum) ? { stratum } : {}),
      detail: `ntpd: synchronised to ${sys.cells[0]} (stratum ${stratum}), offset ${fmtMs(Number.isFinite(offsetMs) ? offsetMs : undefined)}`,
    },
  };
}

export function fmtMs(ms: number | undefined): string {
  if (ms === undefined) return 'unknown';
  const a = Math.abs(ms);
  const sign = ms < 0 ? '-' : '+';
  if (a >= 1000) return `${sign}${(a / 1000).toFixed(2)} s`;
  if (a >= 1) return `${sign}${a.toFixed(1)} ms`;
  return `${sign}${(a * 1000).toFixed(0)} µs`;
}

function daemonDown(r: CommandResult): boolean {
  return r.error !== undefined || r.code !== 0;
}

export async function checkTimeSync(runner: CommandRunner, o: TimeSyncOptions = {}): Promise<TimeSyncStatus> {
  const evidence: string[] = [];
  const unknowns: string[] = [];
  let installed = 0;
  const timeoutMs = o.timeoutMs ?? 5000;
  const ask = async (
    label: string,
    cmd: string,
    args: string[],
    parse: (t: string) => Answer,
  ): Promise<Answer | undefined> => {
    const r = await runner.run(cmd, args, { timeoutMs });
    if (r.error === 'not-found') {
      evidence.push(`${label}: not installed`);
      return undefined;
    }
    installed++;
    if (daemonDown(r)) {
      const why = firstLine(r);
      evidence.push(`${label}: ${why}`);
      unknowns.push(`${label}: ${why}`);
      return undefined;
    }
    const a = parse(r.stdout);
    if (a.unknown) {
      evidence.push(`${label}: ${a.unknown}`);
      unknowns.push(`${label}: ${a.unknown}`);
      return undefined;
    }
    evidence.push(`${label}: ${a.status!.detail}`);
    return a;
  };
  const finish = (s: NonNullable<Answer['status']>): TimeSyncStatus => {
    let detail = s.detail;
    if (s.synchronised && s.offsetMs !== undefined && Math.abs(s.offsetMs) > MAX_OFFSET_MS)
      detail += ` (more than ${MAX_OFFSET_MS} ms off)`;
    return { ...s, detail, noClient: false, evidence };
  };

  const chrony = await ask(
    'chronyc tracking',
    'chronyc',
    [...(o.chronycArgs ?? []), '-n', 'tracking'],
    parseChronyTracking,
  );
  if (chrony?.status) return finish(chrony.status);

  const show = await ask('timedatectl show', 'timedatectl', ['show'], parseTimedatectlShow);
  if (show?.status) {
    const st = await runner.run('timedatectl', ['timesync-status'], { timeoutMs });
    const extra = st.code === 0 && !st.error ? parseTimesyncStatus(st.stdout) : {};
    const s = { ...show.status, ...extra };
    if (s.synchronised && (extra.source || extra.offsetMs !== undefined))
      s.detail = `systemd-timesyncd: synchronised${extra.source ? ` to ${extra.source}` : ''}${extra.stratum ? ` (stratum ${extra.stratum})` : ''}, offset ${fmtMs(extra.offsetMs)}`;
    return finish(s);
  }

  const ntpq = await ask('ntpq -pn', 'ntpq', ['-pn'], parseNtpqPeers);
  if (ntpq?.status) return finish(ntpq.status);

  if (installed === 0)
    return {
      synchronised: false,
      noClient: true,
      detail: 'no NTP client found (chronyc, timedatectl and ntpq are not installed)',
      evidence,
    };
  return {
    synchronised: undefined,
    noClient: false,
    detail: `could not tell whether the clock is synchronised (${unknowns.join('; ')})`,
    evidence,
  };
}
