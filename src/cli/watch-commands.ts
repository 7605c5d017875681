import { type Command, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { backtestCommand, baselineCommand, explainCommand, watchCommand } from './watch.js';

const many = (v: string, prev: string[] = []) => [...prev, v];

/** watch, backtest, explain, baseline. */
export function registerWatchCommands(program: Command): void {
  program
    .command('watch')
    .description('follow PBX logs, syslog and HEP; detect attacks with evidence; alert (runs until SIGTERM)')
    .option('-p, --policy <file>', 'site policy (detection thresholds, trunks, trusted networks)')
    .option('--log <path>', 'log file to follow (tail -F; repeatable)', many, [] as string[])
    .option(
      '--syslog <url>',
      'syslog listener, udp://ADDR:PORT or tcp://ADDR:PORT (repeatable)',
      many,
      [] as string[],
    )
    .option(
      '--hep <url>',
      'HEP v3 listener, udp://ADDR:PORT or tcp://ADDR:PORT (repeatable)',
      many,
      [] as string[],
    )
    .option('--hep-key <key>', 'require this HEP auth key (chunk 14)')
    .option(
      '--pcap <file>',
      'import a capture file once (pcap/pcapng: SIP over UDP/TCP, HEP on the wire; repeatable); alone, watch exits when done',
      many,
      [] as string[],
    )
    .option(
      '--pbx-address <addr>',
      "the PBX's own address, IP or IP:PORT (repeatable): tells which side of captured SIP is the PBX",
      many,
      [] as string[],
    )
    .option('--db <file>', 'SQLite store: events, incidents, inventory, checkpoints', 'hardline-watch.db')
    .option(
      '--from-start',
      'read existing log content when a file has no checkpoint yet (default: only new lines)',
    )
    .option('--jsonl <file>', 'write incidents as JSON lines to FILE (- for stdout)')
    .option('--events', 'also write every event to --jsonl')
    .option('--webhook <url>', 'POST incidents as JSON (repeatable)', many, [] as string[])
    .option(
      '--slack <url>',
      'POST incidents to a Slack-compatible webhook (repeatable)',
      many,
      [] as string[],
    )
    .option(
      '--metrics <host:port>',
      'serve Prometheus metrics on http://HOST:PORT/metrics (e.g. 127.0.0.1:9464)',
    )
    .option('--pbx <name>', 'PBX name to stamp on events')
    .option(
      '--web [host:port]',
      'serve the dashboard (default web.listen from the policy, 127.0.0.1:8090); needs the access token',
    )
    .option(
      '--ban',
      "hand ban decisions to the ban manager (policy firewall.mode: detect says 'would ban', enforce bans)",
    )
    .option('--state-dir <dir>', 'state folder: bans, dashboard token hash (default: firewall.state_dir)')
    .option('--netns <name>', 'with --ban: act on nftables inside this network namespace (labs, tests)')
    .option(
      '--max-rss <MB>',
      'resident memory target: a full garbage collection runs above it (0: off)',
      (v) => {
        const n = Number(v);
        if (!(Number.isInteger(n) && n >= 0)) throw new InvalidArgumentError('expected megabytes, e.g. 160');
        return n;
      },
      160,
    )
    .option(
      '--heap-growth <percent>',
      'how far the JavaScript heap may grow past the live state between full collections (0: V8 default)',
      (v) => {
        const n = Number(v);
        if (!(Number.isInteger(n) && n >= 0))
          throw new InvalidArgumentError('expected a percentage, e.g. 20');
        return n;
      },
      20,
    )
    .addOption(
      new Option('--log-level <level>', 'structured log level (stderr, JSON)')
        .choices(['debug', 'info', 'warn', 'error'] as const)
        .default('info' as const),
    )
    .action(async (o) => {
      process.exitCode = await watchCommand(o);
    });

  program
    .command('backtest')
    .description(
      'replay old logs through the same decoders and detectors; show incidents and who would be banned',
    )
    .argument('[log...]', 'log files (merged in event-time order)')
    .option('-p, --policy <file>', 'site policy')
    .option(
      '--pcap <file>',
      'capture files (pcap/pcapng) replayed with the logs (repeatable)',
      many,
      [] as string[],
    )
    .option(
      '--pbx-address <addr>',
      "the PBX's own address, IP or IP:PORT (repeatable): tells which side of captured SIP is the PBX",
      many,
      [] as string[],
    )
    .addOption(
      new Option('-f, --format <format>').choices(['text', 'json'] as const).default('text' as const),
    )
    .option('-o, --output <file>', 'write the report to a file')
    .option('--pbx <name>', 'PBX name to stamp on events')
    .action(async (files, o) => {
      process.exitCode = await backtestCommand(files, o);
    });

  program
    .command('explain')
    .description('show how each log line decodes (or why not), then matched/unmatched counts per format')
    .argument('[file]', 'log file, or - for stdin', '-')
    .option('--line <text>', 'explain this single line')
    .addOption(
      new Option('-f, --format <format>').choices(['text', 'jsonl'] as const).default('text' as const),
    )
    .option('--pbx <name>', 'PBX name to stamp on events')
    .action(async (file, o) => {
      process.exitCode = await explainCommand(file, o);
    });

  program
    .command('baseline')
    .description("learn the site's busy-hour rates from logs and propose detection thresholds (YAML)")
    .argument('<log...>', 'log files covering normal operation (weeks are better than days)')
    .option('-p, --policy <file>', 'site policy (trunks and trusted networks count as legitimate)')
    .option(
      '--buffer <factor>',
      'multiplier on the observed peaks',
      (v) => {
        const n = Number(v);
        if (!(n >= 1 && n <= 100)) throw new InvalidArgumentError('expected a number from 1 to 100');
        return n;
      },
      2,
    )
    .option('-o, --output <file>', 'write the YAML to a file')
    .action(async (files, o) => {
      process.exitCode = await baselineCommand(files, o);
    });
}
