import { Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { formatError, HardlineError } from '../core/errors.js';
import { SEVERITIES } from '../core/severity.js';
import { FORMATS } from '../report/index.js';
import { VERSION } from '../report/json.js';
import { auditCommand } from './audit.js';
import { rulesCommand } from './rules.js';
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
    .option('--now <iso-date>', 'evaluate exception expiry at this time instead of now', (v) => {
      if (Number.isNaN(new Date(v).getTime()))
        throw new InvalidArgumentError('expected a date such as 2026-12-31');
      return v;
    })
    .action(async (p, o) => {
      process.exitCode = await auditCommand(p, o);
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

  registerWatchCommands(program);

  return program;
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
