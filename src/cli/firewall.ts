import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { HardlineError } from '../core/errors.js';
import { applyWithRollback, confirmPending } from '../enforce/apply.js';
import { DRIFT_RULES, diffTables } from '../enforce/drift.js';
import { resolveEgressHosts } from '../enforce/egress.js';
import { createBanManager, loadEnforcePolicy, nftExecutor } from '../enforce/index.js';
import { createLogger } from '../enforce/log.js';
import { renderJson, renderText } from '../enforce/nft.js';
import { generateRuleset, resolveTrunkHosts } from '../enforce/ruleset.js';
import { render } from '../report/index.js';
import { VERSION } from '../report/json.js';
import type { ReportData } from '../report/model.js';
import { wantColor } from '../report/text.js';

export const FIREWALL_FORMATS = ['nft', 'json', 'text', 'sarif', 'html'] as const;
export type FirewallFormat = (typeof FIREWALL_FORMATS)[number];

export interface FirewallCliOptions {
  policy?: string;
  format?: FirewallFormat;
  output?: string;
  apply?: boolean;
  confirmTimeout: number;
  force?: boolean;
  check?: boolean;
  confirm?: boolean;
  stateDir?: string;
  netns?: string;
}

function write(o: FirewallCliOptions, text: string): void {
  if (o.output) {
    try {
      writeFileSync(o.output, text);
    } catch (e) {
      throw new HardlineError('HL_ERR_OUTPUT', `cannot write ${o.output}: ${(e as Error).message}`);
    }
  } else process.stdout.write(text);
}

/** `hardline firewall`: returns the exit code. */
export async function firewallCommand(o: FirewallCliOptions): Promise<number> {
  const modes = [o.apply, o.check, o.confirm].filter(Boolean).length;
  if (modes > 1) throw new HardlineError('HL_ERR_USAGE', 'use one of --apply, --check and --confirm');
  if (o.confirm) {
    const stateDir = o.stateDir
      ? path.resolve(o.stateDir)
      : loadEnforcePolicy(o.policy).policy.firewall.state_dir;
    const p = confirmPending(stateDir);
    process.stdout.write(
      `confirmed: the apply of table inet ${p.table} (pid ${p.pid}) keeps the new ruleset\n`,
    );
    return 0;
  }
  const loaded = loadEnforcePolicy(o.policy, o.stateDir);
  const policy = loaded.policy;
  const started = Date.now();
  const resolved = await resolveTrunkHosts(policy);
  const egressResolved = await resolveEgressHosts(policy);
  const display = path.relative(process.cwd(), loaded.file!) || loaded.file!;
  const header = (g: ReturnType<typeof generateRuleset>) => [
    `hardline ${VERSION}: nftables ruleset for ${policy.site ?? display} (policy ${display})`,
    'Generated; edit the policy and run hardline firewall again instead of editing this.',
    ...g.notes,
    ...g.warnings.map((w) => `WARNING: ${w}`),
  ];
  const format = o.format ?? (o.check ? 'text' : 'nft');

  if (o.check) {
    if (format === 'nft')
      throw new HardlineError('HL_ERR_USAGE', '--check reports in text, json, sarif or html');
    const g = generateRuleset(policy, { resolved, egressResolved });
    const exec = nftExecutor(o.netns);
    const expected = await exec.canonicalize(renderText(g.table), policy.firewall.table);
    const live = await exec.listTable(policy.firewall.table);
    const findings = diffTables(policy.firewall.table, expected, live);
    const report: ReportData = {
      command: 'firewall',
      root: `nft table inet ${policy.firewall.table}${o.netns ? ` (netns ${o.netns})` : ''}`,
      policyFile: display,
      generatedAt: new Date().toISOString(),
      durationMs: Date.now() - started,
      sources: [
        {
          name: 'nftables',
          kind: 'nftables',
          path: `inet ${policy.firewall.table}`,
          files: [],
          blindSpots: g.warnings,
        },
      ],
      findings,
      diagnostics: [],
      rulesRun: DRIFT_RULES.map((r) => r.id),
      ranOnDefaults: [],
      skipped: [],
      rules: DRIFT_RULES,
    };
    write(
      o,
      render(format as 'text' | 'json' | 'sarif' | 'html', report, {
        color: !o.output && format === 'text' && wantColor(process.stdout),
        absRoot: path.dirname(loaded.file!),
      }),
    );
    return findings.length ? 1 : 0;
  }

  if (format !== 'nft' && format !== 'json')
    throw new HardlineError('HL_ERR_USAGE', `--format ${format} is for --check; the ruleset is nft or json`);

  if (!o.apply) {
    const g = generateRuleset(policy, { resolved, egressResolved });
    for (const w of g.warnings) process.stderr.write(`warning: ${w}\n`);
    write(
      o,
      format === 'json'
        ? `${JSON.stringify(renderJson(g.table), null, 2)}\n`
        : renderText(g.table, { header: header(g) }),
    );
    return 0;
  }

  const logger = createLogger();
  const exec = nftExecutor(o.netns);
  const { manager } = await createBanManager({ policy, executor: exec, logger });
  const g = generateRuleset(policy, { resolved, egressResolved, bans: manager.active() });
  for (const w of g.warnings) process.stderr.write(`warning: ${w}\n`);
  if (g.blockers.length && !o.force)
    throw new HardlineError(
      'HL_ERR_FIREWALL_UNSAFE',
      'not applied: the ruleset could lock out legitimate traffic',
      g.blockers.map((b) => ({ message: b, hint: 'fix the policy, or apply anyway with --force' })),
    );
  const tty = process.stdin.isTTY;
  const outcome = await applyWithRollback({
    executor: exec,
    table: policy.firewall.table,
    text: renderText(g.table, { header: header(g) }),
    stateDir: policy.firewall.state_dir,
    timeoutSec: o.confirmTimeout,
    logger,
    say: (l) => process.stderr.write(`${l}\n`),
    ...(tty
      ? {
          ask: (signal: AbortSignal) =>
            new Promise<'yes' | 'no'>((resolve) => {
              const rl = createInterface({ input: process.stdin, output: process.stderr });
              signal.addEventListener('abort', () => rl.close());
              rl.question('Keep the new ruleset? [y/N] ', (a) => {
                rl.close();
                resolve(/^y(es)?$/i.test(a.trim()) ? 'yes' : 'no');
              });
            }),
        }
      : {}),
  });
  return outcome === 'rolled-back' ? 1 : 0;
}
