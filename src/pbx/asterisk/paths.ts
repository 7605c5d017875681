import type { EvidenceLine } from '../../core/rule.js';
import type { Span } from '../../core/span.js';
import { sipAllowGuest, sipContext, sipHasSecret, sipInsecureInvite, sipIsDynamic } from './chansip.js';
import type { ConfSection } from './config.js';
import { type DialplanContext, type DialplanStep, splitTopLevel } from './dialplan.js';
import { endpointAuthNames, identifyBy } from './helpers.js';
import type { AsteriskModel } from './model.js';
import {
  type ExtensionPattern,
  IDENTITY,
  matchesExtension,
  type NumberTransform,
  numberingPlan,
  parsePattern,
  patternsOverlap,
} from './pattern.js';
import { splitList } from './values.js';

/**
 * Dialplan reachability: from the contexts an unauthenticated caller lands in (the anonymous
 * endpoint, trunks matched by address, open endpoints, chan_sip guests) follow `include =>`,
 * static Goto/GotoIf/Gosub/Macro targets, `Dial(Local/...@ctx)`, menus that let the caller type
 * digits (Background/WaitExten) and DISA without a password, and record every step reached with
 * the chain of hops that leads to it and which variables the caller controls (${EXTEN} as matched
 * by the extension's pattern, values derived from it, caller ID and SIP headers).
 */

export type EntryKind = 'anonymous' | 'trunk' | 'open' | 'guest' | 'no-context' | 'convention';

export interface Entry {
  kind: EntryKind;
  context: string;
  /** Who comes in this way, in full (for evidence). */
  who: string;
  /** Short name for messages, e.g. `trunk endpoint provider`. */
  name: string;
  at: Span;
  /** Callers are not authenticated (anonymous, trunk, open endpoint, guest). */
  untrusted: boolean;
  /** Calls arrive from a provider trunk (or a trunk-like peer). */
  fromTrunk: boolean;
}

export type Hop = EvidenceLine;

/** A value the caller chooses. */
export interface Taint {
  kind: 'number' | 'callerid';
  /** Patterns the caller's number matched on the way (all hold). */
  patterns: ExtensionPattern[];
  transform: NumberTransform;
  /** False when the value is built in a way the transform cannot describe. */
  exact: boolean;
  /** Passed through FILTER(): no injection characters left. */
  filtered: boolean;
  /** Where the caller's choice was matched: the pattern's extension, or Read(). */
  origin: { context: string; label: string; at: Span };
}

export type Value = { t: 'const'; v: string } | { t: 'taint'; taint: Taint };
export type Env = ReadonlyMap<string, Value>;

export interface Reached {
  context: string;
  exten: string;
  step: DialplanStep;
  env: Env;
  /** Hops from the entry to this step (entry line not included). */
  chain: Hop[];
}

export interface Exploration {
  reached: Reached[];
  /** Contexts entered, with the chain that entered them first. */
  contexts: Map<string, Hop[]>;
  /** The exploration stopped at its bound: paths beyond it were not checked. */
  truncated: boolean;
}

export interface ExtensionGroup {
  exten: string;
  pattern: ExtensionPattern;
  steps: DialplanStep[];
  at: Span;
}

const MAX_VISITS = 50_000;
const MAX_CHAIN = 40;

// ---------------------------------------------------------------- extension groups

const groupCache = new WeakMap<DialplanContext, ExtensionGroup[]>();

/** The context's extensions in order of first appearance, each with its steps. */
export function extensionsOf(ctx: DialplanContext): ExtensionGroup[] {
  let groups = groupCache.get(ctx);
  if (groups) return groups;
  const map = new Map<string, ExtensionGroup>();
  for (const s of ctx.steps) {
    if (s.priority.toLowerCase() === 'hint') continue;
    let g = map.get(s.exten);
    if (!g) {
      g = { exten: s.exten, pattern: parsePattern(s.exten), steps: [], at: { file: s.file, line: s.line } };
      map.set(s.exten, g);
    }
    g.steps.push(s);
  }
  groups = [...map.values()];
  groupCache.set(ctx, groups);
  return groups;
}

// ---------------------------------------------------------------- entries

function spanOf(x: { file: string; line: number }): Span {
  return { file: x.file, line: x.line };
}

function matchesText(m: AsteriskModel, ep: string): string {
  const items = m.pjsip
    .identifiesOf(ep)
    .flatMap((id) => [
      ...id.all('match').flatMap((v) => splitList(v.value)),
      ...id.all('match_header').map((v) => `header ${v.value}`),
    ]);
  const shown = items.slice(0, 3).join(', ');
  return items.length > 3 ? `${shown} and ${items.length - 3} more` : shown;
}

/** Where unauthenticated (or unintended) callers enter the dialplan. */
export function findEntries(m: AsteriskModel): Entry[] {
  const out: Entry[] = [];
  for (const ep of m.pjsip.endpoints) {
    const context = (ep.value('context') ?? 'default').trim();
    const at = spanOf(ep);
    if (ep.name === 'anonymous') {
      out.push({
        kind: 'anonymous',
        context,
        who: 'endpoint anonymous (every request no other endpoint matches)',
        name: 'endpoint anonymous',
        at,
        untrusted: true,
        fromTrunk: false,
      });
      continue;
    }
    const hasAuth = endpointAuthNames(ep).length > 0;
    if (!hasAuth) {
      const idents = m.pjsip.identifiesOf(ep.name);
      const byName = identifyBy(ep).some((b) => b === 'username' || b === 'auth_username');
      if (idents.length) {
        out.push({
          kind: 'trunk',
          context,
          who: `trunk endpoint ${ep.name} (no inbound auth; identify matches ${matchesText(m, ep.name)}${byName ? ', and its name in From from anywhere' : ''})`,
          name: `trunk endpoint ${ep.name}`,
          at,
          untrusted: true,
          fromTrunk: true,
        });
      } else if (byName) {
        out.push({
          kind: 'open',
          context,
          who: `endpoint ${ep.name} (no inbound auth; anyone naming it in From)`,
          name: `unauthenticated endpoint ${ep.name}`,
          at,
          untrusted: true,
          fromTrunk: false,
        });
      }
    } else if (!ep.get('context')) {
      out.push({
        kind: 'no-context',
        context: 'default',
        who: `endpoint ${ep.name} (sets no context, so its calls start in [default])`,
        name: `endpoint ${ep.name} without a context`,
        at,
        untrusted: false,
        fromTrunk: false,
      });
    }
  }
  if (m.sip.active) {
    const guest = sipAllowGuest(m.sip);
    if (guest.on) {
      out.push({
        kind: 'guest',
        context: sipContext(m.sip, undefined),
        who: `chan_sip guest calls from any address (allowguest=${guest.at ? guest.at.value : 'yes, the default'})`,
        name: 'chan_sip guests',
        at: spanOf(guest.at ?? m.sip.general ?? { file: 'sip.conf', line: 1 }),
        untrusted: true,
        fromTrunk: false,
      });
    }
    for (const peer of m.sip.peers) {
      const insecure = sipInsecureInvite(m.sip, peer);
      const noSecret = !sipHasSecret(peer);
      if (!insecure && !noSecret) continue;
      const dynamic = sipIsDynamic(peer);
      const why = noSecret ? 'no secret' : `insecure=${insecure!.value}`;
      out.push({
        kind: dynamic ? 'open' : 'trunk',
        context: sipContext(m.sip, peer),
        who: dynamic
          ? `chan_sip peer ${peer.name} (${why}; host=dynamic)`
          : `chan_sip peer ${peer.name} (${why}; calls from host ${peer.value('host') ?? '(unset)'})`,
        name: `chan_sip peer ${peer.name}`,
        at: spanOf(peer),
        untrusted: true,
        fromTrunk: !dynamic,
      });
    }
  }
  for (const name of ['public', 'default']) {
    // By convention strangers land here (chan_sip guests, context-less endpoints): always an entry
    // for AST-DP-003, even when nothing in the files routes there today.
    if (m.dialplan.contexts.has(name)) {
      const ctx = m.dialplan.contexts.get(name)!;
      out.push({
        kind: 'convention',
        context: name,
        who: `[${name}], where Asterisk sends calls that name no other context`,
        name: `[${name}]`,
        at: spanOf(ctx),
        untrusted: false,
        fromTrunk: false,
      });
    }
  }
  return out;
}

/** Entries grouped by the context they enter (the exploration from a context is the same). */
export function entriesByContext(entries: Entry[]): Map<string, Entry[]> {
  const map = new Map<string, Entry[]>();
  for (const e of entries) map.set(e.context, [...(map.get(e.context) ?? []), e]);
  return map;
}

// ---------------------------------------------------------------- variables

const MARK_OPEN = '\u0001';
const MARK_CLOSE = '\u0002';
const MARK_RE = /\u0001(\d+)\u0002/g;

/** Result of expanding a text: tainted parts become markers indexing `taints`. */
export interface Expanded {
  text: string;
  taints: Taint[];
  /** Some ${...} could not be resolved statically. */
  unresolved: boolean;
}

const CALLER_FUNCS =
  /^(CALLERID|CALLERIDNUM|CALLERIDNAME|CONNECTEDLINE|PJSIP_HEADER|SIP_HEADER|SIPURI|PJSIP_PARSE_URI|RDNIS|DNID)\b/i;

/**
 * Expands ${...} in `text`: constants (globals, values set on the path) are substituted, values
 * the caller controls become markers, anything else stays unresolved. ${VAR:offset:length}
 * substrings and FILTER() are understood.
 */
export function expand(text: string, env: Env, m: AsteriskModel, depth = 0): Expanded {
  const taints: Taint[] = [];
  let unresolved = false;
  const mark = (t: Taint) => {
    taints.push(t);
    return `${MARK_OPEN}${taints.length - 1}${MARK_CLOSE}`;
  };
  const walk = (s: string, d: number): string => {
    let out = '';
    for (let i = 0; i < s.length; i++) {
      if (s[i] === '$' && s[i + 1] === '{') {
        let level = 1;
        let j = i + 2;
        for (; j < s.length && level > 0; j++) {
          if (s[j] === '{') level++;
          else if (s[j] === '}') level--;
        }
        if (level > 0) {
          out += s.slice(i);
          unresolved = true;
          break;
        }
        const inner = walk(s.slice(i + 2, j - 1), d);
        out += resolve(inner, d);
        i = j - 1;
      } else out += s[i];
    }
    return out;
  };
  const resolve = (expr: string, d: number): string => {
    const fm = /^([A-Z_][A-Z0-9_]*)\((.*)\)$/is.exec(expr);
    if (fm) {
      const fname = fm[1]!.toUpperCase();
      if (fname === 'FILTER') {
        const [, ...rest] = splitTopLevel(fm[2]!);
        const arg = rest.join(',');
        return arg.replace(MARK_RE, (_, n: string) => mark({ ...taints[Number(n)]!, filtered: true }));
      }
      if (CALLER_FUNCS.test(fname)) {
        return mark({
          kind: 'callerid',
          patterns: [],
          transform: IDENTITY,
          exact: false,
          filtered: false,
          origin: { context: '', label: `${fname}()`, at: { file: '', line: 0 } },
        });
      }
      unresolved = true;
      return `\${${expr}}`;
    }
    if (expr.includes(MARK_OPEN)) {
      unresolved = true;
      return `\${${expr}}`;
    }
    const vm = /^([A-Za-z_][\w.-]*)(?::(-?\d+)(?::(-?\d+))?)?$/.exec(expr);
    if (!vm) {
      unresolved = true;
      return `\${${expr}}`;
    }
    const name = vm[1]!;
    const off = vm[2] !== undefined ? Number(vm[2]) : undefined;
    const len = vm[3] !== undefined ? Number(vm[3]) : undefined;
    let value = env.get(name) ?? env.get(name.toUpperCase());
    if (!value && CALLER_FUNCS.test(name)) {
      value = {
        t: 'taint',
        taint: {
          kind: 'callerid',
          patterns: [],
          transform: IDENTITY,
          exact: false,
          filtered: false,
          origin: { context: '', label: name, at: { file: '', line: 0 } },
        },
      };
    }
    if (!value) {
      const g = m.dialplan.globals.get(name);
      if (g && d < 8) {
        const inner = expand(g.value, new Map(), m, d + 1);
        if (inner.taints.length === 0 && !inner.unresolved) value = { t: 'const', v: inner.text };
      }
    }
    if (!value) {
      unresolved = true;
      return `\${${expr}}`;
    }
    if (value.t === 'const') return substr(value.v, off, len);
    return mark(applySubstring(value.taint, off, len));
  };
  const result = walk(text, depth);
  return { text: result, taints, unresolved };
}

function substr(v: string, off: number | undefined, len: number | undefined): string {
  if (off === undefined) return v;
  let start = off < 0 ? Math.max(0, v.length + off) : off;
  if (start > v.length) start = v.length;
  if (len === undefined) return v.slice(start);
  return len < 0 ? v.slice(start, v.length + len) : v.slice(start, start + len);
}

function applySubstring(t: Taint, off: number | undefined, len: number | undefined): Taint {
  if (off === undefined && len === undefined) return t;
  if ((off ?? 0) < 0 || (len ?? 0) < 0 || t.kind !== 'number') return { ...t, exact: false };
  const o = off ?? 0;
  const { prepend, skip, maxLen } = t.transform;
  let tr: NumberTransform;
  if (o <= prepend.length)
    tr = { prepend: prepend.slice(o), skip, ...(maxLen !== undefined ? { maxLen } : {}) };
  else {
    const extra = o - prepend.length;
    tr = { prepend: '', skip: skip + extra, ...(maxLen !== undefined ? { maxLen: maxLen - extra } : {}) };
  }
  if (len !== undefined) {
    if (len <= tr.prepend.length) tr = { prepend: tr.prepend.slice(0, len), skip: tr.skip, maxLen: 0 };
    else tr = { ...tr, maxLen: Math.min(tr.maxLen ?? Number.POSITIVE_INFINITY, len - tr.prepend.length) };
  }
  return { ...t, transform: tr };
}

/** Turns an expanded value into an env value (or undefined when it cannot be known). */
function toValue(x: Expanded): Value | undefined {
  if (x.unresolved) return undefined;
  if (!x.text.includes(MARK_OPEN)) return { t: 'const', v: x.text };
  const first = /\u0001(\d+)\u0002/.exec(x.text)!;
  const t = x.taints[Number(first[1])]!;
  const before = x.text.slice(0, first.index);
  const single = [...x.text.matchAll(MARK_RE)].length === 1;
  if (t.kind !== 'number' || !single) return { t: 'taint', taint: { ...t, exact: false } };
  return {
    t: 'taint',
    taint: { ...t, transform: { ...t.transform, prepend: before + t.transform.prepend } },
  };
}

/** The caller-controlled value in text, with the literal text right before it (to a delimiter). */
export function taintsIn(x: Expanded): { taint: Taint; before: string }[] {
  const out: { taint: Taint; before: string }[] = [];
  for (const mm of x.text.matchAll(MARK_RE)) {
    const head = x.text.slice(0, mm.index);
    const cut = Math.max(...['/', ':', '@', '&', ',', MARK_CLOSE].map((c) => head.lastIndexOf(c)));
    out.push({ taint: x.taints[Number(mm[1])]!, before: head.slice(cut + 1) });
  }
  return out;
}

/** Shows an expanded text with markers turned back into `${...}` names. */
export function showExpanded(x: Expanded): string {
  return maskSecrets(x.text.replace(MARK_RE, (_, n: string) => `{${x.taints[Number(n)]!.origin.label}}`));
}

/** `IAX2/user:secret@host`, `SIP/user:secret@host`, `sip:user:secret@host` carry a secret: never print it. */
export function maskSecrets(s: string): string {
  return s
    .replace(/((?:IAX2|SIP)\/[^:/@&]+):[^@/&]*@/gi, '$1:***@')
    .replace(/(sips?:[^:@/&]+):[^@/&]*@/gi, '$1:***@');
}

// ---------------------------------------------------------------- traversal

interface Visit {
  context: string;
  /** `any`: the caller picks the extension (restricted by `restrict`); else a fixed extension. */
  any: boolean;
  exten: string;
  restrict: ExtensionPattern[];
  env: Env;
  chain: Hop[];
}

const DIGIT_APPS = new Set(['background', 'waitexten', 'backgrounddetect']);

function envKey(env: Env): string {
  const parts: string[] = [];
  for (const [k, v] of [...env.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (v.t === 'taint') {
      const t = v.taint;
      parts.push(
        `${k}=T${t.kind}:${t.patterns.map((p) => p.text).join('|')}:${t.transform.prepend}:${t.transform.skip}:${t.transform.maxLen ?? ''}:${t.exact}:${t.filtered}`,
      );
    } else if (/^ARG\d+$|^MACRO_/.test(k)) parts.push(`${k}=${v.v}`);
  }
  return parts.join(';');
}

/** Splits `cond?a:b` (GotoIf, GosubIf, GotoIfTime) into the condition and the two targets. */
function branches(args: string): { cond: string; targets: [string, string] } | undefined {
  let depth = 0;
  for (let i = 0; i < args.length; i++) {
    const c = args[i]!;
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === '?' && depth === 0) {
      const rest = args.slice(i + 1);
      const out: string[] = [];
      let d = 0;
      let cur = '';
      for (const ch of rest) {
        if (ch === '(' || ch === '[' || ch === '{') d++;
        else if (ch === ')' || ch === ']' || ch === '}') d--;
        if (ch === ':' && d === 0 && out.length === 0) {
          out.push(cur);
          cur = '';
        } else cur += ch;
      }
      out.push(cur);
      return { cond: args.slice(0, i).trim(), targets: [out[0]?.trim() ?? '', out[1]?.trim() ?? ''] };
    }
  }
  return undefined;
}

/**
 * Decides a GotoIf condition when it only compares constants (`$["${ALLOW_SIP_ANON}"="yes"]`
 * with the global set): true, false, or undefined when it depends on runtime data.
 */
export function decideCondition(cond: string, env: Env, m: AsteriskModel): boolean | undefined {
  const x = expand(cond, env, m);
  if (x.unresolved || x.text.includes(MARK_OPEN)) return undefined;
  const t = x.text.trim();
  const inner = /^\$\[(.*)\]$/s.exec(t)?.[1]?.trim() ?? t;
  const unq = (v: string) => v.trim().replace(/^"(.*)"$/s, '$1');
  const cmp = /^("[^"]*"|[^\s=!<>&|"]*)\s*(=|!=)\s*("[^"]*"|[^\s=!<>&|"]*)$/.exec(inner);
  if (cmp) return (unq(cmp[1]!) === unq(cmp[3]!)) === (cmp[2] === '=');
  if (/^"?[\w.-]*"?$/.test(inner)) {
    const v = unq(inner);
    return v !== '' && v !== '0';
  }
  return undefined;
}

interface Jump {
  context: string;
  exten: string;
  args?: string[];
  kind: 'goto' | 'gosub' | 'macro' | 'local';
}

/** Static jump targets of one step (Goto/GotoIf/GotoIfTime/Gosub/GosubIf/Macro/Dial(Local/...)). */
function jumpsOf(step: DialplanStep, context: string, decide: (cond: string) => boolean | undefined): Jump[] {
  const app = step.app.toLowerCase();
  const parseTarget = (t: string, kind: 'goto' | 'gosub'): Jump | undefined => {
    const parts = splitTopLevel(t).map((p) => p.trim());
    let args: string[] | undefined;
    const last = parts[parts.length - 1] ?? '';
    const am = /^([^(]*)\((.*)\)$/s.exec(last);
    if (am && kind === 'gosub') {
      parts[parts.length - 1] = am[1]!;
      args = splitTopLevel(am[2]!).map((a) => a.trim());
    }
    if (parts.length === 1) return undefined; // priority in the same extension
    if (parts.length === 2) return { context, exten: parts[0]!, kind, ...(args ? { args } : {}) };
    return { context: parts[0]!, exten: parts[1]!, kind, ...(args ? { args } : {}) };
  };
  switch (app) {
    case 'goto': {
      const j = parseTarget(step.args, 'goto');
      return j ? [j] : [];
    }
    case 'gotoif':
    case 'gotoiftime': {
      const b = branches(step.args);
      if (!b) return [];
      const known = app === 'gotoif' ? decide(b.cond) : undefined;
      const picked = known === undefined ? b.targets : [b.targets[known ? 0 : 1]];
      return picked.flatMap((t) => (t ? (parseTarget(t, 'goto') ?? []) : []));
    }
    case 'gosub': {
      const j = parseTarget(step.args, 'gosub');
      return j ? [j] : [];
    }
    case 'gosubif': {
      const b = branches(step.args);
      if (!b) return [];
      const known = decide(b.cond);
      const picked = known === undefined ? b.targets : [b.targets[known ? 0 : 1]];
      return picked.flatMap((t) => (t ? (parseTarget(t, 'gosub') ?? []) : []));
    }
    case 'macro':
    case 'macroexclusive': {
      const [name = '', ...args] = splitTopLevel(step.args).map((a) => a.trim());
      return name ? [{ context: `macro-${name}`, exten: 's', args, kind: 'macro' }] : [];
    }
    case 'dial': {
      const dest = splitTopLevel(step.args)[0] ?? '';
      return dest
        .split('&')
        .map((d) => d.trim())
        .filter((d) => /^local\//i.test(d))
        .flatMap((d) => {
          const rest = d.slice(6).replace(/\/[nmjb]+$/i, '');
          const at = rest.lastIndexOf('@');
          return at < 0
            ? []
            : [{ context: rest.slice(at + 1), exten: rest.slice(0, at), kind: 'local' as const }];
        });
    }
    default:
      return [];
  }
}

/** Finds the extension a fixed name runs in a context, searching includes depth-first. */
function findExtension(
  m: AsteriskModel,
  context: string,
  exten: string,
  seen = new Set<string>(),
): { context: string; group: ExtensionGroup; via: Hop[] } | undefined {
  if (seen.has(context)) return undefined;
  seen.add(context);
  const ctx = m.dialplan.contexts.get(context);
  if (!ctx) return undefined;
  const groups = extensionsOf(ctx);
  const exact = groups.find((g) => !g.pattern.isPattern && g.exten === exten);
  const found = exact ?? groups.find((g) => g.pattern.isPattern && matchesExtension(g.pattern, exten));
  if (found) return { context, group: found, via: [] };
  for (const inc of ctx.includes) {
    const r = findExtension(m, inc.context, exten, seen);
    if (r) return { ...r, via: [includeHop(ctx.name, inc), ...r.via] };
  }
  return undefined;
}

function includeHop(from: string, inc: DialplanContext['includes'][number]): Hop {
  return {
    text: `[${from}] include => ${inc.context}${inc.timespec ? ` (only ${inc.timespec})` : ''}`,
    at: spanOf(inc),
  };
}

function stepText(s: DialplanStep): string {
  return maskSecrets(`${s.app}(${s.args})`);
}

/**
 * Explores the dialplan from the seeds (breadth first, so each step is reached by a shortest
 * chain first). Bounded: at most MAX_VISITS distinct (context, extension, caller values) states.
 */
export function explore(
  m: AsteriskModel,
  seeds: { context: string; chain: Hop[] }[],
  maxVisits = MAX_VISITS,
): Exploration {
  const reached: Reached[] = [];
  const contexts = new Map<string, Hop[]>();
  const visited = new Set<string>();
  const queue: Visit[] = seeds.map((s) => ({
    context: s.context,
    any: true,
    exten: '',
    restrict: [],
    env: new Map(),
    chain: s.chain,
  }));
  let visits = 0;
  let tooLong = false;
  while (queue.length && visits < maxVisits) {
    const v = queue.shift()!;
    const k = `${v.context}\u0000${v.any ? `*${v.restrict.map((p) => p.text).join('|')}` : v.exten}\u0000${envKey(v.env)}`;
    if (visited.has(k)) continue;
    if (v.chain.length > MAX_CHAIN) {
      tooLong = true;
      continue;
    }
    visited.add(k);
    visits++;
    const ctx = m.dialplan.contexts.get(v.context);
    if (!ctx) continue;
    if (!contexts.has(v.context)) contexts.set(v.context, v.chain);
    if (v.any) {
      for (const g of extensionsOf(ctx)) {
        if (!patternsOverlap([...v.restrict, g.pattern])) continue;
        const label = g.pattern.text;
        const env = new Map(v.env);
        env.set('EXTEN', {
          t: 'taint',
          taint: {
            kind: 'number',
            patterns: [...v.restrict, g.pattern],
            transform: IDENTITY,
            exact: true,
            filtered: false,
            origin: { context: ctx.name, label, at: g.at },
          },
        });
        const matchHop: Hop = {
          text: `[${ctx.name}] exten => ${label}${g.pattern.isPattern ? ', matching a number the caller dials' : ''}`,
          at: g.at,
        };
        runExtension(ctx.name, g, env, [...v.chain, matchHop]);
      }
      for (const inc of ctx.includes) {
        queue.push({ ...v, context: inc.context, chain: [...v.chain, includeHop(ctx.name, inc)] });
      }
    } else {
      const f = findExtension(m, v.context, v.exten);
      if (!f) continue;
      const env = new Map(v.env);
      env.set('EXTEN', { t: 'const', v: v.exten });
      runExtension(f.context, f.group, env, [...v.chain, ...f.via]);
    }
  }
  return { reached, contexts, truncated: queue.length > 0 || tooLong };

  function runExtension(context: string, g: ExtensionGroup, start: Map<string, Value>, chain: Hop[]): void {
    let env: Map<string, Value> = start;
    let collectsDigits: DialplanStep | undefined;
    for (const step of g.steps) {
      reached.push({ context, exten: g.exten, step, env, chain });
      const app = step.app.toLowerCase();
      if (app === 'set' || app === 'mset') {
        const assigns = app === 'set' ? [step.args] : splitTopLevel(step.args);
        for (const a of assigns) {
          const eq = a.indexOf('=');
          if (eq < 0) continue;
          const name = a.slice(0, eq).trim().replace(/^_+/, '');
          if (!/^[A-Za-z][\w]*$/.test(name)) continue;
          const val = toValue(expand(a.slice(eq + 1), env, m));
          env = new Map(env);
          if (val) env.set(name, val);
          else env.delete(name);
        }
      } else if (app === 'read') {
        const name = (splitTopLevel(step.args)[0] ?? '').trim();
        if (/^[A-Za-z][\w]*$/.test(name)) {
          env = new Map(env);
          env.set(name, {
            t: 'taint',
            taint: {
              kind: 'number',
              patterns: [parsePattern('_[0-9*#].')],
              transform: IDENTITY,
              exact: true,
              filtered: false,
              origin: { context, label: `Read(${name})`, at: spanOf(step) },
            },
          });
        }
      } else if (DIGIT_APPS.has(app)) collectsDigits ??= step;
      else if (app === 'disa') {
        const [pass = '', dctx = 'disa'] = splitTopLevel(step.args).map((a) => a.trim());
        if (pass.toLowerCase() === 'no-password') {
          queue.push({
            context: dctx || 'disa',
            any: true,
            exten: '',
            restrict: [],
            env: new Map(),
            chain: [
              ...chain,
              {
                text: `[${context}] ${g.exten}: ${stepText(step)} gives dial tone without a passcode`,
                at: spanOf(step),
              },
            ],
          });
        }
      }
      for (const j of jumpsOf(step, context, (c) => decideCondition(c, env, m)))
        follow(j, step, context, g, env, chain);
    }
    if (collectsDigits) {
      queue.push({
        context,
        any: true,
        exten: '',
        restrict: [],
        env: withoutExten(env),
        chain: [
          ...chain,
          {
            text: `[${context}] ${g.exten}: ${collectsDigits.app}() lets the caller dial any extension of [${context}]`,
            at: spanOf(collectsDigits),
          },
        ],
      });
    }
  }

  function follow(
    j: Jump,
    step: DialplanStep,
    context: string,
    g: ExtensionGroup,
    env: Map<string, Value>,
    chain: Hop[],
  ): void {
    const ctxX = expand(j.context, env, m);
    if (ctxX.unresolved || ctxX.taints.length) return; // dynamic context: not followed
    const target = ctxX.text.trim();
    const extX = expand(j.exten, env, m);
    const hop: Hop = {
      text: `[${context}] ${g.exten}: ${stepText(step)}${j.kind === 'local' ? ` continues in [${target}]` : ''}`,
      at: spanOf(step),
    };
    let next: Map<string, Value> = new Map(env);
    if (j.kind === 'macro' || j.kind === 'gosub') {
      for (const k of [...next.keys()]) if (/^ARG\d+$/.test(k)) next.delete(k);
      (j.args ?? []).forEach((a, i) => {
        const val = toValue(expand(a, env, m));
        if (val) next.set(`ARG${i + 1}`, val);
      });
      if (j.kind === 'macro') {
        const ext = env.get('EXTEN');
        if (ext) next.set('MACRO_EXTEN', ext);
        next.set('MACRO_CONTEXT', { t: 'const', v: context });
      }
    }
    if (j.kind === 'local') next = new Map(); // a new channel: nothing is inherited
    if (extX.unresolved) return;
    if (extX.taints.length) {
      const val = toValue(extX);
      const t = val?.t === 'taint' ? val.taint : undefined;
      const keep =
        t && t.kind === 'number' && t.exact && t.transform.prepend === '' && t.transform.skip === 0
          ? t.patterns
          : [];
      queue.push({
        context: target,
        any: true,
        exten: '',
        restrict: keep,
        env: withoutExten(next),
        chain: endWith(chain, hop),
      });
      return;
    }
    next.delete('EXTEN');
    queue.push({
      context: target,
      any: false,
      exten: extX.text.trim(),
      restrict: [],
      env: next,
      chain: endWith(chain, hop),
    });
  }
}

function withoutExten(env: Map<string, Value>): Map<string, Value> {
  const n = new Map(env);
  n.delete('EXTEN');
  return n;
}

// ---------------------------------------------------------------- dial targets

export interface DialTarget {
  /** The target as written after expansion, secrets masked, caller values shown as {label}. */
  shown: string;
  tech: string;
  /** Set when this target leaves the PBX through a trunk or PSTN line. */
  trunk?: string;
  /** The caller-chosen part of the number sent, with the literal before it. */
  number?: { taint: Taint; before: string };
  /** Every caller-controlled value in the target. */
  tainted: { taint: Taint; before: string }[];
  unresolved: boolean;
}

const PSTN_TECH = new Set([
  'dahdi',
  'zap',
  'misdn',
  'h323',
  'ooh323',
  'unicall',
  'woomera',
  'capi',
  'srx',
  'vpb',
]);

/** Is this pjsip endpoint a trunk (provider side) rather than a phone? */
export function isTrunkEndpoint(m: AsteriskModel, ep: ConfSection): boolean {
  if (m.pjsip.identifiesOf(ep.name).length) return true;
  if (ep.get('outbound_auth')) return true;
  if (m.pjsip.registrations.some((r) => r.value('endpoint') === ep.name)) return true;
  if (endpointAuthNames(ep).length === 0) {
    const aors = ep.all('aors').flatMap((v) => splitList(v.value));
    if (aors.some((a) => m.pjsip.find('aor', a)?.get('contact'))) return true;
  }
  return false;
}

/** Dial(dest) targets of a step, classified. */
export function dialTargets(m: AsteriskModel, step: DialplanStep, env: Env): DialTarget[] {
  const dest = splitTopLevel(step.args)[0] ?? '';
  const x = expand(dest, env, m);
  const out: DialTarget[] = [];
  for (const raw of x.text.split('&')) {
    const part = raw.trim();
    if (!part) continue;
    const sub: Expanded = { text: part, taints: x.taints, unresolved: x.unresolved };
    const slash = part.indexOf('/');
    const tech = slash < 0 ? part : part.slice(0, slash);
    const rest = slash < 0 ? '' : part.slice(slash + 1);
    const tainted = taintsIn(sub);
    const t: DialTarget = { shown: showExpanded(sub), tech, tainted, unresolved: /\$\{/.test(part) };
    const techL = tech.toLowerCase();
    if (techL === 'pjsip') {
      const head = rest.split('/')[0] ?? '';
      const uri = rest.slice(head.length + 1);
      const at = head.lastIndexOf('@');
      const epName = at >= 0 ? head.slice(at + 1) : head;
      const numberPart = at >= 0 ? head.slice(0, at) : uri;
      if (!epName.includes(MARK_OPEN) && !/\$\{/.test(epName)) {
        const ep = m.pjsip.find('endpoint', epName);
        if (ep && isTrunkEndpoint(m, ep)) t.trunk = `trunk endpoint ${epName}`;
        else if (/@[\w.-]+/.test(uri) && !ep) t.trunk = `SIP URI on endpoint ${epName}`;
        else if (/@[\w.-]+/.test(uri)) t.trunk = `SIP URI sent through endpoint ${epName}`;
        const num = taintsIn({ ...sub, text: numberPart });
        if (num[0]) t.number = num[0];
      }
    } else if (techL === 'sip') {
      const [head = '', num2 = ''] = rest.split('/');
      const at = head.lastIndexOf('@');
      const peerName = at >= 0 ? head.slice(at + 1) : head;
      const numberText = at >= 0 ? head.slice(0, at) : num2;
      if (!peerName.includes(MARK_OPEN) && !/\$\{/.test(peerName)) {
        const peer = m.sip.peers.find((p) => p.name === peerName);
        const registered = m.sip.registrations.some((r) => r.value.includes(peerName));
        if ((peer && !sipIsDynamic(peer)) || registered || (!peer && numberText))
          t.trunk = `chan_sip peer ${peerName}`;
        const num = taintsIn({ ...sub, text: numberText });
        if (num[0]) t.number = num[0];
      }
    } else if (techL === 'iax2') {
      const sl = rest.indexOf('/');
      const peerPart = sl < 0 ? rest : rest.slice(0, sl);
      if (sl >= 0 && !peerPart.includes(MARK_OPEN)) {
        t.trunk = `IAX2 peer ${peerPart.replace(/^[^@]*@/, '')}`;
        const num = taintsIn({ ...sub, text: rest.slice(sl + 1) });
        if (num[0]) t.number = num[0];
      }
    } else if (PSTN_TECH.has(techL)) {
      t.trunk = `${tech} line ${rest.split('/')[0] ?? ''}`;
      const sl = rest.indexOf('/');
      const num = taintsIn({ ...sub, text: sl < 0 ? '' : rest.slice(sl + 1) });
      if (num[0]) t.number = num[0];
    }
    out.push(t);
  }
  return out;
}

/** The global variables a text refers to (for evidence: `${TRUNK} = PJSIP/provider`). */
export function globalsUsed(m: AsteriskModel, text: string): Hop[] {
  const out: Hop[] = [];
  const seen = new Set<string>();
  const visit = (s: string, depth: number) => {
    for (const mm of s.matchAll(/\$\{([A-Za-z_][\w]*)/g)) {
      const g = m.dialplan.globals.get(mm[1]!);
      if (!g || seen.has(g.name) || depth > 4) continue;
      seen.add(g.name);
      out.push({ text: `[globals] ${g.name} = ${maskSecrets(g.value)}`, at: spanOf(g) });
      visit(g.value, depth + 1);
    }
  };
  visit(text, 0);
  return out;
}

// ---------------------------------------------------------------- cached analysis

export interface DialplanAnalysis {
  entries: Entry[];
  /** Exploration per entry context. */
  byContext: Map<string, { entries: Entry[]; exploration: Exploration }>;
  /** Exploration from every context at once (what authenticated phones can do). */
  everywhere: Exploration;
  /** International prefixes in this dialplan's numbering plan (see numberingPlan). */
  plan: string[];
}

const cache = new WeakMap<AsteriskModel, DialplanAnalysis>();

export function analyzeDialplan(m: AsteriskModel): DialplanAnalysis {
  const hit = cache.get(m);
  if (hit) return hit;
  const entries = findEntries(m);
  const byContext = new Map<string, { entries: Entry[]; exploration: Exploration }>();
  for (const [context, list] of entriesByContext(entries)) {
    byContext.set(context, { entries: list, exploration: explore(m, [{ context, chain: [] }]) });
  }
  const everywhere = explore(
    m,
    [...m.dialplan.contexts.keys()].map((context) => ({ context, chain: [] })),
  );
  const plan = numberingPlan(
    [...m.dialplan.contexts.values()].flatMap((c) => extensionsOf(c).map((g) => g.pattern)),
  );
  const result = { entries, byContext, everywhere, plan };
  cache.set(m, result);
  return result;
}

/** Evidence lines naming how callers enter a context. */
export function entryHops(entries: Entry[]): Hop[] {
  return untrustedFirst(entries).map((e) => ({ text: `entry: ${e.who} -> [${e.context}]`, at: e.at }));
}

/** The transform from the caller's number to what the trunk receives, for one dial target. */
export function sentTransform(n: { taint: Taint; before: string }): NumberTransform {
  return { ...n.taint.transform, prepend: n.before + n.taint.transform.prepend };
}

/** "trunk endpoint provider (...)" or "... and 2 more", for messages. */
export function describeEntries(entries: Entry[]): string {
  const first = untrustedFirst(entries)[0]!.name;
  return entries.length > 1 ? `${first}, and ${entries.length - 1} more` : first;
}

/** The evidence line for a step. */
export function stepHop(r: Reached, text: string): Hop {
  return { text: `[${r.context}] ${r.exten}: ${text}`, at: { file: r.step.file, line: r.step.line } };
}

/** Dial options (third argument) with parenthesised option arguments removed. */
export function dialOptions(step: DialplanStep): string {
  const opts = (splitTopLevel(step.args)[2] ?? '').trim();
  let out = '';
  let depth = 0;
  for (const c of opts) {
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0) out += c;
  }
  return out;
}

export { stepText as describeStep };

/** Appends the step's hop, replacing the last hop when it points at the same line. */
export function endWith(chain: Hop[], hop: Hop): Hop[] {
  const last = chain[chain.length - 1];
  if (last?.at && hop.at && last.at.file === hop.at.file && last.at.line === hop.at.line)
    return [...chain.slice(0, -1), hop];
  return [...chain, hop];
}

function untrustedFirst(entries: Entry[]): Entry[] {
  return [...entries].sort((a, b) => Number(b.untrusted) - Number(a.untrusted));
}
