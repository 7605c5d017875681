import type { Diagnostic } from '../../core/diagnostic.js';
import type { Span } from '../../core/span.js';
import type { Token } from './lexer.js';

/**
 * Structure of a Kamailio configuration after pre-processing: global parameters, loadmodule,
 * modparam and route blocks with their statements. Statement parsing keeps what the audit needs
 * (function calls with their arguments, if/else/while/switch nesting, conditions as text with the
 * calls inside them) and skips the rest of an expression without failing.
 */

export interface Call extends Span {
  name: string;
  /** Arguments as text (strings unquoted). */
  args: string[];
  /** Argument tokens (for origin: a define). */
  argTokens: Token[][];
  /** Inside a condition: the call's result is negated (`!f()`). */
  negated?: boolean;
}

export interface Cond extends Span {
  /** Condition tokens joined without spaces, e.g. `src_ip!=127.0.0.1`. */
  text: string;
  calls: Call[];
}

export type Stmt =
  | ({ kind: 'call' } & Call)
  | ({ kind: 'if'; cond: Cond; then: Stmt[]; else: Stmt[] } & Span)
  | ({ kind: 'loop'; cond: Cond; body: Stmt[] } & Span)
  | ({ kind: 'switch'; cond: Cond; body: Stmt[] } & Span)
  | ({ kind: 'assign'; target: string; value: Cond } & Span)
  | ({ kind: 'control'; word: 'exit' | 'drop' | 'return' | 'break' } & Span)
  | ({ kind: 'block'; body: Stmt[] } & Span);

export type RouteKind = 'request' | 'route' | 'branch' | 'failure' | 'onreply' | 'reply' | 'onsend' | 'event';

export interface RouteBlock extends Span {
  kind: RouteKind;
  /** `REQINIT` for route[REQINIT], `xhttp:request` for event_route[...]; '' for request_route. */
  name: string;
  body: Stmt[];
}

export interface GlobalParam extends Span {
  name: string;
  /** Value tokens joined with single spaces (strings unquoted). */
  value: string;
  tokens: Token[];
}

export interface ModParam extends Span {
  module: string;
  param: string;
  value: string;
  valueTokens: Token[];
}

export interface LoadModule extends Span {
  /** Module name without path and `.so`, e.g. `tls`. */
  name: string;
  path: string;
}

export interface ParsedCfg {
  globals: GlobalParam[];
  modules: LoadModule[];
  modparams: ModParam[];
  routes: RouteBlock[];
  diagnostics: Diagnostic[];
}

const ROUTE_WORDS: Record<string, RouteKind> = {
  request_route: 'request',
  route: 'route',
  branch_route: 'branch',
  failure_route: 'failure',
  onreply_route: 'onreply',
  reply_route: 'reply',
  onsend_route: 'onsend',
  event_route: 'event',
};

export function parseCfg(tokens: Token[]): ParsedCfg {
  return new Parser(tokens).parse();
}

class Parser {
  private i = 0;
  readonly out: ParsedCfg = { globals: [], modules: [], modparams: [], routes: [], diagnostics: [] };
  constructor(readonly t: Token[]) {}

  private peek(k = 0): Token | undefined {
    return this.t[this.i + k];
  }
  private is(v: string, k = 0): boolean {
    const tok = this.peek(k);
    return tok !== undefined && tok.type !== 'string' && tok.value === v;
  }
  private diag(at: Span, message: string): void {
    if (this.out.diagnostics.length < 200)
      this.out.diagnostics.push({
        file: at.file,
        line: at.line,
        level: 'warning',
        code: 'cfg-syntax',
        message,
      });
  }

  parse(): ParsedCfg {
    while (this.i < this.t.length) {
      const tok = this.peek()!;
      if (tok.type === 'id' && (tok.value === 'loadmodule' || tok.value === 'loadmodulex')) {
        this.i++;
        if (this.is('(')) this.i++;
        const p = this.peek();
        if (p?.type === 'string') {
          this.i++;
          const base = p.value.split('/').pop() ?? p.value;
          this.out.modules.push({
            name: base.replace(/\.so$/, ''),
            path: p.value,
            file: tok.file,
            line: tok.line,
          });
        } else this.diag(tok, 'loadmodule without a module name');
        if (this.is(')')) this.i++;
        if (this.is(';')) this.i++;
        continue;
      }
      if (tok.type === 'id' && tok.value === 'modparam') {
        this.i++;
        const args = this.is('(') ? this.parenArgs() : [];
        if (args.length >= 3) {
          const value = args.slice(2);
          const valTokens = value.flat();
          this.out.modparams.push({
            module: tokText(args[0]!),
            param: tokText(args[1]!),
            value: tokText(valTokens),
            valueTokens: valTokens,
            file: tok.file,
            line: tok.line,
          });
        } else this.diag(tok, 'modparam needs three arguments');
        if (this.is(';')) this.i++;
        continue;
      }
      if (tok.type === 'id' && tok.value in ROUTE_WORDS && (this.is('{', 1) || this.is('[', 1))) {
        this.route(ROUTE_WORDS[tok.value]!, tok);
        continue;
      }
      if (
        tok.type === 'id' &&
        (this.is('=', 1) || this.is('.', 1) || this.is(':', 1) || this.peek(1)?.type === 'string')
      ) {
        // `name = value`, `group.name = value desc "..."`, and `cfgengine "lua"` / `loadpath "..."`.
        this.global(tok);
        continue;
      }
      this.diag(
        tok,
        `unexpected ${tok.type === 'string' ? 'string' : `'${tok.value}'`} at top level; skipped`,
      );
      this.i++;
    }
    return this.out;
  }

  private global(first: Token): void {
    let name = first.value;
    this.i++;
    while (this.is('.') && this.peek(1)?.type === 'id') {
      name += `.${this.peek(1)!.value}`;
      this.i += 2;
    }
    if (this.is('=') || this.is(':')) this.i++;
    const tokens: Token[] = [];
    while (this.i < this.t.length) {
      const tok = this.peek()!;
      if (tok.file !== first.file || tok.line !== first.line) {
        // A global's value may continue on the next line only after a comma or an operator.
        const last = tokens[tokens.length - 1];
        if (!last || !(last.type === 'punct' && /^[,+]$/.test(last.value))) break;
      }
      if (tok.type === 'punct' && tok.value === ';') {
        this.i++;
        break;
      }
      tokens.push(tok);
      this.i++;
    }
    this.out.globals.push({ name, value: joinTokens(tokens), tokens, file: first.file, line: first.line });
  }

  private route(kind: RouteKind, first: Token): void {
    this.i++;
    let name = '';
    if (this.is('[')) {
      this.i++;
      const parts: string[] = [];
      while (this.i < this.t.length && !this.is(']')) parts.push(this.t[this.i++]!.value);
      this.i++;
      name = parts.join('');
    }
    if (kind === 'route' && name === '') kind = 'request';
    if (!this.is('{')) {
      this.diag(first, `${first.value}${name ? `[${name}]` : ''} without a body`);
      return;
    }
    const body = this.block();
    this.out.routes.push({ kind, name, body, file: first.file, line: first.line });
  }

  /** Parses `{ ... }` (current token is `{`). */
  private block(): Stmt[] {
    this.i++;
    const out: Stmt[] = [];
    while (this.i < this.t.length && !this.is('}')) {
      const before = this.i;
      const s = this.statement();
      if (s) out.push(s);
      if (this.i === before) this.i++;
    }
    this.i++;
    return out;
  }

  private statement(): Stmt | undefined {
    const tok = this.peek()!;
    if (this.is('{')) return { kind: 'block', body: this.block(), file: tok.file, line: tok.line };
    if (this.is(';')) {
      this.i++;
      return undefined;
    }
    if (tok.type === 'id') {
      switch (tok.value) {
        case 'if': {
          this.i++;
          const cond = this.parenCond(tok);
          const then = this.body();
          let els: Stmt[] = [];
          if (this.is('else')) {
            this.i++;
            els = this.body();
          }
          return { kind: 'if', cond, then, else: els, file: tok.file, line: tok.line };
        }
        case 'while': {
          this.i++;
          const cond = this.parenCond(tok);
          return { kind: 'loop', cond, body: this.body(), file: tok.file, line: tok.line };
        }
        case 'switch': {
          this.i++;
          const cond = this.parenCond(tok);
          const body: Stmt[] = [];
          if (this.is('{')) {
            this.i++;
            while (this.i < this.t.length && !this.is('}')) {
              if (this.is('case') || this.is('default')) {
                while (this.i < this.t.length && !this.is(':')) this.i++;
                this.i++;
                continue;
              }
              const before = this.i;
              const s = this.statement();
              if (s) body.push(s);
              if (this.i === before) this.i++;
            }
            this.i++;
          }
          return { kind: 'switch', cond, body, file: tok.file, line: tok.line };
        }
        case 'exit':
        case 'drop':
        case 'return':
        case 'break': {
          this.i++;
          if (this.is('(')) this.parenArgs();
          if (this.is(';')) this.i++;
          return { kind: 'control', word: tok.value, file: tok.file, line: tok.line };
        }
      }
      if (this.is('(', 1)) {
        this.i++;
        const argTokens = this.parenArgs();
        const call: Call = {
          name: tok.value,
          args: argTokens.map(tokText),
          argTokens,
          file: tok.file,
          line: tok.line,
        };
        this.skipToEnd();
        return { kind: 'call', ...call };
      }
      if (this.is(';', 1)) {
        this.i += 2;
        return { kind: 'call', name: tok.value, args: [], argTokens: [], file: tok.file, line: tok.line };
      }
    }
    // Assignment or expression statement: up to ';' at depth 0.
    const tokens = this.untilSemicolon();
    const eq = tokens.findIndex((x) => x.type === 'punct' && (x.value === '=' || x.value === '+='));
    if (eq > 0) {
      return {
        kind: 'assign',
        target: joinTokens(tokens.slice(0, eq)).replace(/\s+/g, ''),
        value: condOf(tokens.slice(eq + 1), tok),
        file: tok.file,
        line: tok.line,
      };
    }
    if (tokens.length) this.diag(tok, `unrecognised statement starting with '${tok.value}'; skipped`);
    return undefined;
  }

  private body(): Stmt[] {
    if (this.is('{')) return this.block();
    const s = this.statement();
    return s ? [s] : [];
  }

  private skipToEnd(): void {
    // Tolerate `f(x) == 1;` style expression statements and a missing semicolon before `}`.
    while (this.i < this.t.length && !this.is(';') && !this.is('}') && !this.is('{')) {
      if (this.peek()!.line !== this.t[this.i - 1]?.line) break;
      this.i++;
    }
    if (this.is(';')) this.i++;
  }

  private untilSemicolon(): Token[] {
    const out: Token[] = [];
    let depth = 0;
    while (this.i < this.t.length) {
      const tok = this.peek()!;
      if (tok.type === 'punct') {
        if (tok.value === '(' || tok.value === '[') depth++;
        else if (tok.value === ')' || tok.value === ']') depth--;
        else if (depth <= 0 && tok.value === ';') {
          this.i++;
          break;
        } else if (depth <= 0 && (tok.value === '}' || tok.value === '{')) break;
      }
      out.push(tok);
      this.i++;
    }
    return out;
  }

  /** `( ... )` as a condition. */
  private parenCond(at: Token): Cond {
    if (!this.is('(')) {
      this.diag(at, `${at.value} without a condition in parentheses`);
      return { text: '', calls: [], file: at.file, line: at.line };
    }
    const start = this.i + 1;
    let depth = 0;
    for (; this.i < this.t.length; this.i++) {
      const tok = this.peek()!;
      if (tok.type !== 'punct') continue;
      if (tok.value === '(') depth++;
      else if (tok.value === ')') {
        depth--;
        if (depth === 0) break;
      }
    }
    const inner = this.t.slice(start, this.i);
    this.i++;
    return condOf(inner, at);
  }

  /** `( a, b, c )` split at top-level commas (current token is `(`). */
  private parenArgs(): Token[][] {
    const args: Token[][] = [];
    let cur: Token[] = [];
    let depth = 0;
    for (; this.i < this.t.length; this.i++) {
      const tok = this.peek()!;
      if (tok.type === 'punct' && tok.value === '(') {
        depth++;
        if (depth === 1) continue;
      } else if (tok.type === 'punct' && tok.value === ')') {
        depth--;
        if (depth === 0) {
          this.i++;
          break;
        }
      } else if (tok.type === 'punct' && tok.value === ',' && depth === 1) {
        args.push(cur);
        cur = [];
        continue;
      }
      cur.push(tok);
    }
    if (cur.length || args.length) args.push(cur);
    return args;
  }
}

/** A condition's text and the function calls inside it. */
function condOf(tokens: Token[], at: Span): Cond {
  const calls: Call[] = [];
  for (let k = 0; k < tokens.length; k++) {
    const tok = tokens[k]!;
    const next = tokens[k + 1];
    if (tok.type !== 'id' || !next || next.type !== 'punct' || next.value !== '(') continue;
    // Find the matching ')' and split its arguments.
    let depth = 0;
    const args: Token[][] = [];
    let cur: Token[] = [];
    let j = k + 1;
    for (; j < tokens.length; j++) {
      const x = tokens[j]!;
      if (x.type === 'punct' && x.value === '(') {
        depth++;
        if (depth === 1) continue;
      } else if (x.type === 'punct' && x.value === ')') {
        depth--;
        if (depth === 0) break;
      } else if (x.type === 'punct' && x.value === ',' && depth === 1) {
        args.push(cur);
        cur = [];
        continue;
      }
      cur.push(x);
    }
    if (cur.length || args.length) args.push(cur);
    const prev = tokens[k - 1];
    const negated = prev?.type === 'punct' && prev.value === '!';
    calls.push({
      name: tok.value,
      args: args.map(tokText),
      argTokens: args,
      file: tok.file,
      line: tok.line,
      ...(negated ? { negated } : {}),
    });
  }
  const first = tokens[0];
  return {
    text: tokens.map((x) => (x.type === 'string' ? JSON.stringify(x.value) : x.value)).join(''),
    calls,
    file: first?.file ?? at.file,
    line: first?.line ?? at.line,
  };
}

/** Text of an argument: a single string unquoted, otherwise the tokens joined. */
export function tokText(tokens: Token[]): string {
  if (tokens.length === 1 && tokens[0]!.type === 'string') return tokens[0]!.value;
  if (tokens.length > 0 && tokens.every((t) => t.type === 'string'))
    return tokens.map((t) => t.value).join('');
  return tokens.map((t) => t.value).join('');
}

export function joinTokens(tokens: Token[]): string {
  let out = '';
  let prev: Token | undefined;
  for (const t of tokens) {
    const glue =
      prev &&
      !(prev.type === 'punct' && /^[:[(.]$/.test(prev.value)) &&
      !(t.type === 'punct' && /^[:\]).,]$/.test(t.value)) &&
      !(prev.type === 'number' && t.type === 'number');
    out += (glue ? ' ' : '') + t.value;
    prev = t;
  }
  return out;
}
