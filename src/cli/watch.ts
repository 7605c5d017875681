import { writeFileSync } from 'node:fs';
import { HardlineError } from '../core/errors.js';
import { defaultPolicy, loadPolicyFile } from '../policy/loader.js';
import type { Policy } from '../policy/schema.js';
import { type BacktestResult, runBacktest } from '../watch/backtest.js';
import { baselineYaml, runBaseline } from '../watch/baseline.js';
import { startWatch } from '../watch/daemon.js';
import { LineDecoder } from '../watch/decode.js';
import { Explainer } from '../watch/explain.js';
import { formatIncidentLine, incidentJson, iso } from '../watch/outputs/format.js';
import { readLineBatches } from '../watch/sources/lines.js';

function policyOf(file: string | undefined): Policy {
  return file ? loadPolicyFile(file).policy : defaultPolicy().policy;
}

export interface WatchCliOptions {
  policy?: string;
  log: string[];
  syslog: string[];
  hep: string[];
  hepKey?: string;
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
}

/** `hardline watch`: runs until SIGTERM/SIGINT, then flushes checkpoints and exits 0. */
export async function watchCommand(o: WatchCliOptions): Promise<number> {
  if (o.log.length + o.syslog.length + o.hep.length === 0)
    throw new HardlineError('HL_ERR_USAGE', 'nothing to watch: give --log PATH, --syslog URL or --hep URL');
  // Signals are taken from the start: a SIGTERM while starting up still stops cleanly.
  let signal: string | undefined;
  let wake: (() => void) | undefined;
  const onSignal = (sig: string) => {
    signal = sig;
    wake?.();
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
  const handle = await startWatch({
    policy: policyOf(o.policy),
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
    logLevel: o.logLevel,
    maxRssMB: o.maxRss,
    ...(o.heapGrowth !== undefined ? { heapGrowthPercent: o.heapGrowth } : {}),
  });
  if (signal === undefined) await new Promise<void>((resolve) => (wake = resolve));
  handle.logger.info({ signal }, 'stopping');
  await handle.stop();
  return 0;
}

export interface BacktestCliOptions {
  policy?: string;
  format: 'text' | 'json';
  output?: string;
  pbx?: string;
}

export async function backtestCommand(files: string[], o: BacktestCliOptions): Promise<number> {
  if (files.length === 0) throw new HardlineError('HL_ERR_USAGE', 'give at least one LOG file');
  const r = await runBacktest({ policy: policyOf(o.policy), files, ...(o.pbx ? { pbx: o.pbx } : {}) });
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
  out.push(`hardline backtest: ${r.files.join(', ')}`);
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
  out.push('', `incidents: ${r.incidents.length}`);
  for (const i of r.incidents) {
    out.push(`  ${formatIncidentLine(i)}`);
    const ev = i.events[0];
    if (ev) out.push(`      evidence (${i.count} events, first): ${ev.evidence.raw.slice(0, 180)}`);
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
