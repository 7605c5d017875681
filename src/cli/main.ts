import { Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { formatError, HardlineError } from '../core/errors.js';
import { SEVERITIES } from '../core/severity.js';
import { FORMATS } from '../report/index.js';
import { VERSION } from '../report/json.js';
import { auditCommand } from './audit.js';
import { banCommand } from './ban.js';
import { exceptionCommand } from './exception.js';
import { FIREWALL_FORMATS, firewallCommand } from './firewall.js';
import { initCommand } from './init.js';
import { probeCommand } from './probe.js';
import { reviewCommand } from './review.js';
import { rulesCommand } from './rules.js';
import { sipParseCommand } from './sip.js';
import { registerWatchCommands } from './watch-commands.js';

function collect(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((v) => v.trim().toUpperCase())
      .filter(Boolean),
  ];
}

export function buildProgram(): Command {
  const program = new Command()
    .name('hardline')
    .description('Harden VoIP (SIP/RTP) setups and keep them hard: audit, probe, watch, enforce, review.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('audit')
    .description("audit PBX configuration against the site policy, in the hardening guide's order")
    .argument('[path]', 'PBX configuration folder, or a folder/file with hardline.yaml', '.')
    .option('-p, --policy <file>', 'site policy (default: hardline.yaml in PATH, else built-in defaults)')
    .addOption(new Option('-f, --format <format>', 'report format').choices(FORMATS).default('text' as const))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 if an active finding is at or above this severity')
        .choices([...SEVERITIES, 'none'] as const)
        .default('none' as const),
    )
    .option('--rule <ids>', 'only run these rules (comma-separated, repeatable)', collect)
    .addOption(
      new Option('--pbx <kind>', 'PBX kind of PATH (auto: detect from marker files)')
        .choices(['auto', 'asterisk', 'freeswitch', 'kamailio'] as const)
        .default('auto' as const),
    )
    .option('--now <iso-date>', 'evaluate exception expiry at this time instead of now', (v) => {
      if (Number.isNaN(new Date(v).getTime()))
        throw new InvalidArgumentError('expected a date such as 2026-12-31');
      return v;
    })
    .option('--baseline <file>', 'compare with a previous JSON report: new, fixed and unchanged findings')
    .option('--fail-on-new', 'with --baseline, --fail-on only counts findings that are new')
    .option(
      '--full',
      'text report: list every finding (repeated low/info findings are summarised by default)',
    )
    .action(async (p, o) => {
      process.exitCode = await auditCommand(p, o);
    });

  program
    .command('init')
    .description('draft hardline.yaml from a PBX configuration; every guess is marked "# review:"')
    .argument('<confdir>', 'PBX configuration folder, e.g. /etc/asterisk')
    .option('-o, --output <file>', 'write the draft to a file (default: stdout)')
    .option('--force', 'overwrite --output if it exists')
    .option('--name <name>', 'name of the PBX in the policy', 'pbx1')
    .action(async (dir, o) => {
      process.exitCode = await initCommand(dir, o);
    });

  program
    .command('rules')
    .description("list the rule catalog, or show one rule's documentation")
    .argument('[id]', 'rule id, e.g. AST-AMI-001')
    .addOption(
      new Option('-f, --format <format>').choices(['text', 'json'] as const).default('text' as const),
    )
    .action(async (id, o) => {
      process.exitCode = await rulesCommand(id, o);
    });

  // enforce: hardline firewall, hardline ban (issue 7)
  program
    .command('firewall')
    .description('generate the nftables ruleset from the policy; --apply it with rollback; --check for drift')
    .option('-p, --policy <file>', 'site policy (default: ./hardline.yaml)')
    .addOption(
      new Option(
        '-f, --format <format>',
        'nft|json for the ruleset; text|json|sarif|html for --check',
      ).choices(FIREWALL_FORMATS),
    )
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .option('--apply', 'load the ruleset atomically; roll back unless confirmed in time')
    .option('--confirm-timeout <seconds>', 'seconds to wait for confirmation (0: no rollback)', intArg, 30)
    .option('--force', 'apply even when the ruleset could lock out a trunk or the management network')
    .option('--confirm', 'confirm a pending --apply from another shell')
    .option('--check', 'compare the live table with the policy and report drift (exit 1 on drift)')
    .option('--state-dir <dir>', 'state folder (default: firewall.state_dir)')
    .option('--netns <name>', 'act inside this network namespace (labs, tests)')
    .action(async (o) => {
      process.exitCode = await firewallCommand(o);
    });

  program
    .command('ban')
    .description('list, add or remove timed bans (never of trunks or trusted networks); restore them at boot')
    .argument('<action>', 'list | add | remove | restore')
    .argument('[address]', 'IPv4 or IPv6 address (add, remove)')
    .option('-p, --policy <file>', 'site policy (default: ./hardline.yaml)')
    .option('--duration <d>', 'ban length, e.g. 10m, 6h, 1d (default: the policy ladder)')
    .option('--reason <text>', 'why (logged and listed)')
    .option('--dry-run', 'say what would happen; change nothing')
    .addOption(
      new Option('-f, --format <format>').choices(['text', 'json'] as const).default('text' as const),
    )
    .option('--state-dir <dir>', 'state folder (default: firewall.state_dir)')
    .option('--netns <name>', 'act inside this network namespace (labs, tests)')
    .action(async (action, address, o) => {
      process.exitCode = await banCommand(action, address, o);
    });

  // hardline probe: exposure checks from outside, against the policy's endpoints.
  program
    .command('probe')
    .description(
      "check the policy's SIP endpoints from where this runs: transports, banners, auth, enumeration, TLS, SRTP, rate limits",
    )
    .option('-p, --policy <file>', 'site policy with endpoints (default: ./hardline.yaml)')
    .option(
      '-t, --target <spec>',
      'probe only this target HOST[:PORT][;transport=udp|tcp|tls|ws|wss] (repeatable)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .addOption(new Option('-f, --format <format>', 'report format').choices(FORMATS).default('text' as const))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 if an active finding is at or above this severity')
        .choices([...SEVERITIES, 'none'] as const)
        .default('none' as const),
    )
    .option('--check <ids>', 'only run these checks (comma-separated, repeatable)', collect)
    .option('--bind <address>', 'local address to send from')
    .option(
      '--verify-logging',
      'send a few failing REGISTERs/INVITEs with a unique marker and check that watch recorded each (PRB-LOG-001; needs --watch-db)',
    )
    .option('--watch-db <file>', 'the watch store to check (the SQLite file hardline watch --db writes)')
    .option('--verify-attempts <n>', 'failing requests per endpoint for --verify-logging (1-10, default 3)')
    .option('--verify-wait <seconds>', 'how long each may take to reach the store (1-120, default 10)')
    .action(async (o) => {
      process.exitCode = await probeCommand(o);
    });

  // hardline sip ...: the SIP core, for users checking what hardline makes of a message.
  const sip = program.command('sip').description('SIP message tools');
  sip
    .command('parse')
    .description('parse a SIP message (a file, or - for stdin) and show its structure and problems')
    .argument('[file]', 'file holding one SIP message, or - for stdin', '-')
    .addOption(
      new Option('-f, --format <format>').choices(['text', 'json'] as const).default('text' as const),
    )
    .action(async (file, o) => {
      process.exitCode = await sipParseCommand(file, o);
    });
  registerWatchCommands(program);

  // hardline review, hardline exception (issue 8)
  program
    .command('review')
    .description(
      'the periodic review: audit, probe and watch results against the last accepted review, the plan, exceptions, time, versions',
    )
    .argument('[path]', 'folder with hardline.yaml (or a PBX configuration folder), as for audit', '.')
    .option('-p, --policy <file>', 'site policy (default: hardline.yaml in PATH)')
    .option('--audit <file>', 'use this audit JSON report instead of auditing PATH now')
    .option('--probe <file>', 'a probe JSON report (hardline probe --format json)')
    .option('--run-probe', "run hardline probe now against the policy's endpoints (sends traffic)")
    .option('--watch <file>', 'a watch snapshot (JSON, see docs/review.md)')
    .option(
      '--watch-db <file>',
      'the live watch store (the SQLite file hardline watch --db writes), read-only',
    )
    .option('--state-dir <dir>', 'accepted reviews (default: hardline-reviews beside hardline.yaml)')
    .option('--no-host', 'do not read this host (time sync, asterisk -V): the review runs elsewhere')
    .addOption(
      new Option('-f, --format <format>', 'review format')
        .choices(['text', 'markdown', 'html', 'json'] as const)
        .default('text' as const),
    )
    .option('-o, --output <file>', 'write the review to a file instead of stdout')
    .option('--accept', 'record this review as the baseline of the next one (needs --by)')
    .option('--by <name>', 'who reviewed and accepts it')
    .option('--note <text>', 'a note kept with the accepted review')
    .addOption(
      new Option('--pbx <kind>', 'PBX kind of PATH (auto: detect from marker files)')
        .choices(['auto', 'asterisk', 'freeswitch', 'kamailio'] as const)
        .default('auto' as const),
    )
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 if an open finding is at or above this severity')
        .choices([...SEVERITIES, 'none'] as const)
        .default('none' as const),
    )
    .option('--now <iso-date>', 'review as of this time (exception expiry, advisory age)')
    .action(async (p, o) => {
      process.exitCode = await reviewCommand(p, o);
    });

  const exception = program
    .command('exception')
    .description(
      'break-glass exceptions in hardline.yaml: add (approver and expiry required), list, expire, remove',
    );
  const POLICY_OPT = [
    '-p, --policy <file>',
    'site policy to edit in place (default: ./hardline.yaml)',
  ] as const;
  const NOW_OPT = ['--now <iso-date>', 'act as of this time'] as const;
  exception
    .command('add')
    .description('add an exception; refused without --approver and --expires')
    .option('--rule <id>', 'rule or check id, e.g. AST-SRTP-001')
    .option('--target <target>', 'the finding target (JSON report "target"; * matches any text)')
    .option('--source <name>', 'only for this PBX or probe source')
    .option('--reason <text>', 'why the finding is accepted for now')
    .option('--approver <name>', 'who approves it')
    .option('--expires <when>', '4h, 2d, 1w or a date such as 2026-12-31 (end of that day, UTC)')
    .option('--replace', 'replace an existing exception for the same rule, target and source (renewal)')
    .option('--force', 'accept an unknown rule id, a bare * target or an expiry beyond a year')
    .option('--dry-run', 'show what would be written; change nothing')
    .option(...POLICY_OPT)
    .option(...NOW_OPT)
    .action(async (o) => {
      process.exitCode = await exceptionCommand('add', undefined, o);
    });
  exception
    .command('list')
    .description('list the exceptions with their ids, state and expiry')
    .addOption(
      new Option('-f, --format <format>').choices(['text', 'json'] as const).default('text' as const),
    )
    .option(...POLICY_OPT)
    .option(...NOW_OPT)
    .action(async (o) => {
      process.exitCode = await exceptionCommand('list', undefined, o);
    });
  exception
    .command('expire')
    .description('end an exception now (it stays in the file, reported as HL-POL-001, until removed)')
    .argument('<id>', 'the id from hardline exception list, or #N')
    .option('--dry-run', 'change nothing')
    .option(...POLICY_OPT)
    .option(...NOW_OPT)
    .action(async (id, o) => {
      process.exitCode = await exceptionCommand('expire', id, o);
    });
  exception
    .command('remove')
    .description('delete an exception from the policy')
    .argument('<id>', 'the id from hardline exception list, or #N')
    .option('--dry-run', 'change nothing')
    .option(...POLICY_OPT)
    .option(...NOW_OPT)
    .action(async (id, o) => {
      process.exitCode = await exceptionCommand('remove', id, o);
    });

  return program;
}

function intArg(v: string): number {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('expected a whole number of seconds');
  return Number(v);
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    if (e instanceof HardlineError) {
      process.stderr.write(`${formatError(e)}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`HL_ERR_INTERNAL: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 3;
    }
  }
}
