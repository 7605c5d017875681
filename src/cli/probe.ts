import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { failsAt } from '../audit/engine.js';
import { HardlineError } from '../core/errors.js';
import type { Severity } from '../core/severity.js';
import { defaultPolicy, loadPolicyFile, POLICY_FILENAME } from '../policy/loader.js';
import { runProbe } from '../probe/runner.js';
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
  const result = await runProbe({
    policy,
    ...(o.target?.length ? { targets: o.target } : {}),
    ...(o.check?.length ? { only: o.check } : {}),
    ...(o.bind ? { localAddress: o.bind } : {}),
    ...(tty ? { progress: (line: string) => process.stderr.write(`\r\x1b[2Kprobe ${line}`) } : {}),
  });
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
