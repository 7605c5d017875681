/**
 * Asterisk extension patterns, as pbx.c matches them: a leading `_` makes a pattern; `X` is 0-9,
 * `Z` 1-9, `N` 2-9, `[...]` a set with ranges, `.` one or more of anything and `!` zero or more
 * (both end the pattern: whatever follows them is ignored), `-` and spaces are ignored. A name
 * without `_` is a literal extension.
 *
 * Patterns are small regular languages. They are compiled to an NFA so that questions the
 * dialplan analysis asks ("can a caller reach an international number through this pattern,
 * given what the dial string does to ${EXTEN}?", "do two patterns overlap?") are answered
 * exactly instead of by looking at the text.
 */

export type PatternToken =
  | { kind: 'set'; chars: ReadonlySet<string> }
  /** `.`: one or more characters; ends the pattern. */
  | { kind: 'more' }
  /** `!`: zero or more characters; ends the pattern. */
  | { kind: 'any' };

export interface ExtensionPattern {
  /** As written, e.g. `_011.` or `100`. */
  text: string;
  isPattern: boolean;
  tokens: PatternToken[];
}

const DIGITS = '0123456789';
const range = (from: string, to: string) => new Set([...DIGITS].filter((d) => d >= from && d <= to));
const CLASS: Record<string, ReadonlySet<string>> = {
  X: range('0', '9'),
  Z: range('1', '9'),
  N: range('2', '9'),
};

/** Parses an extension name or pattern. Never throws: odd text becomes literal characters. */
export function parsePattern(text: string): ExtensionPattern {
  const t = text.trim();
  if (!t.startsWith('_')) {
    return { text: t, isPattern: false, tokens: [...t].map((c) => ({ kind: 'set', chars: new Set([c]) })) };
  }
  const tokens: PatternToken[] = [];
  const body = t.slice(1);
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    const up = c.toUpperCase();
    if (c === '-' || c === ' ') continue;
    if (CLASS[up]) tokens.push({ kind: 'set', chars: CLASS[up]! });
    else if (c === '.') {
      tokens.push({ kind: 'more' });
      break;
    } else if (c === '!') {
      tokens.push({ kind: 'any' });
      break;
    } else if (c === '[') {
      const end = body.indexOf(']', i + 1);
      const inner = end < 0 ? body.slice(i + 1) : body.slice(i + 1, end);
      tokens.push({ kind: 'set', chars: parseSet(inner) });
      i = end < 0 ? body.length : end;
    } else tokens.push({ kind: 'set', chars: new Set([c]) });
  }
  return { text: t, isPattern: true, tokens };
}

function parseSet(inner: string): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (inner[i + 1] === '-' && i + 2 < inner.length) {
      const to = inner[i + 2]!;
      for (let code = c.charCodeAt(0); code <= to.charCodeAt(0); code++) out.add(String.fromCharCode(code));
      i += 2;
    } else out.add(c);
  }
  return out;
}

/** Stands for every character no pattern names (e.g. `&`): wildcards accept it, sets do not. */
const OTHER = '\u0000';

/** NFA state: token index; index === tokens.length means "end reached". `w` = inside a wildcard. */
interface State {
  i: number;
  w: boolean;
}

function step(p: ExtensionPattern, s: State, c: string): State[] {
  if (s.w) return [s];
  const t = p.tokens[s.i];
  if (!t) return [];
  if (t.kind === 'more' || t.kind === 'any') return [{ i: s.i, w: true }];
  return t.chars.has(c) ? [{ i: s.i + 1, w: false }] : [];
}

function accepting(p: ExtensionPattern, s: State): boolean {
  if (s.w) return true;
  if (s.i === p.tokens.length) return true;
  return p.tokens[s.i]?.kind === 'any';
}

/** Does the pattern (or literal) match this whole extension string? */
export function matchesExtension(p: ExtensionPattern, ext: string): boolean {
  if (!p.isPattern) return p.text === ext;
  let states: State[] = [{ i: 0, w: false }];
  for (const c of ext) {
    if (c === '-' && p.isPattern) continue;
    states = states.flatMap((s) => step(p, s, c));
    if (states.length === 0) return false;
  }
  return states.some((s) => accepting(p, s));
}

/** True when the pattern matches strings of any length (it ends in `.` or `!`). */
export function isUnbounded(p: ExtensionPattern): boolean {
  return p.tokens.some((t) => t.kind === 'more' || t.kind === 'any');
}

// ---- product automaton over several patterns (all must match the same string) ----

type Tuple = State[];
const key = (t: Tuple) => t.map((s) => `${s.i}${s.w ? 'w' : ''}`).join(',');

function alphabet(ps: ExtensionPattern[], extra = ''): string[] {
  const set = new Set<string>([...DIGITS, '+', '*', '#', OTHER, ...extra]);
  for (const p of ps) for (const t of p.tokens) if (t.kind === 'set') for (const c of t.chars) set.add(c);
  return [...set];
}

function tupleStep(ps: ExtensionPattern[], t: Tuple, c: string): Tuple[] {
  let out: Tuple[] = [[]];
  for (let k = 0; k < ps.length; k++) {
    const next = step(ps[k]!, t[k]!, c);
    if (next.length === 0) return [];
    out = out.flatMap((prefix) => next.map((n) => [...prefix, n]));
  }
  return out;
}

const tupleAccepting = (ps: ExtensionPattern[], t: Tuple) => t.every((s, k) => accepting(ps[k]!, s));

/** Can some continuation (of any characters) from these states be accepted by all patterns? */
function canFinish(ps: ExtensionPattern[], from: Tuple[], sigma: string[]): boolean {
  const seen = new Set<string>();
  const queue = [...from];
  while (queue.length) {
    const t = queue.pop()!;
    const k = key(t);
    if (seen.has(k)) continue;
    seen.add(k);
    if (tupleAccepting(ps, t)) return true;
    for (const c of sigma) queue.push(...tupleStep(ps, t, c));
  }
  return false;
}

/** Do all these patterns match at least one common string? (An empty list matches everything.) */
export function patternsOverlap(ps: ExtensionPattern[]): boolean {
  if (ps.length === 0) return true;
  return canFinish(ps, [ps.map(() => ({ i: 0, w: false }))], alphabet(ps));
}

/**
 * How a dial string turns the caller's number into what is sent: `prepend` literal text, then the
 * number with `skip` leading characters removed (`${EXTEN:skip}`), at most `maxLen` of them
 * (`${EXTEN:skip:maxLen}`).
 */
export interface NumberTransform {
  prepend: string;
  skip: number;
  maxLen?: number;
}

export const IDENTITY: NumberTransform = { prepend: '', skip: 0 };

/**
 * Is there a number the caller can dial that every pattern accepts and that, after the
 * transform, starts with `prefix` and is at least `minLen` characters long?
 */
export function canSend(
  ps: ExtensionPattern[],
  tr: NumberTransform,
  prefix: string,
  minLen: number,
): boolean {
  // What the caller's own characters must supply after the skipped ones.
  let need: string;
  if (tr.prepend.startsWith(prefix)) need = '';
  else if (prefix.startsWith(tr.prepend)) need = prefix.slice(tr.prepend.length);
  else return false;
  const lenNeeded = Math.max(need.length, minLen - tr.prepend.length, 0);
  if (tr.maxLen !== undefined && tr.maxLen < lenNeeded) return false;
  const sigma = alphabet(ps, prefix);
  // Walk: `skip` free characters, then the required ones, then free ones up to the length.
  let frontier: Tuple[] = [ps.map(() => ({ i: 0, w: false }))];
  const total = tr.skip + lenNeeded;
  for (let pos = 0; pos < total; pos++) {
    const k = pos - tr.skip;
    const chars = k >= 0 && k < need.length ? [need[k]!] : sigma;
    const next = new Map<string, Tuple>();
    for (const t of frontier) for (const c of chars) for (const n of tupleStep(ps, t, c)) next.set(key(n), n);
    frontier = [...next.values()];
    if (frontier.length === 0) return false;
  }
  return canFinish(ps, frontier, sigma);
}

/** Can the caller put a character other than 0-9 * # + into the number (e.g. `&` or `/`)? */
export function acceptsNonDialChars(ps: ExtensionPattern[]): boolean {
  const sigma = alphabet(ps);
  const bad = sigma.filter((c) => !/^[0-9*#+]$/.test(c));
  const start: Tuple = ps.map(() => ({ i: 0, w: false }));
  // Reach a state, take a bad character, then finish.
  const seen = new Set<string>();
  const queue: Tuple[] = [start];
  while (queue.length) {
    const t = queue.pop()!;
    const k = key(t);
    if (seen.has(k)) continue;
    seen.add(k);
    for (const c of bad) if (canFinish(ps, tupleStep(ps, t, c), sigma)) return true;
    for (const c of sigma) queue.push(...tupleStep(ps, t, c));
  }
  return false;
}

/**
 * International prefixes, as the trunk receives them: `+` (E.164), `00` (ITU, most of the world;
 * also covers Australia's 0011) and `011` (North America). Outside-line digits (`9011...`) are
 * handled by the transform: only when the dial string strips the 9 does the trunk see `011...`.
 */
export const INTERNATIONAL_PREFIXES = ['+', '00', '011'] as const;

/** Shortest international number worth calling fraudulent: prefix plus 7 digits. */
const MIN_SUBSCRIBER = 7;

export interface InternationalReach {
  /** The international prefixes the trunk can receive from the caller. */
  prefixes: string[];
  /** Any number at all gets through (`_X.`, `_.`, `_!`, `_[0-9+].`, `_9.` with the 9 stripped...). */
  open: boolean;
}

/**
 * Which international numbers can a caller send to a trunk through these patterns and this
 * dial-string transform? Undefined when none.
 */
export function internationalReach(
  ps: ExtensionPattern[],
  tr: NumberTransform = IDENTITY,
  plan: readonly string[] = INTERNATIONAL_PREFIXES,
): InternationalReach | undefined {
  const prefixes = plan.filter((prefix) => canSend(ps, tr, prefix, prefix.length + MIN_SUBSCRIBER));
  if (prefixes.length === 0) return undefined;
  const open = [...DIGITS].every((d) => canSend(ps, tr, d, 12));
  return { prefixes: [...prefixes], open };
}

/** The literal characters a pattern starts with (`_011.` -> `011`). */
export function literalPrefix(p: ExtensionPattern): string {
  let out = '';
  for (const t of p.tokens) {
    if (t.kind !== 'set' || t.chars.size !== 1) break;
    out += [...t.chars][0];
  }
  return out;
}

const isClass = (t: PatternToken | undefined, c: ReadonlySet<string>) =>
  t?.kind === 'set' && t.chars.size === c.size && [...c].every((x) => t.chars.has(x));

/** `_NXXNXXXXXX` or `_1NXXNXXXXXX`: a North American 10/11-digit pattern. */
function isNanpShape(p: ExtensionPattern): boolean {
  const t = literalPrefix(p) === '1' ? p.tokens.slice(1) : p.tokens;
  if (t.length !== 10) return false;
  return t.every((tok, i) => isClass(tok, i === 0 || i === 3 ? CLASS['N']! : CLASS['X']!));
}

/**
 * Which international prefixes apply to this dialplan. `011` is international only in the North
 * American plan and `00` everywhere else: the dialplan's own patterns tell which plan it follows
 * (`_011.`, `_NXXNXXXXXX` for North America; `_00.` for the rest). Without a clue, both count.
 * `+` always counts.
 */
export function numberingPlan(patterns: Iterable<ExtensionPattern>): string[] {
  let nanp = false;
  let itu = false;
  for (const p of patterns) {
    if (!p.isPattern) continue;
    const lit = literalPrefix(p);
    const rest = /^[90]00/.test(lit) ? lit.slice(1) : lit;
    if (lit.startsWith('011') || lit.startsWith('9011') || isNanpShape(p)) nanp = true;
    if (rest.startsWith('00')) itu = true;
  }
  return ['+', ...(itu || !nanp ? ['00'] : []), ...(nanp || !itu ? ['011'] : [])];
}
