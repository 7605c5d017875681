import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from '../../core/diagnostic.js';
import type { ModelBase } from '../../core/rule.js';
import type { Span } from '../../core/span.js';
import { type Cidr, parseCidr, parseIp } from '../../net/address.js';
import { type Guard, guardOfCall, guardsOfCond, isDestTarget } from './guards.js';
import { type DefineInfo, KAMAILIO_ETC, lexKamailio, type Token } from './lexer.js';
import {
  type Call,
  type Cond,
  type GlobalParam,
  type LoadModule,
  type ModParam,
  parseCfg,
  type RouteBlock,
  type Stmt,
} from './parse.js';

/**
 * The Kamailio model: defines in effect, global parameters, loaded modules, module parameters,
 * route blocks, the route call graph, and the files Kamailio reads beside its cfg (tls.cfg, the
 * permissions address file). `flow(entry)` lays a route out in execution order with every
 * `route(X)` inlined, which the rules use to ask "is X called before Y?".
 */

export interface TlsProfile extends Span {
  role: 'server' | 'client';
  /** `default`, `any` or `ip:port`. */
  domain: string;
  params: Map<string, { value: string } & Span>;
}

export interface TlsConfig {
  file: string;
  profiles: TlsProfile[];
}

export interface AddressRow extends Span {
  group: number;
  /** The row as Kamailio applies it (mask 0 means a host route). */
  cidr: Cidr;
  text: string;
}

/**
 * One step of a route laid out in execution order. `guarded` is true when every path reaching the
 * step passed some guard (see guards.ts: authentication, a source check, a destination chosen by
 * the proxy, or an existing transaction). It is structural: `if (!auth_check(...)) { ...; exit; }`
 * guards what follows it, a check inside one branch guards only that branch, and paths merging
 * after an if are guarded only when all of them were.
 */
export type FlowEvent =
  | { kind: 'call'; call: Call; route: string; guarded: boolean }
  | {
      kind: 'cond';
      cond: Cond;
      route: string;
      guarded: boolean;
      /** The branch taken when the condition holds ends the request (exit or drop). */
      thenExits: boolean;
    }
  | { kind: 'assign'; target: string; value: Cond; route: string; span: Span; guarded: boolean };

export interface KamailioModel extends ModelBase {
  kind: 'kamailio';
  /** Display path of the main cfg. */
  mainFile: string;
  files: string[];
  blindSpots: string[];
  defines: Map<string, DefineInfo>;
  globals: GlobalParam[];
  /** Last value of a global parameter. */
  global(name: string): GlobalParam | undefined;
  modules: LoadModule[];
  hasModule(name: string): boolean;
  modparams: ModParam[];
  /** Last value of a module parameter (`modparam("a|b", ...)` applies to both). */
  modparam(module: string, param: string): ModParam | undefined;
  routes: RouteBlock[];
  route(kind: RouteBlock['kind'], name?: string): RouteBlock | undefined;
  /** Route names called with route(X) from each route (`request_route` for the main one). */
  callGraph: Map<string, Set<string>>;
  /** Execution-order events from an entry route, route(X) inlined. */
  flow(entry: RouteBlock): FlowEvent[];
  tls?: TlsConfig;
  /** permissions address file rows, when the module reads a file instead of a database. */
  addressFile?: { file: string; rows: AddressRow[] };
  /** `cfgengine` when routing is written in a KEMI language. */
  kemi?: { engine: string; at: Span };
}

/** The cfg file of a Kamailio folder: kamailio.cfg, or the only .cfg that looks like one. */
export function findKamailioCfg(dir: string): string | undefined {
  const main = path.join(dir, 'kamailio.cfg');
  if (existsSync(main)) return main;
  let entries: string[] = [];
  try {
    entries = readdirSync(dir).filter((f) => f.endsWith('.cfg') && f !== 'tls.cfg');
  } catch {
    return undefined;
  }
  for (const f of entries.sort()) {
    const p = path.join(dir, f);
    try {
      if (!statSync(p).isFile()) continue;
      const head = readFileSync(p, 'utf8').slice(0, 20000);
      if (/^\s*#!(KAMAILIO|SER|OPENSER)\b/m.test(head) || /^\s*loadmodule\s/m.test(head)) return p;
    } catch {}
  }
  return undefined;
}

export interface LoadKamailioOptions {
  defines?: string[];
}

export function loadKamailio(root: string, opts: LoadKamailioOptions = {}): KamailioModel {
  const abs = path.resolve(root);
  const cfg = findKamailioCfg(abs) ?? path.join(abs, 'kamailio.cfg');
  const lex = lexKamailio(cfg, abs, { ...(opts.defines ? { defines: opts.defines } : {}) });
  const parsed = parseCfg(lex.tokens);
  const diagnostics: Diagnostic[] = [...lex.diagnostics, ...parsed.diagnostics];
  const blindSpots = [...lex.blindSpots];
  const mainFile = path.relative(abs, cfg).split(path.sep).join('/');
  const files = [...lex.files];

  const global = (name: string) => {
    const n = name.toLowerCase();
    for (let i = parsed.globals.length - 1; i >= 0; i--)
      if (parsed.globals[i]!.name.toLowerCase() === n) return parsed.globals[i];
    return undefined;
  };
  const modNames = new Set(parsed.modules.map((m) => m.name));
  const modparam = (module: string, param: string) => {
    for (let i = parsed.modparams.length - 1; i >= 0; i--) {
      const p = parsed.modparams[i]!;
      if (p.param.toLowerCase() === param.toLowerCase() && p.module.split('|').includes(module)) return p;
    }
    return undefined;
  };
  const route = (kind: RouteBlock['kind'], name = '') =>
    parsed.routes.find((r) => r.kind === kind && r.name === name);

  const callGraph = new Map<string, Set<string>>();
  for (const r of parsed.routes) {
    const key =
      r.kind === 'request' ? 'request_route' : r.kind === 'route' ? r.name : `${r.kind}_route[${r.name}]`;
    const set = callGraph.get(key) ?? new Set<string>();
    forEachCall(r.body, (c) => {
      if (c.name === 'route' && c.args[0]) set.add(c.args[0]);
    });
    callGraph.set(key, set);
  }
  for (const [from, targets] of callGraph) {
    for (const t of targets) {
      if (!route('route', t))
        diagnostics.push({
          ...(findCall(parsed.routes, from, t) ?? { file: mainFile, line: 0 }),
          level: 'warning',
          code: 'route-missing',
          message: `route(${t}) is called but no route[${t}] block exists`,
        });
    }
  }

  const flows = new Map<RouteBlock, FlowEvent[]>();
  const flow = (entry: RouteBlock) => {
    let f = flows.get(entry);
    if (!f) {
      f = buildFlow(entry, (n) => route('route', n));
      flows.set(entry, f);
    }
    return f;
  };

  const cfgDir = path.dirname(cfg);
  const resolveSide = (value: string): string | undefined => {
    if (path.isAbsolute(value)) {
      const base = KAMAILIO_ETC.find((d) => value.startsWith(`${d}/`));
      if (base) return path.join(abs, value.slice(base.length + 1));
      return existsSync(value) && value.startsWith(abs) ? value : undefined;
    }
    return path.join(value.startsWith('.') ? abs : cfgDir, value);
  };

  let tls: TlsConfig | undefined;
  const tlsParam = modparam('tls', 'config');
  if (modNames.has('tls') && tlsParam) {
    const p = resolveSide(tlsParam.value);
    if (p && existsSync(p)) {
      const display = path.relative(abs, p).split(path.sep).join('/');
      tls = parseTlsCfg(readFileSync(p, 'utf8'), display, diagnostics);
      files.push(display);
    } else {
      blindSpots.push(
        `${tlsParam.file}:${tlsParam.line}: TLS configuration ${tlsParam.value} is not in the audited folder; its settings were not checked`,
      );
    }
  }

  let addressFile: KamailioModel['addressFile'];
  const af = modparam('permissions', 'address_file');
  if (modNames.has('permissions') && af) {
    const p = resolveSide(af.value);
    if (p && existsSync(p)) {
      const display = path.relative(abs, p).split(path.sep).join('/');
      addressFile = { file: display, rows: parseAddressFile(readFileSync(p, 'utf8'), display, diagnostics) };
      files.push(display);
    } else
      blindSpots.push(
        `${af.file}:${af.line}: permissions address_file ${af.value} is not in the audited folder`,
      );
  } else if (modNames.has('permissions')) {
    const db = modparam('permissions', 'db_url');
    blindSpots.push(
      `${db ? `${db.file}:${db.line}: ` : ''}the permissions address table is in the database: which sources allow_source_address() trusts is not visible to a static audit`,
    );
  }
  if (modNames.has('auth_db'))
    blindSpots.push(
      'subscriber credentials are in the database (auth_db): their strength is not visible to a static audit',
    );

  let kemi: KamailioModel['kemi'];
  const engine = global('cfgengine');
  if (engine && !/^native$/i.test(engine.value.replace(/"/g, '').trim())) {
    kemi = { engine: engine.value.replace(/"/g, '').trim(), at: { file: engine.file, line: engine.line } };
    blindSpots.push(
      `${engine.file}:${engine.line}: routing is written in ${kemi.engine} (KEMI, cfgengine); the script's routing logic is not audited, only the cfg's global and module settings`,
    );
  }

  return {
    kind: 'kamailio',
    root: abs,
    diagnostics,
    mainFile,
    files,
    blindSpots,
    defines: lex.defines,
    globals: parsed.globals,
    global,
    modules: parsed.modules,
    hasModule: (n) => modNames.has(n),
    modparams: parsed.modparams,
    modparam,
    routes: parsed.routes,
    route,
    callGraph,
    flow,
    ...(tls ? { tls } : {}),
    ...(addressFile ? { addressFile } : {}),
    ...(kemi ? { kemi } : {}),
  };
}

function findCall(routes: RouteBlock[], from: string, target: string): Span | undefined {
  for (const r of routes) {
    const key =
      r.kind === 'request' ? 'request_route' : r.kind === 'route' ? r.name : `${r.kind}_route[${r.name}]`;
    if (key !== from) continue;
    let hit: Span | undefined;
    forEachCall(r.body, (c) => {
      if (!hit && c.name === 'route' && c.args[0] === target) hit = { file: c.file, line: c.line };
    });
    return hit;
  }
  return undefined;
}

/** Visits every call in statements and conditions. */
export function forEachCall(stmts: Stmt[], f: (c: Call) => void): void {
  for (const s of stmts) {
    switch (s.kind) {
      case 'call':
        f(s);
        break;
      case 'if':
        s.cond.calls.forEach(f);
        forEachCall(s.then, f);
        forEachCall(s.else, f);
        break;
      case 'loop':
      case 'switch':
        s.cond.calls.forEach(f);
        forEachCall(s.body, f);
        break;
      case 'assign':
        s.value.calls.forEach(f);
        break;
      case 'block':
        forEachCall(s.body, f);
        break;
    }
  }
}

const MAX_EVENTS = 200_000;
const MAX_DEPTH = 30;

/** Whether every path so far passed a guard. */
type Scope = boolean;
interface BlockResult {
  /** Scope after the block, or null when control never continues past it. */
  next: Scope | null;
  /** Scope at each `return` inside the block. */
  returns: Scope[];
}

const union = (a: Scope, b: Guard[]): Scope => a || b.length > 0;
const intersect = (list: Scope[]): Scope => list.length > 0 && list.every(Boolean);

function buildFlow(entry: RouteBlock, lookup: (name: string) => RouteBlock | undefined): FlowEvent[] {
  const out: FlowEvent[] = [];
  const stack: string[] = [];
  const entryName = entry.kind === 'request' ? 'request_route' : entry.name || `${entry.kind}_route`;
  /** Inlines route(name); returns the guards certain when it returns, or null if it never does. */
  const callRoute = (name: string, scope: Scope): Scope | null => {
    const r = lookup(name);
    if (!r || stack.includes(name) || stack.length >= MAX_DEPTH) return scope;
    stack.push(name);
    const res = walk(r.body, name, scope);
    stack.pop();
    const points = [...res.returns, ...(res.next !== null ? [res.next] : [])];
    return points.length ? intersect(points) : null;
  };
  /** Emits the calls of a condition or expression; route() calls in it are inlined. */
  const emitCalls = (calls: Call[], route: string, scope: Scope) => {
    for (const c of calls) {
      if (out.length >= MAX_EVENTS) return;
      out.push({ kind: 'call', call: c, route, guarded: scope });
      if (c.name === 'route' && c.args[0]) callRoute(c.args[0], scope);
    }
  };
  const walk = (stmts: Stmt[], route: string, scope: Scope): BlockResult => {
    let cur: Scope | null = scope;
    const returns: Scope[] = [];
    for (const s of stmts) {
      if (cur === null || out.length >= MAX_EVENTS) break;
      switch (s.kind) {
        case 'call': {
          out.push({ kind: 'call', call: s, route, guarded: cur });
          if (s.name === 'route' && s.args[0]) cur = callRoute(s.args[0], cur);
          else if (guardOfCall(s) === 'dest') cur = union(cur, ['dest']);
          break;
        }
        case 'if': {
          const g = guardsOfCond(s.cond);
          out.push({ kind: 'cond', cond: s.cond, route, guarded: cur, thenExits: exits(s.then) });
          emitCalls(s.cond.calls, route, cur);
          // `pos` guards hold where the condition is true, `neg` guards (negated checks such as
          // `!auth_check(...)`, `uri!=myself`) where it is false: the else branch and, when the
          // then branch ends the request, everything after the if.
          const t = walk(s.then, route, union(cur, g.pos));
          const e = walk(s.else, route, union(cur, g.neg));
          returns.push(...t.returns, ...e.returns);
          if (t.next === null && e.next === null) cur = null;
          else if (t.next === null) cur = e.next;
          else if (e.next === null) cur = t.next;
          else cur = intersect([t.next, e.next]);
          break;
        }
        case 'loop':
        case 'switch': {
          const g = guardsOfCond(s.cond);
          out.push({ kind: 'cond', cond: s.cond, route, guarded: cur, thenExits: false });
          emitCalls(s.cond.calls, route, cur);
          const b = walk(s.body, route, union(cur, g.pos));
          returns.push(...b.returns);
          break;
        }
        case 'assign':
          out.push({
            kind: 'assign',
            target: s.target,
            value: s.value,
            route,
            span: { file: s.file, line: s.line },
            guarded: cur,
          });
          emitCalls(s.value.calls, route, cur);
          if (isDestTarget(s.target)) cur = union(cur, ['dest']);
          break;
        case 'block': {
          const b = walk(s.body, route, cur);
          returns.push(...b.returns);
          cur = b.next;
          break;
        }
        case 'control':
          if (s.word === 'return') returns.push(cur);
          if (s.word !== 'break') cur = null;
          break;
      }
    }
    return { next: cur, returns };
  };
  walk(entry.body, entryName, false);
  return out;
}

/** Does a branch end processing (exit or drop at its top level or in a nested block)? */
function exits(stmts: Stmt[]): boolean {
  return stmts.some(
    (s) =>
      (s.kind === 'control' && (s.word === 'exit' || s.word === 'drop')) ||
      (s.kind === 'block' && exits(s.body)),
  );
}

function parseTlsCfg(text: string, file: string, diagnostics: Diagnostic[]): TlsConfig {
  const profiles: TlsProfile[] = [];
  let cur: TlsProfile | undefined;
  text.split(/\r\n|\r|\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const sec = /^\[(server|client):([^\]]+)\]$/i.exec(line);
    if (sec) {
      cur = {
        role: sec[1]!.toLowerCase() as 'server' | 'client',
        domain: sec[2]!.trim(),
        params: new Map(),
        file,
        line: i + 1,
      };
      profiles.push(cur);
      return;
    }
    const kv = /^([A-Za-z_]+)\s*=\s*(.*)$/.exec(line);
    if (kv && cur) cur.params.set(kv[1]!.toLowerCase(), { value: kv[2]!.trim(), file, line: i + 1 });
    else
      diagnostics.push({
        file,
        line: i + 1,
        level: 'warning',
        code: 'tls-cfg',
        message: `tls.cfg line not understood: ${line.slice(0, 60)}`,
      });
  });
  return { file, profiles };
}

function parseAddressFile(text: string, file: string, diagnostics: Diagnostic[]): AddressRow[] {
  const rows: AddressRow[] = [];
  text.split(/\r\n|\r|\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const [g, addr, mask] = line.split(/[\s,]+/);
    const group = Number(g);
    const ipText = (addr ?? '').replace(/^\[(.*)\]$/, '$1');
    const ip = parseIp(ipText);
    if (!Number.isInteger(group) || !ip) {
      diagnostics.push({
        file,
        line: i + 1,
        level: 'warning',
        code: 'address-file',
        message: `address file row not understood: ${line.slice(0, 60)}`,
      });
      return;
    }
    const max = ip.kind() === 'ipv4' ? 32 : 128;
    let bits = mask === undefined ? max : Number(mask);
    // permissions: a mask of 0 is treated as a host route (/32, /128).
    if (!Number.isInteger(bits) || bits <= 0 || bits > max) bits = max;
    const cidr = parseCidr(`${ipText}/${bits}`);
    if (cidr) rows.push({ group, cidr, text: `${ipText}/${mask ?? max}`, file, line: i + 1 });
  });
  return rows;
}

/** Where a token's value was written: the define's line when it came from one. */
export function originOf(tokens: Token[], fallback: Span): Span {
  // Defines from the policy (command line) have no line in the cfg: point at the use instead.
  const d = tokens.find((t) => t.fromDefine?.file && t.fromDefine.line > 0)?.fromDefine;
  return d ? { file: d.file, line: d.line } : fallback;
}

export function kamTrue(v: string | undefined): boolean {
  return v !== undefined && /^(yes|true|on|1|enable|enabled)$/i.test(v.replace(/"/g, '').trim());
}
