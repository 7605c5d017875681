import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from '../../core/diagnostic.js';
import type { Span } from '../../core/span.js';

/**
 * Kamailio's configuration pre-processor and lexer in one pass, as cfg.lex does it: `#` and `//`
 * line comments, nestable `/* *\/` block comments, directives written `#!` or `!!` (define/def,
 * trydef, redefine, undef, ifdef, ifndef, ifexp, else, endif, subst, substdef, substdefs,
 * defenv, trydefenv, include_file, import_file) and the `include_file`/`import_file` statements.
 * A defined ID used in code is replaced by the define's tokens (never inside strings or
 * pseudo-variables); `subst` rules rewrite string literals. Defines the policy supplies act as
 * `kamailio -A NAME[=value]` on the command line. Every token keeps the file:line it was written
 * at and, when it came from a define, where that define is.
 */

export type TokenType = 'id' | 'string' | 'number' | 'pvar' | 'punct';

export interface Token extends Span {
  type: TokenType;
  /** For strings: the unquoted, unescaped content. */
  value: string;
  /** Token came from expanding this define (where the define was written). */
  fromDefine?: { name: string } & Span;
}

export interface DefineInfo extends Span {
  name: string;
  /** Value text as written (may be empty). */
  value: string;
  /** Set from the policy (command line) rather than the file. */
  external?: boolean;
}

export interface LexResult {
  tokens: Token[];
  /** Defines in effect at the end, by name. */
  defines: Map<string, DefineInfo>;
  /** Every file read (display paths relative to the configuration folder). */
  files: string[];
  diagnostics: Diagnostic[];
  blindSpots: string[];
}

/** Where packages put Kamailio's configuration; absolute paths below it map to the audited folder. */
export const KAMAILIO_ETC = ['/etc/kamailio', '/usr/local/etc/kamailio'];

/** Kamailio's own predefined IDs (version 5.6 as packaged in Debian 12). */
export const PREDEFINED = [
  'KAMAILIO',
  'KAMAILIO_5',
  'KAMAILIO_5_6',
  'KAMAILIO_5_6_3',
  'OS_linux',
  'ARCH_x86_64',
];

interface Cond {
  /** This branch is active. */
  active: boolean;
  /** Some branch of this if-chain was taken. */
  taken: boolean;
  /** The enclosing block was active. */
  parentActive: boolean;
  at: Span;
}

interface Subst {
  re: RegExp;
  replacement: string;
}

const MAX_DEPTH = 20;
const MAX_TOKENS = 5_000_000;

export interface LexOptions {
  /** Defines as given on the command line (`NAME` or `NAME=value`). */
  defines?: string[];
}

export function lexKamailio(mainFile: string, root: string, opts: LexOptions = {}): LexResult {
  return new Lexer(path.resolve(root), opts).run(path.resolve(mainFile));
}

class Lexer {
  readonly tokens: Token[] = [];
  readonly defines = new Map<string, DefineInfo>();
  readonly files: string[] = [];
  readonly diagnostics: Diagnostic[] = [];
  readonly blindSpots: string[] = [];
  private readonly substs: Subst[] = [];
  private readonly conds: Cond[] = [];
  private readonly stack: string[] = [];
  private blockDepth = 0;

  constructor(
    readonly root: string,
    opts: LexOptions,
  ) {
    for (const n of PREDEFINED)
      this.defines.set(n, { name: n, value: '', file: '', line: 0, external: true });
    for (const d of opts.defines ?? []) {
      const eq = d.indexOf('=');
      const name = eq < 0 ? d : d.slice(0, eq);
      this.defines.set(name, {
        name,
        value: eq < 0 ? '' : d.slice(eq + 1),
        file: 'hardline.yaml',
        line: 0,
        external: true,
      });
    }
  }

  run(main: string): LexResult {
    this.processFile(main, 0, { file: this.display(main), line: 0 }, false);
    for (const c of this.conds)
      this.diag(c.at, 'error', 'unbalanced-ifdef', '#!ifdef/#!ifndef without a matching #!endif');
    return {
      tokens: this.tokens,
      defines: this.defines,
      files: this.files,
      diagnostics: this.diagnostics,
      blindSpots: this.blindSpots,
    };
  }

  display(abs: string): string {
    const rel = path.relative(this.root, abs);
    return rel.startsWith('..') || path.isAbsolute(rel) ? abs : rel.split(path.sep).join('/');
  }

  diag(at: Span, level: Diagnostic['level'], code: string, message: string): void {
    this.diagnostics.push({ file: at.file, line: at.line, level, code, message });
  }

  private get active(): boolean {
    return this.conds.every((c) => c.active);
  }

  /** Resolves an include path: relative to the including file, then the folder; /etc/kamailio maps to the folder. */
  resolvePath(target: string, fromDir: string): string | undefined {
    const candidates: string[] = [];
    if (path.isAbsolute(target)) {
      const base = KAMAILIO_ETC.find((d) => target.startsWith(`${d}/`));
      if (base) candidates.push(path.join(this.root, target.slice(base.length + 1)));
    } else {
      candidates.push(path.join(fromDir, target), path.join(this.root, target));
    }
    return candidates.find((c) => existsSync(c) && statSync(c).isFile());
  }

  private processFile(abs: string, depth: number, from: Span, optional: boolean): void {
    const file = this.display(abs);
    if (this.stack.includes(abs)) {
      this.diag(from, 'error', 'include-cycle', `${file} includes itself; not followed again`);
      return;
    }
    if (depth > MAX_DEPTH) {
      this.diag(from, 'error', 'include-depth', `includes nested deeper than ${MAX_DEPTH}; not followed`);
      return;
    }
    let text: string;
    try {
      text = readFileSync(abs, 'utf8');
    } catch (e) {
      if (!optional) this.diag(from, 'error', 'unreadable', `cannot read ${file}: ${(e as Error).message}`);
      return;
    }
    if (!this.files.includes(file)) this.files.push(file);
    this.stack.push(abs);
    const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
    for (let i = 0; i < lines.length; i++) {
      let line = lines[i]!;
      const at = { file, line: i + 1 };
      if (this.blockDepth === 0) {
        const d = /^\s*(?:#!|!!)\s*([A-Za-z_]+)\b(.*)$/.exec(line);
        if (d) {
          let rest = d[2] ?? '';
          // Directive values continue on the next line after a trailing backslash.
          while (rest.endsWith('\\') && i + 1 < lines.length) {
            rest = `${rest.slice(0, -1)}\n${lines[++i]!}`;
          }
          this.directive(d[1]!.toLowerCase(), rest.trim(), at, path.dirname(abs), depth);
          continue;
        }
      }
      if (!this.active) continue;
      const inc =
        this.blockDepth === 0 ? /^\s*(include_file|import_file)\s+"([^"]*)"\s*;?\s*$/.exec(line) : null;
      if (inc) {
        this.include(inc[2]!, at, path.dirname(abs), depth, inc[1] === 'import_file');
        continue;
      }
      line = this.tokenizeLine(line, at);
      if (this.tokens.length > MAX_TOKENS) {
        this.diag(at, 'error', 'too-large', 'configuration too large; stopped reading');
        break;
      }
    }
    this.stack.pop();
  }

  private include(target: string, at: Span, fromDir: string, depth: number, optional: boolean): void {
    const abs = this.resolvePath(target, fromDir);
    if (!abs) {
      if (optional) return;
      const outside = path.isAbsolute(target) && !KAMAILIO_ETC.some((d) => target.startsWith(`${d}/`));
      if (outside)
        this.blindSpots.push(
          `${at.file}:${at.line}: include_file ${target} is outside the configuration folder; not read`,
        );
      else this.diag(at, 'error', 'include-missing', `include_file ${target}: no such file`);
      return;
    }
    this.processFile(abs, depth + 1, at, optional);
  }

  private directive(name: string, rest: string, at: Span, dir: string, depth: number): void {
    const firstWord = (/^([A-Za-z_][A-Za-z0-9_]*)/.exec(rest) ?? [])[1];
    switch (name) {
      case 'ifdef':
      case 'ifndef': {
        const parent = this.active;
        const defined = firstWord !== undefined && this.defines.has(firstWord);
        const on = name === 'ifdef' ? defined : !defined;
        this.conds.push({ active: on, taken: on, parentActive: parent, at });
        return;
      }
      case 'ifexp': {
        const parent = this.active;
        const v = this.evalExp(rest, at);
        this.conds.push({ active: v, taken: v, parentActive: parent, at });
        return;
      }
      case 'else': {
        const c = this.conds[this.conds.length - 1];
        if (!c) {
          this.diag(at, 'error', 'unbalanced-ifdef', '#!else without #!ifdef');
          return;
        }
        c.active = !c.taken;
        c.taken = true;
        return;
      }
      case 'endif':
        if (!this.conds.pop()) this.diag(at, 'error', 'unbalanced-ifdef', '#!endif without #!ifdef');
        return;
    }
    if (!this.active) return;
    switch (name) {
      case 'define':
      case 'def':
      case 'trydef':
      case 'redefine': {
        if (!firstWord) {
          this.diag(at, 'warning', 'define', `#!${name} without a name`);
          return;
        }
        if (name === 'trydef' && this.defines.has(firstWord)) return;
        if ((name === 'define' || name === 'def') && this.defines.has(firstWord)) {
          const old = this.defines.get(firstWord)!;
          if (!old.external)
            this.diag(
              at,
              'warning',
              'redefine',
              `${firstWord} is already defined (${old.file}:${old.line}); Kamailio refuses a second #!define`,
            );
          return;
        }
        this.defines.set(firstWord, { name: firstWord, value: rest.slice(firstWord.length).trim(), ...at });
        return;
      }
      case 'undef':
        if (firstWord) this.defines.delete(firstWord);
        return;
      case 'defenv':
      case 'trydefenv':
      case 'defenvs':
      case 'trydefenvs': {
        const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(\S+))?/.exec(rest);
        if (!m) return;
        if (name.startsWith('try') && this.defines.has(m[1]!)) return;
        this.defines.set(m[1]!, { name: m[1]!, value: '', ...at });
        this.blindSpots.push(
          `${at.file}:${at.line}: ${m[1]} comes from the environment at runtime (#!${name}); the audit treats it as empty`,
        );
        return;
      }
      case 'subst':
      case 'substdef':
      case 'substdefs': {
        const s = this.parseSubst(rest, at);
        if (!s) return;
        this.substs.push({ re: s.re, replacement: s.replacement });
        if (name !== 'subst') {
          const id = s.pattern;
          if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(id)) {
            const value = name === 'substdefs' ? `"${s.rawReplacement}"` : s.rawReplacement;
            this.defines.set(id, { name: id, value, ...at });
          }
        }
        return;
      }
      case 'include_file':
      case 'import_file': {
        const m = /^"([^"]*)"/.exec(rest);
        if (m) this.include(m[1]!, at, dir, depth, name === 'import_file');
        return;
      }
      default:
        // #!KAMAILIO, #!SER, #!MAXCOMPAT, #!ALL: config mode markers; others are unknown.
        if (!/^(kamailio|ser|maxcompat|all|openser)$/.test(name))
          this.diag(at, 'info', 'directive', `unknown directive #!${name}; ignored`);
    }
  }

  /** `"/regex/replacement/flags"` with any delimiter. */
  private parseSubst(
    rest: string,
    at: Span,
  ): { re: RegExp; replacement: string; pattern: string; rawReplacement: string } | undefined {
    const q = /^"(.*)"\s*$/.exec(rest);
    const body = q ? q[1]! : rest;
    const delim = body[0];
    if (!delim) return undefined;
    const parts: string[] = [];
    let cur = '';
    for (let i = 1; i < body.length; i++) {
      const ch = body[i]!;
      if (ch === '\\' && body[i + 1] === delim) {
        cur += delim;
        i++;
      } else if (ch === delim) {
        parts.push(cur);
        cur = '';
      } else cur += ch;
    }
    parts.push(cur);
    if (parts.length < 3) {
      this.diag(at, 'warning', 'subst', 'subst expression is not /regex/replacement/flags; ignored');
      return undefined;
    }
    const [pattern, rawReplacement, flags] = parts as [string, string, string];
    try {
      const re = new RegExp(pattern, flags.includes('g') ? 'g' : '');
      return { re, replacement: rawReplacement.replace(/\\(\d)/g, '$$$1'), pattern, rawReplacement };
    } catch {
      this.diag(at, 'warning', 'subst', `subst regular expression ${pattern} is not supported; ignored`);
      return undefined;
    }
  }

  /** `#!ifexp` with defines, integers, strings, ! && || == != < > <= >= and parentheses. */
  private evalExp(text: string, at: Span): boolean {
    const toks = text.match(/"[^"]*"|\d+|[A-Za-z_][A-Za-z0-9_]*|&&|\|\||==|!=|<=|>=|[()!<>]/g) ?? [];
    let i = 0;
    const val = (t: string): string | number => {
      if (/^\d+$/.test(t)) return Number(t);
      if (t.startsWith('"')) return t.slice(1, -1);
      if (t === 'defined') {
        // defined(NAME)
        if (toks[i] === '(') {
          i++;
          const n = toks[i++] ?? '';
          i++;
          return this.defines.has(n) ? 1 : 0;
        }
        return 0;
      }
      const d = this.defines.get(t);
      if (!d) return 0;
      const v = d.value.trim();
      return /^\d+$/.test(v) ? Number(v) : v.replace(/^"|"$/g, '') || 1;
    };
    const primary = (): string | number => {
      const t = toks[i++];
      if (t === undefined) return 0;
      if (t === '!') return truthy(primary()) ? 0 : 1;
      if (t === '(') {
        const v = or();
        i++;
        return v;
      }
      return val(t);
    };
    const truthy = (v: string | number) => (typeof v === 'number' ? v !== 0 : v !== '');
    const cmp = (): string | number => {
      const a = primary();
      const op = toks[i];
      if (op && ['==', '!=', '<', '>', '<=', '>='].includes(op)) {
        i++;
        const b = primary();
        switch (op) {
          case '==':
            return a === b ? 1 : 0;
          case '!=':
            return a !== b ? 1 : 0;
          case '<':
            return a < b ? 1 : 0;
          case '>':
            return a > b ? 1 : 0;
          case '<=':
            return a <= b ? 1 : 0;
          default:
            return a >= b ? 1 : 0;
        }
      }
      return a;
    };
    const and = (): string | number => {
      let v = cmp();
      while (toks[i] === '&&') {
        i++;
        const r = cmp();
        v = truthy(v) && truthy(r) ? 1 : 0;
      }
      return v;
    };
    const or = (): string | number => {
      let v = and();
      while (toks[i] === '||') {
        i++;
        const r = and();
        v = truthy(v) || truthy(r) ? 1 : 0;
      }
      return v;
    };
    try {
      return truthy(or());
    } catch {
      this.diag(at, 'warning', 'ifexp', `cannot evaluate #!ifexp ${text}; treated as false`);
      return false;
    }
  }

  /** Tokenizes one line of code (comments removed), expanding defines. */
  private tokenizeLine(line: string, at: Span): string {
    let i = 0;
    const n = line.length;
    while (i < n) {
      const ch = line[i]!;
      if (this.blockDepth > 0) {
        if (ch === '/' && line[i + 1] === '*') {
          this.blockDepth++;
          i += 2;
        } else if (ch === '*' && line[i + 1] === '/') {
          this.blockDepth--;
          i += 2;
        } else i++;
        continue;
      }
      if (ch === ' ' || ch === '\t') {
        i++;
        continue;
      }
      if (ch === '#' || (ch === '/' && line[i + 1] === '/')) break;
      if (ch === '/' && line[i + 1] === '*') {
        this.blockDepth++;
        i += 2;
        continue;
      }
      if (ch === '"' || ch === "'") {
        let j = i + 1;
        let s = '';
        while (j < n && line[j] !== ch) {
          if (line[j] === '\\' && j + 1 < n) {
            const e = line[j + 1]!;
            s += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e;
            j += 2;
          } else s += line[j++];
        }
        this.push({ type: 'string', value: this.applySubst(s), ...at });
        i = j + 1;
        continue;
      }
      if (ch === '$') {
        const j = scanPvar(line, i);
        this.push({ type: 'pvar', value: line.slice(i, j), ...at });
        i = j;
        continue;
      }
      if (/[0-9]/.test(ch)) {
        let j = i;
        while (j < n && /[0-9A-Fa-fxX.]/.test(line[j]!)) j++;
        this.push({ type: 'number', value: line.slice(i, j), ...at });
        i = j;
        continue;
      }
      if (/[A-Za-z_]/.test(ch)) {
        let j = i;
        while (j < n && /[A-Za-z0-9_]/.test(line[j]!)) j++;
        const word = line.slice(i, j);
        this.pushId(word, at, 0);
        i = j;
        continue;
      }
      const two = line.slice(i, i + 2);
      if (['==', '!=', '=~', '!~', '&&', '||', '<=', '>=', '+=', '=>'].includes(two)) {
        this.push({ type: 'punct', value: two, ...at });
        i += 2;
        continue;
      }
      this.push({ type: 'punct', value: ch, ...at });
      i++;
    }
    return line;
  }

  private push(t: Token): void {
    this.tokens.push(t);
  }

  private pushId(word: string, at: Span, depth: number, origin?: Token['fromDefine']): void {
    const d = this.defines.get(word);
    if (!d || depth > 10) {
      this.push({ type: 'id', value: word, ...at, ...(origin ? { fromDefine: origin } : {}) });
      return;
    }
    const from = origin ?? { name: word, file: d.file, line: d.line };
    // Tokenize the define's value in place, then mark the new tokens with their origin.
    const value = d.value.replace(/\n/g, ' ');
    const sub = new Lexer(this.root, {});
    sub.defines.clear();
    for (const [k, v] of this.defines) if (k !== word) sub.defines.set(k, v);
    sub.substs.push(...this.substs);
    sub.tokenizeLine(value, at);
    for (const t of sub.tokens) this.tokens.push({ ...t, fromDefine: t.fromDefine ?? from });
  }

  private applySubst(s: string): string {
    let out = s;
    for (const r of this.substs) out = out.replace(r.re, r.replacement);
    return out;
  }
}

/** End index of a pseudo-variable starting at `i` (`$si`, `$var(x)`, `$sht(a=>$si)`, `$(ru{s.len})`). */
function scanPvar(line: string, i: number): number {
  let j = i + 1;
  const n = line.length;
  const balanced = (open: string, close: string) => {
    let depth = 0;
    while (j < n) {
      const c = line[j]!;
      if (c === open) depth++;
      else if (c === close) {
        depth--;
        if (depth === 0) {
          j++;
          return;
        }
      }
      j++;
    }
  };
  if (line[j] === '(' || line[j] === '{') {
    balanced(line[j]!, line[j] === '(' ? ')' : '}');
    return j;
  }
  while (j < n && /[A-Za-z0-9_.]/.test(line[j]!)) j++;
  if (line[j] === '(') balanced('(', ')');
  if (line[j] === '[') balanced('[', ']');
  return j;
}
