/**
 * A small model of the nftables objects hardline generates, rendered two ways from one source:
 * nft(8) text (what `nft -f` reads and what people review) and libnftables-json(5) (what
 * `nft -j -f` reads). Only the statements hardline needs are modelled.
 */

export type Family = 'ip' | 'ip6';
export type L4 = 'tcp' | 'udp';

/** A port value: one port, a list of ports, or an inclusive range. */
export type PortValue = number | number[] | { from: number; to: number };

export type Expr =
  | { kind: 'iif'; name: string }
  | { kind: 'iifname'; op: '==' | '!='; names: string[] }
  | { kind: 'saddr'; family: Family; op: '==' | '!='; set: string }
  | { kind: 'daddr'; family: Family; op: '==' | '!='; set: string }
  | { kind: 'dport'; proto: L4; ports: PortValue }
  | { kind: 'icmpv6-nd' }
  | { kind: 'ctstate'; states: ('established' | 'related' | 'new' | 'invalid')[] }
  | {
      kind: 'limit-per-source';
      family: Family;
      set: string;
      rate: number;
      per: 'second' | 'minute';
      burst: number;
    }
  /** Matches while under the rate (a statement without verdict; e.g. before `log`). */
  | { kind: 'limit'; rate: number; per: 'second' | 'minute'; burst: number }
  | { kind: 'log'; prefix: string }
  | { kind: 'counter' }
  | { kind: 'accept' }
  | { kind: 'drop' }
  | { kind: 'goto'; chain: string }
  | { kind: 'jump'; chain: string };

export interface NftRule {
  comment?: string;
  exprs: Expr[];
}

export interface NftSetElement {
  /** Address or CIDR text (canonical). */
  value: string;
  /** Per-element timeout in seconds (sets with `flags timeout`). */
  timeoutSec?: number;
}

export interface NftSet {
  name: string;
  type: 'ipv4_addr' | 'ipv6_addr';
  flags: ('interval' | 'timeout' | 'dynamic')[];
  size?: number;
  /** Default element timeout in seconds. */
  timeoutSec?: number;
  elements: NftSetElement[];
  comment?: string;
}

export interface NftChain {
  name: string;
  base?: { hook: 'input' | 'forward'; priority: number; policy: 'accept' | 'drop' };
  rules: NftRule[];
}

export interface NftTable {
  family: 'inet';
  name: string;
  sets: NftSet[];
  chains: NftChain[];
}

function portText(p: PortValue): string {
  if (typeof p === 'number') return String(p);
  if (Array.isArray(p)) return p.length === 1 ? String(p[0]) : `{ ${p.join(', ')} }`;
  return p.from === p.to ? String(p.from) : `${p.from}-${p.to}`;
}

function exprText(e: Expr): string {
  switch (e.kind) {
    case 'iif':
      return `iif "${e.name}"`;
    case 'iifname':
      return `iifname ${e.op === '!=' ? '!= ' : ''}{ ${e.names.map((n) => `"${n}"`).join(', ')} }`;
    case 'saddr':
      return `${e.family} saddr ${e.op === '!=' ? '!= ' : ''}@${e.set}`;
    case 'daddr':
      return `${e.family} daddr ${e.op === '!=' ? '!= ' : ''}@${e.set}`;
    case 'dport':
      return `${e.proto} dport ${portText(e.ports)}`;
    case 'limit':
      return `limit rate ${e.rate}/${e.per} burst ${e.burst} packets`;
    case 'log':
      return `log prefix "${e.prefix}"`;
    case 'icmpv6-nd':
      return 'icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert }';
    case 'ctstate':
      return `ct state ${e.states.join(',')}`;
    case 'limit-per-source':
      return `update @${e.set} { ${e.family} saddr limit rate over ${e.rate}/${e.per} burst ${e.burst} packets }`;
    case 'counter':
      return 'counter';
    case 'accept':
      return 'accept';
    case 'drop':
      return 'drop';
    case 'goto':
      return `goto ${e.chain}`;
    case 'jump':
      return `jump ${e.chain}`;
  }
}

export function ruleText(r: NftRule): string {
  return r.exprs.map(exprText).join(' ');
}

function durationText(sec: number): string {
  // nft accepts 1d2h3m4s; keep it exact.
  const parts: string[] = [];
  let s = Math.max(1, Math.round(sec));
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
  }
  return parts.join('');
}

function elementText(e: NftSetElement): string {
  const v = e.value.endsWith('/32') || e.value.endsWith('/128') ? e.value.replace(/\/\d+$/, '') : e.value;
  return e.timeoutSec !== undefined ? `${v} timeout ${durationText(e.timeoutSec)}` : v;
}

/**
 * The table as nft text. With `replace`, it is preceded by `table ... {}` and `delete table ...`
 * so that `nft -f` swaps the whole table in one transaction (atomic; nothing else is touched).
 */
export function renderText(t: NftTable, opts: { header?: string[]; replace?: boolean } = {}): string {
  const out: string[] = [];
  for (const h of opts.header ?? []) out.push(h ? `# ${h}` : '#');
  if (opts.replace !== false) {
    out.push(`table ${t.family} ${t.name} {}`);
    out.push(`delete table ${t.family} ${t.name}`);
  }
  out.push(`table ${t.family} ${t.name} {`);
  for (const s of t.sets) {
    if (s.comment) out.push(`  # ${s.comment}`);
    out.push(`  set ${s.name} {`);
    out.push(`    type ${s.type}`);
    if (s.size !== undefined) out.push(`    size ${s.size}`);
    if (s.flags.length) out.push(`    flags ${s.flags.join(',')}`);
    if (s.timeoutSec !== undefined) out.push(`    timeout ${durationText(s.timeoutSec)}`);
    if (s.elements.length) {
      out.push('    elements = {');
      s.elements.forEach((e, i) => {
        out.push(`      ${elementText(e)}${i < s.elements.length - 1 ? ',' : ''}`);
      });
      out.push('    }');
    }
    out.push('  }');
    out.push('');
  }
  t.chains.forEach((c, ci) => {
    out.push(`  chain ${c.name} {`);
    if (c.base) {
      const prio =
        c.base.priority === 0
          ? 'filter'
          : `filter ${c.base.priority < 0 ? '-' : '+'} ${Math.abs(c.base.priority)}`;
      out.push(`    type filter hook ${c.base.hook} priority ${prio}; policy ${c.base.policy};`);
    }
    for (const r of c.rules) {
      if (r.comment) out.push(`    # ${r.comment}`);
      out.push(`    ${ruleText(r)}`);
    }
    out.push('  }');
    if (ci < t.chains.length - 1) out.push('');
  });
  out.push('}');
  return `${out.join('\n')}\n`;
}

// ---- libnftables-json ----

type Json = Record<string, unknown>;

function portJson(p: PortValue): unknown {
  if (typeof p === 'number') return p;
  if (Array.isArray(p)) return p.length === 1 ? p[0] : { set: p };
  return p.from === p.to ? p.from : { range: [p.from, p.to] };
}

function exprJson(e: Expr): Json {
  switch (e.kind) {
    case 'iif':
      return { match: { op: '==', left: { meta: { key: 'iif' } }, right: e.name } };
    case 'iifname':
      return {
        match: {
          op: e.op,
          left: { meta: { key: 'iifname' } },
          right: e.names.length === 1 ? e.names[0] : { set: e.names },
        },
      };
    case 'saddr':
    case 'daddr':
      return {
        match: { op: e.op, left: { payload: { protocol: e.family, field: e.kind } }, right: `@${e.set}` },
      };
    case 'limit':
      return { limit: { rate: e.rate, burst: e.burst, per: e.per } };
    case 'log':
      return { log: { prefix: e.prefix } };
    case 'dport':
      return {
        match: {
          op: '==',
          left: { payload: { protocol: e.proto, field: 'dport' } },
          right: portJson(e.ports),
        },
      };
    case 'icmpv6-nd':
      return {
        match: {
          op: '==',
          left: { payload: { protocol: 'icmpv6', field: 'type' } },
          right: { set: ['nd-neighbor-solicit', 'nd-neighbor-advert'] },
        },
      };
    case 'ctstate':
      return { match: { op: 'in', left: { ct: { key: 'state' } }, right: e.states } };
    case 'limit-per-source':
      return {
        set: {
          op: 'update',
          elem: { payload: { protocol: e.family, field: 'saddr' } },
          set: `@${e.set}`,
          stmt: [{ limit: { rate: e.rate, burst: e.burst, per: e.per, inv: true } }],
        },
      };
    case 'counter':
      return { counter: null };
    case 'accept':
      return { accept: null };
    case 'drop':
      return { drop: null };
    case 'goto':
      return { goto: { target: e.chain } };
    case 'jump':
      return { jump: { target: e.chain } };
  }
}

export function elementJson(e: NftSetElement): unknown {
  const slash = e.value.indexOf('/');
  let val: unknown = e.value;
  if (slash >= 0) {
    const addr = e.value.slice(0, slash);
    const len = Number(e.value.slice(slash + 1));
    val =
      (addr.includes(':') && len === 128) || (!addr.includes(':') && len === 32)
        ? addr
        : { prefix: { addr, len } };
  }
  return e.timeoutSec !== undefined ? { elem: { val, timeout: Math.max(1, Math.round(e.timeoutSec)) } } : val;
}

/** The same table as a libnftables-json command list (`nft -j -f -`), replacing it atomically. */
export function renderJson(t: NftTable): { nftables: Json[] } {
  const base = { family: t.family, table: t.name };
  const cmds: Json[] = [
    { add: { table: { family: t.family, name: t.name } } },
    { delete: { table: { family: t.family, name: t.name } } },
    { add: { table: { family: t.family, name: t.name } } },
  ];
  for (const s of t.sets) {
    const set: Json = { ...base, name: s.name, type: s.type };
    // nft 1.0.x's JSON parser knows no "dynamic" flag; it sets it itself for sets that rules update.
    const flags = s.flags.filter((f) => f !== 'dynamic');
    if (flags.length) set['flags'] = flags;
    if (s.size !== undefined) set['size'] = s.size;
    if (s.timeoutSec !== undefined) set['timeout'] = s.timeoutSec;
    cmds.push({ add: { set } });
    if (s.elements.length)
      cmds.push({ add: { element: { ...base, name: s.name, elem: s.elements.map(elementJson) } } });
  }
  for (const c of t.chains) {
    const chain: Json = { ...base, name: c.name };
    if (c.base)
      Object.assign(chain, {
        type: 'filter',
        hook: c.base.hook,
        prio: c.base.priority,
        policy: c.base.policy,
      });
    cmds.push({ add: { chain } });
  }
  for (const c of t.chains) {
    for (const r of c.rules) {
      const rule: Json = { ...base, chain: c.name, expr: r.exprs.map(exprJson) };
      cmds.push({ add: { rule } });
    }
  }
  return { nftables: cmds };
}

export { durationText };
