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
 * Well-known spellings, found by the parser without slicing: (length, first character) selects
 * a short list of candidates, compared in place with startsWith.
 */
/** KNOWN_TABLE[length * 128 + first char] = [spelling, canonical, spelling, canonical, ...] */
const KNOWN_TABLE: (string[] | undefined)[] = [];

function addKnown(spelling: string, canonical: string): void {
  const k = spelling.length * 128 + spelling.charCodeAt(0);
  const chain = KNOWN_TABLE[k] ?? [];
  KNOWN_TABLE[k] = chain;
  if (!chain.includes(spelling)) chain.push(spelling, canonical);
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
 * If s[from, to) is one of the well-known spellings, returns `[spelling, canonical]` from a
 * shared table (no allocation); otherwise undefined.
 */
export function knownHeader(s: string, from: number, to: number): [string, string] | undefined {
  const c0 = s.charCodeAt(from);
  if (c0 >= 128) return undefined;
  const chain = KNOWN_TABLE[(to - from) * 128 + c0];
  if (chain === undefined) return undefined;
  for (let k = 0; k < chain.length; k += 2) {
    if (s.startsWith(chain[k]!, from)) {
      KNOWN_HIT[0] = chain[k]!;
      KNOWN_HIT[1] = chain[k + 1]!;
      return KNOWN_HIT;
    }
  }
  return undefined;
}
const KNOWN_HIT: [string, string] = ['', ''];

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
