import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { createAlerts } from '../alerts/index.js';
import { HardlineError } from '../core/errors.js';
import { defaultPolicy, loadPolicyFile } from '../policy/loader.js';
import type { Policy } from '../policy/schema.js';
import { type BacktestResult, runBacktest } from '../watch/backtest.js';
import { baselineYaml, runBaseline } from '../watch/baseline.js';
import { startWatch } from '../watch/daemon.js';
import { LineDecoder } from '../watch/decode.js';
import { Explainer } from '../watch/explain.js';
import { BanOutput } from '../watch/outputs/bans.js';
import { formatIncidentLine, incidentJson, iso } from '../watch/outputs/format.js';
import type { WatchOutput } from '../watch/outputs/output.js';
import { pcapSummaryLine } from '../watch/pcap-import.js';
import { parsePbxAddress } from '../watch/sip-side.js';
import { readLineBatches } from '../watch/sources/lines.js';
import { startDashboard } from '../web/index.js';

function policyOf(file: string | undefined): Policy {
  return file ? loadPolicyFile(file).policy : defaultPolicy().policy;
}

export interface WatchCliOptions {
  policy?: string;
  log: string[];
  syslog: string[];
  hep: string[];
  hepKey?: string;
  pcap: string[];
  pbxAddress: string[];
  db: string;
  fromStart?: boolean;
  jsonl?: string;
  events?: boolean;
  webhook: string[];
  slack: string[];
  metrics?: string;
  pbx?: string;
  logLevel: string;
  maxRss: number;
  heapGrowth?: number;
  web?: string | boolean;
  ban?: boolean;
  stateDir?: string;
  netns?: string;
}

/** `hardline watch`: runs until SIGTERM/SIGINT, then flushes checkpoints and exits 0. */
export async function watchCommand(o: WatchCliOptions): Promise<number> {
  if (o.log.length + o.syslog.length + o.hep.length + o.pcap.length === 0)
    throw new HardlineError(
      'HL_ERR_USAGE',
      'nothing to watch: give --log PATH, --syslog URL, --hep URL or --pcap FILE',
    );
  // validate --pbx-address before anything starts
  for (const a of o.pbxAddress) parsePbxAddress(a);
  const live = o.log.length + o.syslog.length + o.hep.length > 0;
  // Signals are taken from the start: a SIGTERM while starting up still stops cleanly.
  let signal: string | undefined;
  let wake: (() => void) | undefined;
  const onSignal = (sig: string) => {
    signal = sig;
    wake?.();
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
  const loaded = o.policy ? loadPolicyFile(o.policy) : defaultPolicy();
  const policy = loaded.policy;
  const baseDir = loaded.file ? path.dirname(loaded.file) : process.cwd();
  if (o.stateDir) policy.firewall.state_dir = path.resolve(o.stateDir);
  const logger = pino(
    { name: 'hardline-watch', level: o.logLevel ?? 'info' },
    pino.destination({ dest: 2, sync: false }),
  );
  const outputs: WatchOutput[] = [];
  const alerts = createAlerts(policy, { logger, baseDir });
  if (alerts) outputs.push(alerts);
  let bans: BanOutput | undefined;
  if (o.ban) {
    if (!loaded.file)
      throw new HardlineError(
        'HL_ERR_USAGE',
        '--ban needs --policy: trunks, trusted networks and the firewall section',
      );
    const { createBanManager, nftExecutor } = await import('../enforce/index.js');
    const { manager } = await createBanManager({ policy, executor: nftExecutor(o.netns), logger });
    const where = `table inet ${policy.firewall.table}${o.netns ? ` in network namespace ${o.netns}` : ''}`;
    const enforce = policy.firewall.mode === 'enforce';
    // detect mode never touches nftables: not even to read it or to restore bans
    let table: { loaded: boolean; missing: string[] } | undefined;
    if (enforce) {
      try {
        table = await manager.tableStatus();
      } catch (e) {
        logger.error({ err: (e as Error).message }, `bans: cannot read ${where}`);
      }
    }
    if (table && !table.loaded)
      logger.error(
        {
          event: 'ban_table_missing',
          table: policy.firewall.table,
          netns: o.netns ?? null,
          missing: table.missing,
        },
        `bans: ${where} has no ${table.missing.join('/')} set: bans fail until you run hardline firewall --apply${o.netns ? ` --netns ${o.netns}` : ''} with this policy`,
      );
    if (table?.loaded) {
      try {
        await manager.restore();
      } catch (e) {
        logger.warn({ err: (e as Error).message }, 'bans: could not restore bans into nftables');
      }
    }
    bans = new BanOutput({ manager, logger });
    outputs.push(bans);
    logger.info(
      {
        mode: policy.firewall.mode,
        table: policy.firewall.table,
        netns: o.netns ?? null,
        stateFile: manager.store.file,
        tableLoaded: table?.loaded ?? null,
      },
      `bans: ${enforce ? `enforcing in ${where}` : 'detect mode: incidents say whom they would ban, nothing is banned'}`,
    );
  }
  const handle = await startWatch({
    logger,
    outputs,
    policy,
    enforcing: bans !== undefined && policy.firewall.mode === 'enforce',
    logs: o.log,
    syslog: o.syslog,
    hep: o.hep,
    db: o.db,
    fromStart: o.fromStart ?? false,
    ...(o.jsonl ? { jsonl: o.jsonl, jsonlEvents: o.events ?? false } : {}),
    webhooks: [
      ...o.webhook.map((url) => ({ url, kind: 'json' as const })),
      ...o.slack.map((url) => ({ url, kind: 'slack' as const })),
    ],
    ...(o.metrics ? { metrics: o.metrics } : {}),
    ...(o.hepKey !== undefined ? { hepKey: o.hepKey } : {}),
    ...(o.pbx ? { pbx: o.pbx } : {}),
    ...(o.pcap.length ? { pcap: o.pcap } : {}),
    ...(o.pbxAddress.length ? { pbxAddresses: o.pbxAddress } : {}),
    logLevel: o.logLevel,
    maxRssMB: o.maxRss,
    ...(o.heapGrowth !== undefined ? { heapGrowthPercent: o.heapGrowth } : {}),
  });
  alerts?.attachMetrics(handle.metrics);
  // Every ban decision (banned, would ban, refused) goes into the store's ban history; the
  // dashboard records it itself when it runs.
  let history: { close(): void } | undefined;
  if (bans && !o.web) {
    const { SqliteDashboardStore, enforcementRow } = await import('../web/store.js');
    const h = new SqliteDashboardStore(o.db);
    bans.onEnforcement((e) => h.addHistory(enforcementRow(e)));
    history = h;
  }
  if (o.web) {
    try {
      const web = await startDashboard({
        handle,
        policy,
        baseDir,
        db: o.db,
        listen: typeof o.web === 'string' ? o.web : policy.web.listen,
        ...(bans ? { bans } : {}),
        logger,
      });
      handle.addOutput(web.dashboard);
    } catch (e) {
      await handle.stop();
      throw e;
    }
  }
  // --pcap alone: the import is done once startWatch returns
  if (signal === undefined && live) await new Promise<void>((resolve) => (wake = resolve));
  handle.logger.info({ signal }, 'stopping');
  await handle.stop();
  history?.close();
  return 0;
}

export interface BacktestCliOptions {
  policy?: string;
  pcap?: string[];
  pbxAddress?: string[];
  format: 'text' | 'json';
  output?: string;
  pbx?: string;
}

export async function backtestCommand(files: string[], o: BacktestCliOptions): Promise<number> {
  const pcap = o.pcap ?? [];
  if (files.length === 0 && pcap.length === 0)
    throw new HardlineError('HL_ERR_USAGE', 'give at least one LOG file or --pcap FILE');
  for (const a of o.pbxAddress ?? []) parsePbxAddress(a);
  const r = await runBacktest({
    policy: policyOf(o.policy),
    files,
    ...(pcap.length ? { pcap } : {}),
    ...(o.pbxAddress?.length ? { pbxAddresses: o.pbxAddress } : {}),
    ...(o.pbx ? { pbx: o.pbx } : {}),
  });
  const text = o.format === 'json' ? `${JSON.stringify(backtestJson(r), null, 2)}\n` : backtestText(r);
  if (o.output) writeFileSync(o.output, text);
  else process.stdout.write(text);
  return 0;
}

export function backtestJson(r: BacktestResult): Record<string, unknown> {
  return {
    ...r,
    firstEvent: r.firstEvent !== undefined ? iso(r.firstEvent) : null,
    lastEvent: r.lastEvent !== undefined ? iso(r.lastEvent) : null,
    incidents: r.incidents.map(incidentJson),
    wouldBan: r.wouldBan.map((w) => ({
      ...w,
      firstTime: iso(w.firstTime),
      ...(w.authenticated
        ? { authenticated: { ...w.authenticated, first: iso(w.authenticated.first) } }
        : {}),
    })),
  };
}

export function backtestText(r: BacktestResult): string {
  const out: string[] = [];
  out.push(`hardline backtest: ${[...r.files, ...(r.pcap ?? []).map((p) => p.file)].join(', ')}`);
  out.push(
    `${r.lines} lines, ${r.events} events, ${r.firstEvent !== undefined ? `${iso(r.firstEvent)} .. ${iso(r.lastEvent!)}` : 'no events'}`,
  );
  out.push(
    `events: ${Object.entries(r.eventsByKind)
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
  );
  out.push(
    `formats: ${Object.entries(r.formats)
      .map(
        ([f, c]) => `${f} ${c.decoded}/${c.lines} decoded${c.unmatched ? ` (${c.unmatched} unmatched)` : ''}`,
      )
      .join(', ')}`,
  );
  for (const p of r.pcap ?? []) out.push(`capture ${pcapSummaryLine(p)}`);
  out.push('', `incidents: ${r.incidents.length}`);
  for (const i of r.incidents) {
    out.push(`  ${formatIncidentLine(i)}`);
    const ev = i.events[0];
    if (ev) out.push(`      evidence (${i.count} events, first): ${evidenceLine(ev.evidence.raw)}`);
  }
  out.push('', `would ban: ${r.wouldBan.filter((w) => w.decision === 'ban').length} source(s)`);
  for (const w of r.wouldBan) {
    const flags = [
      w.trunk ? `TRUNK '${w.trunk}': never banned` : '',
      w.trustedNetwork ? `TRUSTED NETWORK '${w.trustedNetwork}': never banned` : '',
      w.authenticated
        ? `ALSO AUTHENTICATED ${w.authenticated.count}x (accounts ${w.authenticated.accounts.join(', ')}; first ${iso(w.authenticated.first)})`
        : '',
    ].filter(Boolean);
    out.push(
      `  ${w.decision === 'ban' ? 'BAN  ' : 'spare'} ${w.source.padEnd(39)} ${w.decision === 'ban' ? `${w.duration} s` : ''} from ${iso(w.firstTime)}  ${w.detectors.join(', ')}${flags.length ? `  [${flags.join('; ')}]` : ''}`,
    );
  }
  return `${out.join('\n')}\n`;
}

/** One line of evidence: a log line as is; a SIP transaction as its request line and answer. */
function evidenceLine(raw: string): string {
  const nl = raw.indexOf('\n');
  if (nl < 0) return raw.slice(0, 180);
  const answer = /\n--> ([^\n]*)$/.exec(raw);
  return `${raw.slice(0, Math.min(nl, 180))}${answer ? ` --> ${answer[1]}` : ''}`;
}

export interface ExplainCliOptions {
  line?: string;
  format: 'text' | 'jsonl';
  pbx?: string;
}

export async function explainCommand(file: string | undefined, o: ExplainCliOptions): Promise<number> {
  const decoder = await LineDecoder.create();
  const ex = new Explainer(decoder, o.format, (s) => process.stdout.write(s));
  const now = Date.now();
  const ctx = { fallbackTime: now, refTime: now, ...(o.pbx ? { pbx: o.pbx } : {}) };
  if (o.line !== undefined) {
    ex.line(1, o.line, { ...ctx, origin: 'line' });
  } else {
    const src = file ?? '-';
    let n = 0;
    let ref = now;
    if (src !== '-') {
      const { statSync } = await import('node:fs');
      try {
        ref = statSync(src).mtimeMs;
      } catch (e) {
        throw new HardlineError('HL_ERR_PATH_NOT_FOUND', `cannot read ${src}: ${(e as Error).message}`);
      }
    }
    for await (const batch of readLineBatches(src)) {
      for (const line of batch) {
        n++;
        ex.line(n, line, { ...ctx, refTime: ref, fallbackTime: ref, origin: `${src}:${n}` });
      }
    }
  }
  ex.finish();
  return 0;
}

export interface BaselineCliOptions {
  policy?: string;
  buffer: number;
  output?: string;
}

export async function baselineCommand(files: string[], o: BaselineCliOptions): Promise<number> {
  if (files.length === 0) throw new HardlineError('HL_ERR_USAGE', 'give at least one LOG file');
  const r = await runBaseline({ policy: policyOf(o.policy), files, buffer: o.buffer });
  const text = baselineYaml(r);
  if (o.output) writeFileSync(o.output, text);
  else process.stdout.write(text);
  return 0;
}
