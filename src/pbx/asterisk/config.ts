import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { globSync } from 'tinyglobby';
import type { Diagnostic } from '../../core/diagnostic.js';
import type { Span } from '../../core/span.js';

/**
 * Parser for Asterisk's .conf format, following what main/config.c does: BOM, `;` comments with
 * `\;` escapes, nested `;-- --;` block comments, `[section](options)` with templates `!`,
 * inheritance and `+` append, `=`, `=>` and `+=`, `#include`/`#tryinclude` (quotes, <>, globs,
 * cycle detection) and `#exec` (recorded, never run). The current section carries on into and out
 * of included files, as in Asterisk. Malformed lines become diagnostics; nothing throws.
 */

export interface ConfVar extends Span {
  name: string;
  value: string;
  /** Written with `=>`. */
  object: boolean;
  /** Name of the template this value was copied from. */
  inherited?: string;
}

export class ConfSection {
  readonly vars: ConfVar[] = [];
  template = false;
  readonly inherits: string[] = [];
  constructor(
    readonly name: string,
    readonly file: string,
    readonly line: number,
  ) {}

  get span(): Span {
    return { file: this.file, line: this.line };
  }

  /** The effective value of a single-valued option: the last one set (own values after inherited). */
  get(name: string): ConfVar | undefined {
    const n = name.toLowerCase();
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i]!;
      if (v.name.toLowerCase() === n) return v;
    }
    return undefined;
  }

  value(name: string): string | undefined {
    return this.get(name)?.value;
  }

  /** Every value of a repeatable option, in order. */
  all(name: string): ConfVar[] {
    const n = name.toLowerCase();
    return this.vars.filter((v) => v.name.toLowerCase() === n);
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }
}

export interface ExecDirective extends Span {
  command: string;
}

export interface IncludeDirective extends Span {
  directive: 'include' | 'tryinclude';
  target: string;
  /** Files the directive pulled in (display paths). */
  resolved: string[];
}

export interface ConfigFile {
  /** Display path of the top file. */
  name: string;
  sections: ConfSection[];
  diagnostics: Diagnostic[];
  /** Every file read, in order (display paths). */
  files: string[];
  execs: ExecDirective[];
  includes: IncludeDirective[];
}

export interface ConfigParseOptions {
  /** Folder standing for /etc/asterisk (relative includes resolve here). */
  root: string;
  /** The PBX's configured astetcdir; absolute includes under it are mapped to `root`. */
  astetcdir?: string;
  maxIncludeDepth?: number;
}

const MAX_NESTED_COMMENTS = 128;
const GLOB_CHARS = /[*?[{]/;

export function displayPath(root: string, abs: string): string {
  const rel = path.relative(root, abs);
  if (!rel.startsWith('..') && !path.isAbsolute(rel)) return rel.split(path.sep).join('/');
  return abs;
}

/** Parses `file` (relative to root, or absolute). Returns undefined if it does not exist. */
export function parseConfigFile(file: string, opts: ConfigParseOptions): ConfigFile | undefined {
  const abs = path.resolve(opts.root, file);
  if (!isFile(abs)) return undefined;
  const parser = new Parser(opts);
  parser.parseFile(abs, []);
  return {
    name: displayPath(opts.root, abs),
    sections: parser.sections,
    diagnostics: parser.diagnostics,
    files: parser.files,
    execs: parser.execs,
    includes: parser.includes,
  };
}

/** Parses text as if it were the file `name` (for tests and stdin). Includes resolve from root. */
export function parseConfigText(text: string, name: string, opts: ConfigParseOptions): ConfigFile {
  const parser = new Parser(opts);
  parser.parseText(text, path.resolve(opts.root, name), []);
  return {
    name,
    sections: parser.sections,
    diagnostics: parser.diagnostics,
    files: parser.files,
    execs: parser.execs,
    includes: parser.includes,
  };
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

class Parser {
  readonly sections: ConfSection[] = [];
  readonly diagnostics: Diagnostic[] = [];
  readonly files: string[] = [];
  readonly execs: ExecDirective[] = [];
  readonly includes: IncludeDirective[] = [];
  /** The current section: shared across included files, as Asterisk does. */
  private current: ConfSection | undefined;
  private readonly root: string;
  private readonly astetcdir: string;
  private readonly maxDepth: number;

  constructor(opts: ConfigParseOptions) {
    this.root = path.resolve(opts.root);
    this.astetcdir = opts.astetcdir ?? '/etc/asterisk';
    this.maxDepth = opts.maxIncludeDepth ?? 32;
  }

  private diag(file: string, line: number, level: Diagnostic['level'], code: string, message: string): void {
    this.diagnostics.push({ file, line, level, code, message });
  }

  parseFile(abs: string, stack: string[]): void {
    let text: string;
    try {
      text = readFileSync(abs, 'utf8');
    } catch (e) {
      const from = stack.length
        ? displayPath(this.root, stack[stack.length - 1]!)
        : displayPath(this.root, abs);
      this.diag(from, 0, 'error', 'read-failed', `cannot read ${abs}: ${(e as Error).message}`);
      return;
    }
    this.parseText(text, abs, stack);
  }

  parseText(text: string, abs: string, stack: string[]): void {
    const file = displayPath(this.root, abs);
    this.files.push(file);
    const chain = [...stack, abs];
    const lines = text.split(/\r?\n/);
    if (lines.length && lines[0]!.charCodeAt(0) === 0xfeff) lines[0] = lines[0]!.slice(1);
    let depth = 0;
    let commentStart = 0;
    for (let i = 0; i < lines.length; i++) {
      const lineno = i + 1;
      const raw = lines[i]!;
      if (raw.includes('\0')) {
        this.diag(file, lineno, 'warning', 'binary', 'line contains NUL bytes; skipped');
        continue;
      }
      const r = stripComments(raw, depth);
      if (r.depth > MAX_NESTED_COMMENTS) {
        this.diag(
          file,
          lineno,
          'error',
          'comment-nesting',
          `block comments nested deeper than ${MAX_NESTED_COMMENTS}`,
        );
        r.depth = MAX_NESTED_COMMENTS;
      }
      if (depth === 0 && r.depth > 0) commentStart = lineno;
      depth = r.depth;
      if (r.strayClose) {
        this.diag(
          file,
          lineno,
          'warning',
          'stray-comment-end',
          "'--;' outside a block comment is read as a plain ';' comment",
        );
      }
      const text = r.text.trim();
      if (text) this.processLine(text, file, lineno, chain);
    }
    if (depth > 0) {
      this.diag(
        file,
        commentStart,
        'warning',
        'unterminated-comment',
        "block comment ';--' is never closed with '--;'",
      );
    }
  }

  private processLine(text: string, file: string, line: number, chain: string[]): void {
    if (text[0] === '[') {
      this.processSection(text, file, line);
      return;
    }
    if (text[0] === '#') {
      this.processDirective(text, file, line, chain);
      return;
    }
    const eq = text.indexOf('=');
    if (eq < 0) {
      // The line is not quoted back: it may hold a secret typed without '='.
      this.diag(
        file,
        line,
        'warning',
        'no-equals',
        "line is not 'name = value', a [section] or a #directive; ignored",
      );
      return;
    }
    if (!this.current) {
      this.diag(
        file,
        line,
        'error',
        'no-section',
        `option '${clip(text.slice(0, eq).trim())}' is outside any [section]; ignored`,
      );
      return;
    }
    let name = text.slice(0, eq).trim();
    let value = text.slice(eq + 1);
    let object = false;
    if (value[0] === '>') {
      object = true;
      value = value.slice(1);
    }
    value = value.trim();
    let append = false;
    if (name.endsWith('+')) {
      append = true;
      name = name.slice(0, -1).trim();
    }
    if (!name) {
      this.diag(file, line, 'warning', 'empty-name', 'option name is empty; line ignored');
      return;
    }
    if (append) {
      const prev = this.current.get(name);
      if (prev) {
        // `+=` appends to the value of the last option of that name.
        prev.value += value;
        return;
      }
    }
    this.current.vars.push({ name, value, object, file, line });
  }

  private processSection(text: string, file: string, line: number): void {
    const close = text.indexOf(']');
    if (close < 0) {
      this.diag(
        file,
        line,
        'error',
        'no-closing-bracket',
        `section header '${clip(text)}' has no closing ']'; line ignored`,
      );
      return;
    }
    const name = text.slice(1, close);
    let rest = text.slice(close + 1);
    const options: string[] = [];
    if (rest[0] === '(') {
      const end = rest.indexOf(')');
      if (end < 0) {
        this.diag(
          file,
          line,
          'error',
          'no-closing-paren',
          `section options in '${clip(text)}' have no closing ')'; line ignored`,
        );
        return;
      }
      options.push(
        ...rest
          .slice(1, end)
          .split(',')
          .map((o) => o.trim()),
      );
      rest = rest.slice(end + 1);
    }
    if (rest.trim()) {
      this.diag(
        file,
        line,
        'warning',
        'trailing-text',
        `text after section header ignored: '${clip(rest.trim())}'`,
      );
    }
    let section: ConfSection | undefined;
    for (const opt of options) {
      if (opt[0] !== '+') continue;
      const filter = opt.slice(1).trim();
      section = this.findSection(name, filter, true);
      if (!section) {
        this.diag(
          file,
          line,
          'error',
          'append-missing',
          `'[${name}](${opt})' adds to a section that does not exist above`,
        );
        this.current = undefined;
        return;
      }
    }
    if (section) {
      this.current = section;
      return;
    }
    section = new ConfSection(name, file, line);
    for (const opt of options) {
      if (opt === '!') section.template = true;
      else if (opt === '') continue;
      else {
        const base = this.findSection(opt, '', true);
        if (!base) {
          this.diag(
            file,
            line,
            'error',
            'template-missing',
            `section '${name}' inherits from '${opt}', which is not defined above`,
          );
          continue;
        }
        section.inherits.push(opt);
        for (const v of base.vars) section.vars.push({ ...v, inherited: v.inherited ?? opt });
      }
    }
    this.sections.push(section);
    this.current = section;
  }

  /** First section named `name` matching `filter` (`key=value&key=value`), as Asterisk looks it up. */
  private findSection(name: string, filter: string, includeTemplates: boolean): ConfSection | undefined {
    const conds = filter
      ? filter.split('&').map((c) => {
          const [k = '', v = ''] = c.split('=');
          return { k: k.trim(), v: v.trim() };
        })
      : [];
    return this.sections.find(
      (s) =>
        s.name === name &&
        (includeTemplates || !s.template) &&
        conds.every((c) => s.all(c.k).some((x) => x.value === c.v)),
    );
  }

  private processDirective(text: string, file: string, line: number, chain: string[]): void {
    const m = /^#\s*(\w+)\s*(.*)$/.exec(text);
    const directive = (m?.[1] ?? '').toLowerCase();
    let arg = (m?.[2] ?? '').trim();
    if (directive !== 'include' && directive !== 'tryinclude' && directive !== 'exec') {
      this.diag(
        file,
        line,
        'warning',
        'unknown-directive',
        `unknown directive '#${m?.[1] ?? text.slice(1)}'; line ignored`,
      );
      return;
    }
    if (!arg) {
      this.diag(file, line, 'error', 'directive-argument', `'#${directive}' needs an argument`);
      return;
    }
    if ((arg[0] === '"' && arg.endsWith('"')) || (arg[0] === '<' && arg.endsWith('>')))
      arg = arg.slice(1, -1).trim();
    else if (arg[0] === '"' || arg[0] === '<') {
      this.diag(
        file,
        line,
        'warning',
        'unbalanced-quote',
        `'#${directive}' argument has an unbalanced ${arg[0]}`,
      );
      arg = arg.slice(1);
    }
    if (directive === 'exec') {
      this.execs.push({ file, line, command: arg });
      return;
    }
    const inc: IncludeDirective = { file, line, directive, target: arg, resolved: [] };
    this.includes.push(inc);
    const targets = this.resolveInclude(arg);
    if (targets.length === 0) {
      if (directive === 'include') {
        this.diag(file, line, 'warning', 'include-missing', `#include '${arg}' matches no file`);
      }
      return;
    }
    for (const t of targets) {
      inc.resolved.push(displayPath(this.root, t));
      if (chain.includes(t)) {
        const names = [...chain.slice(chain.indexOf(t)), t].map((c) => displayPath(this.root, c));
        this.diag(file, line, 'error', 'include-cycle', `include cycle: ${names.join(' -> ')}; not followed`);
        continue;
      }
      if (chain.length >= this.maxDepth) {
        this.diag(
          file,
          line,
          'error',
          'include-depth',
          `includes nested deeper than ${this.maxDepth}; not followed`,
        );
        continue;
      }
      this.parseFile(t, chain);
    }
  }

  private resolveInclude(arg: string): string[] {
    const candidates: string[] = [];
    if (path.isAbsolute(arg)) {
      const etc = this.astetcdir.replace(/\/+$/, '');
      if (arg.startsWith(`${etc}/`)) candidates.push(path.join(this.root, arg.slice(etc.length + 1)));
      candidates.push(arg);
    } else {
      candidates.push(path.join(this.root, arg));
    }
    for (const c of candidates) {
      if (GLOB_CHARS.test(c)) {
        const found = globSync(path.basename(c), {
          cwd: path.dirname(c),
          absolute: true,
          onlyFiles: true,
          expandDirectories: false,
        })
          .map((f) => path.resolve(f))
          .sort();
        if (found.length) return found;
      } else if (existsSync(c) && isFile(c)) {
        return [path.resolve(c)];
      }
    }
    return [];
  }
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

interface StripResult {
  text: string;
  depth: number;
  strayClose: boolean;
}

/**
 * Removes comments from one line given the block-comment depth at its start. Mirrors Asterisk:
 * `\;` is a literal semicolon, `;--` (not `;---`) opens a nested block comment, `--;` closes one,
 * any other `;` outside a block comment ends the line.
 */
export function stripComments(line: string, startDepth: number): StripResult {
  let depth = startDepth;
  let out = '';
  let keepFrom = depth === 0 ? 0 : -1;
  let i = 0;
  let strayClose = false;
  for (;;) {
    const j = line.indexOf(';', i);
    if (j < 0) break;
    if (j > 0 && line[j - 1] === '\\') {
      if (depth === 0 && keepFrom >= 0) {
        out += `${line.slice(keepFrom, j - 1)};`;
        keepFrom = j + 1;
      }
      i = j + 1;
      continue;
    }
    if (line[j + 1] === '-' && line[j + 2] === '-' && line[j + 3] !== '-') {
      if (depth === 0 && keepFrom >= 0) out += line.slice(keepFrom, j);
      keepFrom = -1;
      depth++;
      i = j + 3;
      continue;
    }
    if (j >= i + 2 && line[j - 1] === '-' && line[j - 2] === '-') {
      if (depth > 0) {
        depth--;
        i = j + 1;
        if (depth === 0) keepFrom = j + 1;
        continue;
      }
      strayClose = true;
    }
    if (depth === 0) {
      if (keepFrom >= 0) out += line.slice(keepFrom, j);
      return { text: out, depth, strayClose };
    }
    i = j + 1;
  }
  if (depth === 0 && keepFrom >= 0) out += line.slice(keepFrom);
  return { text: out, depth, strayClose };
}
