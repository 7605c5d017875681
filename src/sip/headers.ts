/**
 * Header names: canonical (lower-case long) forms, compact forms, display spellings, and which
 * headers may carry several comma-separated values.
 */

/** Compact forms (RFC 3261 7.3.3 and later extensions) -> long lower-case names. */
export const COMPACT: Readonly<Record<string, string>> = {
  a: 'accept-contact',
  b: 'referred-by',
  c: 'content-type',
  d: 'request-disposition',
  e: 'content-encoding',
  f: 'from',
  i: 'call-id',
  j: 'reject-contact',
  k: 'supported',
  l: 'content-length',
  m: 'contact',
  n: 'identity-info',
  o: 'event',
  r: 'refer-to',
  s: 'subject',
  t: 'to',
  u: 'allow-events',
  v: 'via',
  x: 'session-expires',
  y: 'identity',
};

/** How hardline writes well-known headers when it builds a message. */
const DISPLAY: Record<string, string> = {
  via: 'Via',
  from: 'From',
  to: 'To',
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  contact: 'Contact',
  'content-length': 'Content-Length',
  'content-type': 'Content-Type',
  'max-forwards': 'Max-Forwards',
  'www-authenticate': 'WWW-Authenticate',
  'proxy-authenticate': 'Proxy-Authenticate',
  authorization: 'Authorization',
  'proxy-authorization': 'Proxy-Authorization',
  'user-agent': 'User-Agent',
  server: 'Server',
  'record-route': 'Record-Route',
  route: 'Route',
  expires: 'Expires',
  allow: 'Allow',
  supported: 'Supported',
  require: 'Require',
  'proxy-require': 'Proxy-Require',
  accept: 'Accept',
  rseq: 'RSeq',
  rack: 'RAck',
  'sip-etag': 'SIP-ETag',
  'sip-if-match': 'SIP-If-Match',
  'p-asserted-identity': 'P-Asserted-Identity',
};

/**
 * Headers whose grammar is a comma-separated list (RFC 3261 7.3.1): several header lines and
 * one line with commas are equivalent. Authentication headers are NOT lists in this sense (their
 * parameters are separated by commas), nor are Date, User-Agent, Server and other free text.
 */
export const LIST_HEADERS: ReadonlySet<string> = new Set([
  'via',
  'contact',
  'route',
  'record-route',
  'path',
  'service-route',
  'allow',
  'allow-events',
  'supported',
  'require',
  'proxy-require',
  'unsupported',
  'accept',
  'accept-encoding',
  'accept-language',
  'accept-contact',
  'reject-contact',
  'content-encoding',
  'content-language',
  'in-reply-to',
  'warning',
  'alert-info',
  'call-info',
  'error-info',
  'p-asserted-identity',
  'p-preferred-identity',
  'history-info',
  'reason',
  'security-client',
  'security-server',
  'security-verify',
]);

const cache = new Map<string, string>();
for (const [k, v] of Object.entries(COMPACT)) {
  cache.set(k, v);
  cache.set(k.toUpperCase(), v);
}
for (const [k, v] of Object.entries(DISPLAY)) {
  cache.set(k, k);
  cache.set(v, k);
}
const CACHE_LIMIT = 2048;

/** Common spellings by length, matched in place by the parser without slicing. */
const KNOWN_SPELLINGS = [
  'Via',
  'v',
  'From',
  'f',
  'To',
  't',
  'Call-ID',
  'Call-Id',
  'i',
  'CSeq',
  'Cseq',
  'Contact',
  'm',
  'Max-Forwards',
  'Content-Length',
  'l',
  'Content-Type',
  'c',
  'User-Agent',
  'Allow',
  'Supported',
  'k',
  'Expires',
  'Record-Route',
  'Route',
  'WWW-Authenticate',
  'Proxy-Authenticate',
  'Authorization',
  'Proxy-Authorization',
  'Server',
  'Accept',
  'Require',
  'Event',
  'o',
  'Session-Expires',
  'x',
  'Min-SE',
  'P-Asserted-Identity',
  'Privacy',
  'Date',
  'Subject',
  's',
  'Organization',
  'Allow-Events',
  'u',
  'Accept-Language',
  'Accept-Encoding',
  'Content-Disposition',
  'Reason',
  'Warning',
  'Path',
  'Subscription-State',
  'Refer-To',
  'r',
  'Referred-By',
  'b',
  'Timestamp',
  'Unsupported',
  'Proxy-Require',
  'Retry-After',
  'Authentication-Info',
  'Min-Expires',
  'Content-Encoding',
  'e',
  'RSeq',
  'RAck',
  'Remote-Party-ID',
  'X-Serialnumber',
  'Diversion',
  'History-Info',
];
/**
 * Well-known spellings, recognised by the parser while it scans a header name for its colon:
 * a trie over the characters (TRIE_NEXT[node * 128 + char] = child + 1, 0 for none), so one
 * pass finds the colon, checks the characters and identifies the header without slicing.
 */
const KNOWN_RAW: string[] = [''];
const KNOWN_CANONICAL: string[] = [''];
/** Upper bound of trie nodes: one per character of every spelling, plus the root. */
const TRIE_SIZE = 1 + 2 * KNOWN_SPELLINGS.reduce((n, sp) => n + sp.length, 0);
/** The table while building (released after: see TRIE_ROW below). */
let TRIE_NEXT = new Int16Array(128 * TRIE_SIZE);
/** TRIE_HIT[node] = index into KNOWN_RAW/KNOWN_CANONICAL of the spelling ending there, or 0. */
const TRIE_HIT = new Int16Array(TRIE_SIZE);
let trieNodes = 1;

function addKnown(spelling: string, canonical: string): void {
  let node = 0;
  for (let i = 0; i < spelling.length; i++) {
    const c = spelling.charCodeAt(i);
    let next = TRIE_NEXT[node * 128 + c]!;
    if (next === 0) {
      next = ++trieNodes;
      TRIE_NEXT[node * 128 + c] = next;
    }
    node = next - 1;
  }
  if (TRIE_HIT[node] === 0) {
    TRIE_HIT[node] = KNOWN_RAW.length;
    KNOWN_RAW.push(spelling);
    KNOWN_CANONICAL.push(canonical);
  }
}

/**
 * The engine's single copy of a string (as for property names): comparing two interned strings
 * is a pointer comparison, which is what header lookups by canonical name do all the time.
 */
function intern(s: string): string {
  return Object.keys({ [s]: 0 })[0]!;
}

for (const sp of KNOWN_SPELLINGS) {
  const lower = intern(sp.toLowerCase());
  const canonical = intern(COMPACT[lower] ?? lower);
  addKnown(sp, canonical);
  if (lower !== sp) addKnown(lower, canonical);
  cache.set(sp, canonical);
  cache.set(lower, canonical);
}

/**
 * The trie as the scan reads it: TRIE_ROW[row + char] is the child's row (its node index times
 * 128), 0 for none (the root is nobody's child). One load and one add per character: the scan
 * is a chain of dependent loads, and the multiplication and the `- 1` of the building form
 * lengthened every link.
 */
const TRIE_ROW = new Int32Array(trieNodes * 128);
for (let k = 0; k < trieNodes * 128; k++) {
  const next = TRIE_NEXT[k]!;
  if (next !== 0) TRIE_ROW[k] = (next - 1) * 128;
}
TRIE_NEXT = new Int16Array(0);

/** Result of scanHeaderName (reused; read it before the next call). */
export const NAME_SCAN = {
  /** Index of the colon, -1 when the line has none. */
  colon: -1,
  /** End of the name (white space before the colon excluded). */
  end: 0,
  /** First character of the name that is not a token character, -1 when none. */
  bad: -1,
  /** Index into knownRaw/knownCanonical of a well-known spelling, 0 when the name is not one. */
  known: 0,
};

/**
 * Scans the header name starting at s[from] up to its colon (before `to`, the end of the
 * line): finds the colon, the end of the name, the first invalid character, and whether the
 * name is a well-known spelling. One pass, no allocation.
 */
export function scanHeaderName(s: string, from: number, to: number): void {
  // While the characters follow a known spelling they are token characters by construction.
  let row = 0;
  let i = from;
  for (; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128) break;
    const next = TRIE_ROW[row + c]!;
    if (next === 0) break;
    row = next;
  }
  let node = row >> 7;
  if (i < to && s.charCodeAt(i) === 58) {
    // The usual case: a well-known name (or a prefix of one) right before its colon.
    NAME_SCAN.colon = i;
    NAME_SCAN.end = i;
    if (TRIE_HIT[node]! > 0 && i > from) {
      NAME_SCAN.bad = -1;
      NAME_SCAN.known = TRIE_HIT[node]!;
      return;
    }
    NAME_SCAN.bad = -1;
    NAME_SCAN.known = 0;
    return;
  }
  // Anything else: white space before the colon, other names, invalid characters.
  const atWs = node;
  let bad = -1;
  let end = -1;
  for (; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 58) break;
    if (c === 32 || c === 9) {
      if (end < 0) end = i;
      continue;
    }
    if (end >= 0) {
      // Text after white space inside the name: the white space is the invalid character.
      if (bad < 0) bad = end;
      end = -1;
    }
    node = -1;
    if (c >= 128 || TOKEN[c] !== 1) {
      if (bad < 0) bad = i;
    }
  }
  NAME_SCAN.colon = i < to ? i : -1;
  NAME_SCAN.end = end >= 0 ? end : i;
  NAME_SCAN.bad = bad;
  // A known name followed only by white space before the colon is still that name.
  NAME_SCAN.known = node >= 0 && bad < 0 && atWs > 0 ? TRIE_HIT[atWs]! : 0;
}

export function knownRaw(k: number): string {
  return KNOWN_RAW[k]!;
}
export function knownCanonical(k: number): string {
  return KNOWN_CANONICAL[k]!;
}

/**
 * The canonical name of a header as written on the wire: lower-case long form, compact forms
 * expanded. Memoised (bounded, so hostile names cannot grow memory).
 */
export function canonicalName(raw: string): string {
  const hit = cache.get(raw);
  if (hit !== undefined) return hit;
  const lower = raw.toLowerCase();
  const canonical = COMPACT[lower] ?? lower;
  if (cache.size < CACHE_LIMIT) cache.set(raw, canonical);
  return canonical;
}

/** The spelling hardline uses when writing a header it builds. */
export function displayName(canonical: string): string {
  const d = DISPLAY[canonical];
  if (d) return d;
  return canonical.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}

/**
 * Splits a header value at commas that are not inside a quoted string or `<...>`. Empty
 * elements are dropped; each element is trimmed. Linear in the value's length.
 */
export function splitList(value: string): string[] {
  if (value.indexOf(',') < 0) return value.length ? [value] : [];
  const out: string[] = [];
  let start = 0;
  let inQuote = false;
  let angle = false;
  const n = value.length;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (inQuote) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inQuote = false;
    } else if (c === 34) inQuote = true;
    else if (c === 60 /* < */) angle = true;
    else if (c === 62 /* > */) angle = false;
    else if (c === 44 /* , */ && !angle) {
      const part = value.slice(start, i).trim();
      if (part) out.push(part);
      start = i + 1;
    }
  }
  const last = value.slice(start).trim();
  if (last) out.push(last);
  return out;
}

/** RFC 3261 token characters (header names, methods, parameter names). */
const TOKEN = new Uint8Array(128);
for (const ch of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~") {
  TOKEN[ch.charCodeAt(0)] = 1;
}

export function isTokenChar(c: number): boolean {
  return c < 128 && TOKEN[c] === 1;
}

/** Index of the first non-token character in s[from, to), or -1 when all are token chars. */
export function firstNonToken(s: string, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TOKEN[c] !== 1) return i;
  }
  return -1;
}
