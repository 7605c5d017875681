import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from '../helpers.js';

/**
 * Lab tests need root and the Debian packages in .ci/apt-packages. They fail with a clear
 * message when those are missing; they are skipped ONLY when HARDLINE_SKIP_LAB=1 is set.
 */
export const SKIP_LAB = process.env['HARDLINE_SKIP_LAB'] === '1';

export function labPrerequisites(): string | undefined {
  if (process.getuid?.() !== 0)
    return 'the lab tests must run as root (they create network namespaces); set HARDLINE_SKIP_LAB=1 to skip them explicitly';
  for (const b of ['ip', 'kamailio', 'sipp', 'openssl', 'svwar', 'svmap']) {
    if (spawnSync('sh', ['-c', `command -v ${b}`]).status !== 0)
      return `the lab tests need '${b}' (install the packages in .ci/apt-packages); set HARDLINE_SKIP_LAB=1 to skip them explicitly`;
  }
  return undefined;
}

export interface Lab {
  id: string;
  dir: string;
  profile: 'weak' | 'hardened';
  outside: string;
  /** Kamailio's address as seen from outside. */
  sip: string;
  password: string;
  /** Runs a command in the outside namespace. */
  run(
    cmd: string,
    args: string[],
    env?: Record<string, string>,
    timeoutMs?: number,
  ): { code: number | null; out: string; err: string };
  policy(yaml: string): string;
}

/**
 * Starts a lab, runs fn, and always tears it down (also when fn throws). `opts.env` reaches
 * lab.sh (e.g. LAB_HEP=sip:198.18.2.1:9060 makes Kamailio mirror SIP as HEP there).
 */
export async function withLab<T>(
  profile: 'weak' | 'hardened',
  fn: (lab: Lab) => Promise<T>,
  opts: { env?: Record<string, string> } = {},
): Promise<T> {
  const id = randomBytes(3).toString('hex');
  const dir = mkdtempSync(path.join(tmpdir(), `hl-lab-${id}-`));
  const password = randomBytes(12).toString('base64url');
  const script = path.join(ROOT, 'lab', 'lab.sh');
  const down = () => spawnSync('bash', [script, 'down', id, dir], { stdio: 'ignore', timeout: 20_000 });
  const onExit = () => down();
  process.once('exit', onExit);
  try {
    execFileSync('bash', [script, 'up', id, profile, dir], {
      env: { ...process.env, ...opts.env, LAB_PW: password },
      stdio: 'pipe',
      timeout: 30_000,
    });
    const lab: Lab = {
      id,
      dir,
      profile,
      outside: `hlo-${id}`,
      sip: '198.18.1.1',
      password,
      run(cmd, args, env = {}, timeoutMs = 120_000) {
        const r = spawnSync('ip', ['netns', 'exec', `hlo-${id}`, cmd, ...args], {
          encoding: 'utf8',
          env: { ...process.env, NO_COLOR: '1', ...env },
          timeout: timeoutMs,
          cwd: dir,
        });
        return { code: r.status, out: r.stdout ?? '', err: r.stderr ?? '' };
      },
      policy(yaml) {
        const file = path.join(dir, 'hardline.yaml');
        writeFileSync(file, yaml);
        return file;
      },
    };
    return await fn(lab);
  } finally {
    down();
    process.removeListener('exit', onExit);
    rmSync(dir, { recursive: true, force: true });
  }
}
