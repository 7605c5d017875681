import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HardlineError } from '../core/errors.js';
import { elementJson } from './nft.js';

/** One element of a live set, as nft lists it. */
export interface LiveElement {
  value: string;
  /** Element timeout and time left, in seconds (sets with flags timeout). */
  timeoutSec?: number;
  expiresSec?: number;
}

/** A table as listed by nft: libnftables JSON and the text form with `# handle N` annotations. */
export interface TableListing {
  json: { nftables: Record<string, unknown>[] };
  text: string;
}

/**
 * Everything hardline asks of nftables. The real implementation drives the nft binary
 * (libnftables-json for set elements); unit tests use FakeNftExecutor.
 */
export interface NftExecutor {
  /** `nft -c -f -`: validates a ruleset without loading it. */
  check(text: string): Promise<void>;
  /** `nft -f -`: loads a ruleset in one transaction. */
  load(text: string): Promise<void>;
  /** `nft -j -f -`: runs libnftables-json commands in one transaction. */
  loadJson(doc: { nftables: unknown[] }): Promise<void>;
  /** Lists one table (inet family), or undefined when it does not exist. */
  listTable(table: string): Promise<TableListing | undefined>;
  /** Deletes one table (inet family) if it exists. */
  deleteTable(table: string): Promise<void>;
  /**
   * Loads `text` into a scratch network namespace and lists `table` from there: the kernel's own
   * rendering of what the ruleset would look like, for comparing with the live table.
   */
  canonicalize(text: string, table: string): Promise<TableListing>;
  /** Adds elements (replacing the timeout of elements already present), in one transaction. */
  addElements(table: string, set: string, elements: { value: string; timeoutSec: number }[]): Promise<void>;
  /** Removes elements; absent elements are not an error. */
  deleteElements(table: string, set: string, values: string[]): Promise<void>;
  /** Lists a set's elements, or undefined when the table or set does not exist. */
  listElements(table: string, set: string): Promise<LiveElement[] | undefined>;
}

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RealNftOptions {
  /** nft binary (default `nft` on PATH). */
  nft?: string;
  /** Command prefix, e.g. ['ip', 'netns', 'exec', 'srv'] to act inside a namespace. */
  prefix?: string[];
  /** Per-call time limit in ms (default 15 s). */
  timeoutMs?: number;
}

/** Drives the nft binary. Needs CAP_NET_ADMIN (root) for anything but --help. */
export class RealNftExecutor implements NftExecutor {
  private readonly nft: string;
  private readonly prefix: string[];
  private readonly timeoutMs: number;

  constructor(opts: RealNftOptions = {}) {
    this.nft = opts.nft ?? 'nft';
    this.prefix = opts.prefix ?? [];
    this.timeoutMs = opts.timeoutMs ?? 15_000;
  }

  private run(args: string[], input?: string, wrap: string[] = []): Promise<RunResult> {
    const argv = [...this.prefix, ...wrap, this.nft, ...args];
    return new Promise((resolve, reject) => {
      const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), this.timeoutMs);
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        stdout += d;
      });
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
      });
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(
          new HardlineError(
            'HL_ERR_NFT',
            `cannot run ${argv[0]}: ${e.message}${(e as NodeJS.ErrnoException).code === 'ENOENT' ? ' (install the nftables package)' : ''}`,
          ),
        );
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code: code ?? (signal ? 124 : 1), stdout, stderr });
      });
      child.stdin.on('error', () => {});
      child.stdin.end(input ?? '');
    });
  }

  private async must(args: string[], input?: string, what = 'nft', wrap: string[] = []): Promise<string> {
    const r = await this.run(args, input, wrap);
    if (r.code !== 0) {
      const msg = r.stderr.trim() || `exit ${r.code}`;
      throw new HardlineError(
        /Operation not permitted|Permission denied/.test(msg) ? 'HL_ERR_NFT_PERMISSION' : 'HL_ERR_NFT',
        `${what} failed: ${msg.split('\n').slice(0, 12).join('\n')}`,
      );
    }
    return r.stdout;
  }

  async check(text: string): Promise<void> {
    await this.must(['-c', '-f', '-'], text, 'nft -c (check)');
  }

  async load(text: string): Promise<void> {
    await this.must(['-f', '-'], text, 'nft -f (load)');
  }

  async loadJson(doc: { nftables: unknown[] }): Promise<void> {
    // nft's JSON parser opens /dev/stdin, which fails on the socket Node gives a child as stdin:
    // pass the document through a private temporary file instead.
    const dir = mkdtempSync(path.join(tmpdir(), 'hardline-nft-'));
    const file = path.join(dir, 'commands.json');
    try {
      writeFileSync(file, JSON.stringify(doc), { mode: 0o600 });
      await this.must(['-j', '-f', file], undefined, 'nft -j -f (load)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  private async list(table: string, wrap: string[] = []): Promise<TableListing | undefined> {
    const j = await this.run(['-j', 'list', 'table', 'inet', table], undefined, wrap);
    if (j.code !== 0) {
      if (/No such file or directory/.test(j.stderr)) return undefined;
      throw new HardlineError(
        /Operation not permitted/.test(j.stderr) ? 'HL_ERR_NFT_PERMISSION' : 'HL_ERR_NFT',
        `nft list table inet ${table} failed: ${j.stderr.trim()}`,
      );
    }
    const text = await this.must(['-a', 'list', 'table', 'inet', table], undefined, 'nft list', wrap);
    return { json: JSON.parse(j.stdout), text };
  }

  listTable(table: string): Promise<TableListing | undefined> {
    return this.list(table);
  }

  async deleteTable(table: string): Promise<void> {
    await this.must(['-f', '-'], `table inet ${table} {}\ndelete table inet ${table}\n`, 'nft delete table');
  }

  async canonicalize(text: string, table: string): Promise<TableListing> {
    // One shell in a fresh, empty network namespace: load, then list as JSON and as text.
    const script = `${this.nft} -f - && echo '@@JSON@@' && ${this.nft} -j list table inet ${table} && echo '@@TEXT@@' && ${this.nft} -a list table inet ${table}`;
    const argv = [...this.prefix, 'unshare', '--net', 'sh', '-c', script];
    const r = await new Promise<RunResult>((resolve, reject) => {
      const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        stdout += d;
      });
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
      });
      child.on('error', (e) => reject(new HardlineError('HL_ERR_NFT', `cannot run unshare: ${e.message}`)));
      child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
      child.stdin.end(text);
    });
    const j = r.stdout.indexOf('@@JSON@@\n');
    const t = r.stdout.indexOf('@@TEXT@@\n');
    if (r.code !== 0 || j < 0 || t < 0)
      throw new HardlineError(
        'HL_ERR_NFT',
        `cannot load the generated ruleset in a scratch namespace: ${r.stderr.trim()}`,
      );
    return { json: JSON.parse(r.stdout.slice(j + 9, t)), text: r.stdout.slice(t + 9) };
  }

  async addElements(
    table: string,
    set: string,
    elements: { value: string; timeoutSec: number }[],
  ): Promise<void> {
    if (!elements.length) return;
    const id = { family: 'inet', table, name: set };
    const plain = elements.map((e) => elementJson({ value: e.value }));
    // add (no-op if present) + delete + add with the timeout: replaces an existing timeout
    // atomically, and never fails because an element is or is not there.
    await this.loadJson({
      nftables: [
        { add: { element: { ...id, elem: plain } } },
        { delete: { element: { ...id, elem: plain } } },
        { add: { element: { ...id, elem: elements.map((e) => elementJson(e)) } } },
      ],
    });
  }

  async deleteElements(table: string, set: string, values: string[]): Promise<void> {
    if (!values.length) return;
    const id = { family: 'inet', table, name: set };
    const plain = values.map((value) => elementJson({ value }));
    await this.loadJson({
      nftables: [
        { add: { element: { ...id, elem: plain } } },
        { delete: { element: { ...id, elem: plain } } },
      ],
    });
  }

  async listElements(table: string, set: string): Promise<LiveElement[] | undefined> {
    const r = await this.run(['-j', 'list', 'set', 'inet', table, set]);
    if (r.code !== 0) {
      if (/No such file or directory/.test(r.stderr)) return undefined;
      throw new HardlineError(
        /Operation not permitted/.test(r.stderr) ? 'HL_ERR_NFT_PERMISSION' : 'HL_ERR_NFT',
        `nft list set failed: ${r.stderr.trim()}`,
      );
    }
    const doc = JSON.parse(r.stdout) as { nftables: { set?: { elem?: unknown[] } }[] };
    const s = doc.nftables.find((o) => o.set)?.set;
    return (s?.elem ?? []).map(parseElement);
  }
}

/** Reads one element of `nft -j list set`: a plain value, a prefix, or {elem:{val,timeout,expires}}. */
export function parseElement(e: unknown): LiveElement {
  const textOf = (v: unknown): string => {
    if (typeof v === 'string') return v;
    const p = (v as { prefix?: { addr: string; len: number } }).prefix;
    if (p) return `${p.addr}/${p.len}`;
    return JSON.stringify(v);
  };
  if (e && typeof e === 'object' && 'elem' in e) {
    const el = (e as { elem: { val: unknown; timeout?: number; expires?: number } }).elem;
    return {
      value: textOf(el.val),
      ...(el.timeout !== undefined ? { timeoutSec: el.timeout } : {}),
      ...(el.expires !== undefined ? { expiresSec: el.expires } : {}),
    };
  }
  return { value: textOf(e) };
}

/**
 * An in-memory stand-in for unit tests: tables hold the loaded text and sets with elements that
 * expire on the injected clock. It understands the tables hardline renders, not nft in general.
 */
export class FakeNftExecutor implements NftExecutor {
  readonly tables = new Map<string, { text: string; sets: Map<string, Map<string, number | undefined>> }>();
  readonly calls: string[] = [];
  /** Makes the next calls fail (e.g. to test error paths). */
  failWith?: string;

  constructor(private readonly now: () => number = Date.now) {}

  private guard(what: string): void {
    this.calls.push(what);
    if (this.failWith) throw new HardlineError('HL_ERR_NFT', `${what} failed: ${this.failWith}`);
  }

  async check(text: string): Promise<void> {
    this.guard('check');
    if (!/^table inet \w+ \{$/m.test(text)) throw new HardlineError('HL_ERR_NFT', 'check failed: no table');
  }

  async load(text: string): Promise<void> {
    this.guard('load');
    const name = /^table inet (\w+) \{$/m.exec(text)?.[1];
    if (!name) throw new HardlineError('HL_ERR_NFT', 'load failed: no table');
    const sets = new Map<string, Map<string, number | undefined>>();
    const setRe = /^\s*set (\w+) \{([\s\S]*?)^\s*\}$/gm;
    for (let m = setRe.exec(text); m; m = setRe.exec(text)) {
      const elems = new Map<string, number | undefined>();
      const body = /elements = \{([\s\S]*?)\}/.exec(m[2]!)?.[1] ?? '';
      for (const item of body
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)) {
        const [v, , t] = item.split(/\s+/);
        elems.set(v!, t ? this.now() + parseNftDuration(t) * 1000 : undefined);
      }
      sets.set(m[1]!, elems);
    }
    this.tables.set(name, { text, sets });
  }

  async loadJson(_doc: { nftables: unknown[] }): Promise<void> {
    this.guard('loadJson');
  }

  async listTable(table: string): Promise<TableListing | undefined> {
    this.guard('listTable');
    const t = this.tables.get(table);
    return t ? { json: { nftables: [] }, text: t.text } : undefined;
  }

  async deleteTable(table: string): Promise<void> {
    this.guard('deleteTable');
    this.tables.delete(table);
  }

  async canonicalize(text: string): Promise<TableListing> {
    this.guard('canonicalize');
    return { json: { nftables: [] }, text };
  }

  private set(table: string, set: string): Map<string, number | undefined> {
    const s = this.tables.get(table)?.sets.get(set);
    if (!s)
      throw new HardlineError(
        'HL_ERR_NFT',
        `Error: No such file or directory; set ${set} in table inet ${table}`,
      );
    for (const [k, exp] of s) if (exp !== undefined && exp <= this.now()) s.delete(k);
    return s;
  }

  async addElements(
    table: string,
    set: string,
    elements: { value: string; timeoutSec: number }[],
  ): Promise<void> {
    this.guard('addElements');
    const s = this.set(table, set);
    for (const e of elements) s.set(e.value.replace(/\/(32|128)$/, ''), this.now() + e.timeoutSec * 1000);
  }

  async deleteElements(table: string, set: string, values: string[]): Promise<void> {
    this.guard('deleteElements');
    const s = this.set(table, set);
    for (const v of values) s.delete(v.replace(/\/(32|128)$/, ''));
  }

  async listElements(table: string, set: string): Promise<LiveElement[] | undefined> {
    this.guard('listElements');
    if (!this.tables.get(table)?.sets.has(set)) return undefined;
    return [...this.set(table, set)].map(([value, exp]) =>
      exp === undefined ? { value } : { value, expiresSec: Math.round((exp - this.now()) / 1000) },
    );
  }
}

/** Parses nft's duration text (1d2h3m4s, 500ms). */
export function parseNftDuration(t: string): number {
  let total = 0;
  const re = /(\d+)(ms|d|h|m|s)/g;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    const n = Number(m[1]);
    total += m[2] === 'ms' ? n / 1000 : n * { d: 86400, h: 3600, m: 60, s: 1 }[m[2] as 'd' | 'h' | 'm' | 's'];
  }
  return total;
}
