import { spawn } from 'node:child_process';

/**
 * Running local commands (chronyc, timedatectl, ntpq, asterisk -V) behind a small interface, so the
 * parsers are tested with recorded outputs and the real tools are tested where installed.
 */

export interface CommandResult {
  /** Exit code; null when the command did not run or was killed. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** 'not-found': no such program; 'timeout': killed after the bound; other text: spawn error. */
  error?: string;
}

export interface CommandRunner {
  run(cmd: string, args: string[], opts?: { timeoutMs?: number }): Promise<CommandResult>;
}

const MAX_OUTPUT = 256 * 1024;

/** Runs programs directly (no shell), C locale, bounded in time and output. */
export class SystemRunner implements CommandRunner {
  constructor(private readonly prefix: string[] = []) {}

  run(cmd: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<CommandResult> {
    const argv = [...this.prefix, cmd, ...args];
    return new Promise((resolve) => {
      let stdout = '';
      let stderr = '';
      let settled = false;
      const done = (r: CommandResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      const child = spawn(argv[0]!, argv.slice(1), {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
      });
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        done({ code: null, stdout, stderr, error: 'timeout' });
      }, opts.timeoutMs ?? 5000);
      child.stdout.on('data', (d: Buffer) => {
        if (stdout.length < MAX_OUTPUT) stdout += d.toString('utf8');
      });
      child.stderr.on('data', (d: Buffer) => {
        if (stderr.length < MAX_OUTPUT) stderr += d.toString('utf8');
      });
      child.on('error', (e: NodeJS.ErrnoException) =>
        done({ code: null, stdout, stderr, error: e.code === 'ENOENT' ? 'not-found' : e.message }),
      );
      child.on('close', (code) => done({ code, stdout, stderr }));
    });
  }
}

/**
 * A runner that answers from recorded outputs, keyed by the command line (`chronyc -n tracking`).
 * Commands it does not know are "not found", like a host without the tool.
 */
export class ScriptedRunner implements CommandRunner {
  readonly calls: string[] = [];
  constructor(private readonly answers: Record<string, Partial<CommandResult>>) {}
  async run(cmd: string, args: string[]): Promise<CommandResult> {
    const key = [cmd, ...args].join(' ');
    this.calls.push(key);
    const a = this.answers[key];
    if (!a) return { code: null, stdout: '', stderr: '', error: 'not-found' };
    return {
      code: a.code === undefined ? 0 : a.code,
      stdout: a.stdout ?? '',
      stderr: a.stderr ?? '',
      ...(a.error ? { error: a.error } : {}),
    };
  }
}

/** The first line of a command's output or error, for evidence. */
export function firstLine(r: CommandResult): string {
  if (r.error === 'not-found') return 'not installed';
  if (r.error === 'timeout') return 'no answer within the time limit';
  const text = `${r.stderr}\n${r.stdout}`
    .split('\n')
    .map((l) => l.trim())
    .find(Boolean);
  return text ?? `exit code ${r.code}`;
}
