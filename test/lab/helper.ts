import { execFileSync, spawn, spawnSync } from 'node:child_process';
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

/** Runs a command synchronously; throws with its output when it fails. */
export function sh(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** A process in a namespace with its output collected; `ready` waits for a pattern. */
export function bg(ns: string, cmd: string, args: string[], cwd: string) {
  const p = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout!.on('data', (d) => {
    out += d;
  });
  p.stderr!.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
  return {
    p,
    get out() {
      return out;
    },
    exited,
    async ready(re: RegExp, ms = 20_000) {
      const end = Date.now() + ms;
      while (!re.test(out)) {
        if (Date.now() > end || p.exitCode !== null) throw new Error(`${cmd} not ready: ${out.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM', ms = 15_000) {
      if (p.exitCode === null && p.signalCode === null) p.kill(signal);
      const t = setTimeout(() => p.kill('SIGKILL'), ms);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}

/** A namespace joined to Kamailio's by a veth pair: `addr` on its side, `gw` on Kamailio's. */
export function attachNs(lab: Lab, tag: string, addr: string, gw: string): { ns: string; remove(): void } {
  const ns = `hl${tag}-${lab.id}`;
  const a = `v${tag}${lab.id}`;
  const b = `w${tag}${lab.id}`;
  const sip = `hls-${lab.id}`;
  sh('ip', ['netns', 'add', ns]);
  const remove = () => {
    spawnSync('ip', ['netns', 'del', ns]);
  };
  try {
    sh('ip', ['link', 'add', a, 'netns', ns, 'type', 'veth', 'peer', 'name', b, 'netns', sip]);
    sh('ip', ['-n', ns, 'addr', 'add', `${addr}/24`, 'dev', a]);
    sh('ip', ['-n', sip, 'addr', 'add', `${gw}/24`, 'dev', b]);
    for (const [n, d] of [
      [ns, 'lo'],
      [ns, a],
      [sip, b],
    ] as const)
      sh('ip', ['-n', n, 'link', 'set', d, 'up']);
    sh('ip', ['-n', ns, 'route', 'add', 'default', 'via', gw]);
  } catch (e) {
    remove();
    throw e;
  }
  return { ns, remove };
}
