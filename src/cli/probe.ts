import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { failsAt } from '../audit/engine.js';
import { HardlineError } from '../core/errors.js';
import type { Severity } from '../core/severity.js';
import { defaultPolicy, loadPolicyFile, POLICY_FILENAME } from '../policy/loader.js';
import { type LoggingVerification, MAX_ATTEMPTS, MAX_WAIT_S, StoreMonitorLookup } from '../probe/logging.js';
import { runProbe } from '../probe/runner.js';

/** The check `--verify-logging` runs. */
const LOGGING_CHECK = 'PRB-LOG-001';

import { type Format, render } from '../report/index.js';
import { wantColor } from '../report/text.js';

export interface ProbeCliOptions {
  policy?: string;
  target?: string[];
  format: Format;
  output?: string;
  failOn: Severity | 'none';
  check?: string[];
  bind?: string;
  verifyLogging?: boolean;
  watchDb?: string;
  verifyAttempts?: string;
  verifyWait?: string;
}

function bounded(name: string, v: string | undefined, dflt: number, max: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new HardlineError('HL_ERR_USAGE', `${name} ${v}: expected a whole number from 1 to ${max}`);
  return n;
}

/** `--verify-logging --watch-db FILE`: the monitoring to check, or undefined. */
function loggingVerification(o: ProbeCliOptions): LoggingVerification | undefined {
  if (!o.verifyLogging) {
    if (o.watchDb || o.verifyAttempts || o.verifyWait)
      throw new HardlineError(
        'HL_ERR_USAGE',
        '--watch-db, --verify-attempts and --verify-wait go with --verify-logging',
      );
    return undefined;
  }
  if (!o.watchDb)
    throw new HardlineError('HL_ERR_USAGE', '--verify-logging needs --watch-db FILE', [
      {
        message:
          'the store hardline watch writes (--db), e.g. /var/lib/hardline/watch.db; the probe reads it to see whether each failing request was recorded',
      },
    ]);
  return {
    attempts: bounded('--verify-attempts', o.verifyAttempts, 3, MAX_ATTEMPTS),
    waitMs: bounded('--verify-wait', o.verifyWait, 10, MAX_WAIT_S) * 1000,
    lookup: new StoreMonitorLookup(o.watchDb),
  };
}

/** `hardline probe`: checks the policy's SIP endpoints from where it runs. */
export async function probeCommand(o: ProbeCliOptions): Promise<number> {
  const file = o.policy ?? (existsSync(POLICY_FILENAME) ? POLICY_FILENAME : undefined);
  const policy = file ? loadPolicyFile(path.resolve(file)) : defaultPolicy();
  if (!file && !o.target?.length)
    throw new HardlineError(
      'HL_ERR_PROBE_SCOPE',
      'nothing to probe: give --policy with endpoints, or --target HOST[:PORT][;transport=...]',
    );
  const tty = Boolean(process.stderr.isTTY);
  const monitor = loggingVerification(o);
  // --verify-logging runs the logging verification alone, or with the checks --check names
  const only = monitor ? [...new Set([LOGGING_CHECK, ...(o.check ?? [])])] : o.check;
  let result: Awaited<ReturnType<typeof runProbe>>;
  try {
    result = await runProbe({
      policy,
      ...(o.target?.length ? { targets: o.target } : {}),
      ...(only?.length ? { only } : {}),
      ...(o.bind ? { localAddress: o.bind } : {}),
      ...(monitor ? { monitor } : {}),
      ...(tty ? { progress: (line: string) => process.stderr.write(`\r\x1b[2Kprobe ${line}`) } : {}),
    });
  } finally {
    monitor?.lookup.close();
  }
  const text = render(o.format, result, {
    color: !o.output && o.format === 'text' && wantColor(process.stdout),
    absRoot: file ? path.dirname(path.resolve(file)) : process.cwd(),
  });
  if (o.output) {
    try {
      writeFileSync(o.output, text);
    } catch (e) {
      throw new HardlineError('HL_ERR_OUTPUT', `cannot write ${o.output}: ${(e as Error).message}`);
    }
  } else process.stdout.write(text);
  return failsAt(result, o.failOn) ? 1 : 0;
}
