/**
 * `;name[=value]` parameter lists (URI, Via and name-addr parameters, RFC 3261 25.1).
 *
 * `scanParams` validates a list in one pass and records where each name and value is, in a
 * reused scratch buffer (no allocation). Callers then take only what they need: one value
 * (`paramValue`, e.g. a Via branch or a To tag) or the whole list as a record (`buildParams`).
 * The scratch is valid until the next scan; nothing here is asynchronous.
 */

export type Params = Record<string, string | null>;

/** Flags of one scanned parameter. */
export const P_UPPER = 1;
export const P_VALUE = 2;
export const P_QUOTED = 4;
export const P_ESCAPED = 8;

const FIELDS = 5;
let scratch = new Int32Array(FIELDS * 16);
/** Parameters found by the last scanParams. */
export let paramCount = 0;

/** Start of the k-th parameter's name. */
export function nameStart(k: number): number {
  return scratch[k * FIELDS]!;
}
export function nameEnd(k: number): number {
  return scratch[k * FIELDS + 1]!;
}
export function paramFlags(k: number): number {
  return scratch[k * FIELDS + 2]!;
}
export function valueStart(k: number): number {
  return scratch[k * FIELDS + 3]!;
}
export function valueEnd(k: number): number {
  return scratch[k * FIELDS + 4]!;
}

function record(k: number, ns: number, ne: number, flags: number, vs: number, ve: number): void {
  if ((k + 1) * FIELDS > scratch.length) {
    const bigger = new Int32Array(scratch.length * 2);
    bigger.set(scratch);
    scratch = bigger;
  }
  const o = k * FIELDS;
  scratch[o] = ns;
  scratch[o + 1] = ne;
  scratch[o + 2] = flags;
  scratch[o + 3] = vs;
  scratch[o + 4] = ve;
}

/**
 * Scans `;name[=value]...` in s[from, to). Returns -1 when well formed (paramCount says how
 * many) or the offset of the problem. Values are tokens up to the next `;` (trailing white
 * space dropped) or quoted strings; empty elements (`;;`) are skipped.
 */
export function scanParams(s: string, from: number, to: number): number {
  let i = from;
  let k = 0;
  paramCount = 0;
  while (i < to) {
    let c = s.charCodeAt(i);
    while (c === 59 || c === 32 || c === 9) {
      if (++i >= to) {
        paramCount = k;
        return -1;
      }
      c = s.charCodeAt(i);
    }
    const ns = i;
    let flags = 0;
    while (c !== 59 && c !== 61 && c !== 32 && c !== 9) {
      if ((c >= 65 && c <= 90) || c >= 128) flags = P_UPPER;
      if (++i >= to) break;
      c = s.charCodeAt(i);
    }
    if (i === ns) return ns;
    const ne = i;
    while (i < to && (c === 32 || c === 9)) c = s.charCodeAt(++i);
    let vs = 0;
    let ve = 0;
    if (i < to && c === 61) {
      flags |= P_VALUE;
      for (i++; i < to; i++) {
        c = s.charCodeAt(i);
        if (c !== 32 && c !== 9) break;
      }
      if (i < to && c === 34) {
        flags |= P_QUOTED;
        const q = i;
        let close = s.indexOf('"', q + 1);
        if (close < 0 || close >= to) return q;
        if (hasBackslash(s, q + 1, close)) {
          // Escapes inside: walk the quoted string pair by pair.
          flags |= P_ESCAPED;
          for (i = q + 1; i < to; i++) {
            c = s.charCodeAt(i);
            if (c === 92) i++;
            else if (c === 34) break;
          }
          if (i >= to) return q;
          close = i;
        }
        vs = q + 1;
        ve = close;
        i = close + 1;
      } else {
        vs = i;
        i = s.indexOf(';', i);
        if (i < 0 || i > to) i = to;
        ve = i;
        while (ve > vs && s.charCodeAt(ve - 1) <= 32) ve--;
      }
    }
    record(k++, ns, ne, flags, vs, ve);
    for (; i < to; i++) {
      c = s.charCodeAt(i);
      if (c !== 32 && c !== 9) break;
    }
    if (i < to && c !== 59) return i;
  }
  paramCount = k;
  return -1;
}

/** Is the k-th scanned parameter's name `lit` (lower-case ASCII), case-insensitively? */
export function paramIs(s: string, k: number, lit: string): boolean {
  const o = k * FIELDS;
  const a = scratch[o]!;
  if (scratch[o + 1]! - a !== lit.length) return false;
  if ((scratch[o + 2]! & P_UPPER) === 0) {
    for (let j = 0; j < lit.length; j++) if (s.charCodeAt(a + j) !== lit.charCodeAt(j)) return false;
    return true;
  }
  for (let j = 0; j < lit.length; j++) {
    let c = s.charCodeAt(a + j);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lit.charCodeAt(j)) return false;
  }
  return true;
}

/** Index of the scanned parameter named `lit` (the last one when repeated, as in the record), or -1. */
export function findParam(s: string, lit: string): number {
  for (let k = paramCount - 1; k >= 0; k--) if (paramIs(s, k, lit)) return k;
  return -1;
}

/** The k-th scanned parameter's value (null for a flag such as `;lr`), unquoted, not %-decoded. */
export function paramValue(s: string, k: number): string | null {
  const o = k * FIELDS;
  const flags = scratch[o + 2]!;
  if ((flags & P_VALUE) === 0) return null;
  const vs = scratch[o + 3]!;
  const ve = scratch[o + 4]!;
  if ((flags & P_ESCAPED) === 0) return s.slice(vs, ve);
  let out = '';
  let seg = vs;
  for (let j = vs; j < ve; j++) {
    if (s.charCodeAt(j) === 92) {
      out += s.slice(seg, j) + s.charAt(j + 1);
      j++;
      seg = j + 1;
    }
  }
  return out + s.slice(seg, ve);
}

/** Sets a parameter; `__proto__` is stored as plain data (the only name assignment treats specially). */
export function setParam(into: Params, name: string, value: string | null): void {
  if (name.charCodeAt(0) === 95 && name === '__proto__')
    Object.defineProperty(into, name, { value, enumerable: true, writable: true, configurable: true });
  else into[name] = value;
}

/** Parameter names that nearly every message carries: stored with named stores (fast). */
function storeKnown(into: Params, s: string, a: number, n: number, v: string | null): boolean {
  switch (n) {
    case 3:
      if (s.charCodeAt(a) === 116 && s.charCodeAt(a + 1) === 97 && s.charCodeAt(a + 2) === 103)
        into['tag'] = v;
      else return false;
      return true;
    case 6:
      if (s.startsWith('branch', a)) into['branch'] = v;
      else return false;
      return true;
    case 5:
      if (s.startsWith('rport', a)) into['rport'] = v;
      else return false;
      return true;
    case 7:
      if (s.startsWith('expires', a)) into['expires'] = v;
      else return false;
      return true;
    case 8:
      if (s.startsWith('received', a)) into['received'] = v;
      else return false;
      return true;
    case 9:
      if (s.startsWith('transport', a)) into['transport'] = v;
      else return false;
      return true;
    default:
      return false;
  }
}

/**
 * The scanned parameters as a record: names lower-cased, values unquoted and (with `decode`,
 * for URI parameters) %-decoded. Returns -1, or the offset of a malformed %-escape.
 */
export function buildParams(s: string, into: Params, decode: boolean): number {
  for (let k = 0; k < paramCount; k++) {
    const o = k * FIELDS;
    const a = scratch[o]!;
    const b = scratch[o + 1]!;
    const flags = scratch[o + 2]!;
    let value = paramValue(s, k);
    if (decode && value !== null && (flags & P_QUOTED) === 0 && value.indexOf('%') >= 0) {
      const d = percentDecode(value);
      if (d === undefined) return scratch[o + 3]!;
      value = d;
    }
    if ((flags & P_UPPER) === 0 && storeKnown(into, s, a, b - a, value)) continue;
    let name = s.slice(a, b);
    if (decode && name.indexOf('%') >= 0) {
      const d = percentDecode(name);
      if (d === undefined) return a;
      name = d;
    }
    setParam(into, (flags & P_UPPER) !== 0 || decode ? name.toLowerCase() : name, value);
  }
  return -1;
}

const HEX = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

/** Decodes %HH escapes (UTF-8). Returns undefined for a malformed escape. */
export function percentDecode(s: string): string | undefined {
  const first = s.indexOf('%');
  if (first < 0) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37) {
      if (i + 2 >= s.length) return undefined;
      const h1 = s.charCodeAt(i + 1);
      const h2 = s.charCodeAt(i + 2);
      if (!HEX(h1) || !HEX(h2)) return undefined;
      bytes.push(Number.parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 128) bytes.push(c);
    else for (const b of Buffer.from(s[i]!, 'utf8')) bytes.push(b);
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The string last searched for backslashes, from where, and the next backslash found (-1: none). */
let bsText = '';
let bsFrom = 0;
let bsNext = -1;

/**
 * Is there a backslash (a quoted-pair escape) in s[from, to)? Quoted strings are checked often
 * and escapes are rare: the next backslash of the text is remembered, so a message is searched
 * about once (native search), not once per quoted string.
 */
export function hasBackslash(s: string, from: number, to: number): boolean {
  if (s !== bsText || from < bsFrom || (bsNext >= 0 && bsNext < from)) {
    bsText = s;
    bsFrom = from;
    bsNext = s.indexOf('\\', from);
  }
  return bsNext >= 0 && bsNext < to;
}

/** Does s[a, a + lit.length) equal lit (the caller checked the length)? */
export function sameAt(s: string, a: number, lit: string): boolean {
  for (let j = 0; j < lit.length; j++) if (s.charCodeAt(a + j) !== lit.charCodeAt(j)) return false;
  return true;
}
