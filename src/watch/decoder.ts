import { boundedRaw, type Evidence, type SecurityEvent } from './event.js';

/**
 * A log decoder turns one line into SecurityEvents. One decoder per file under
 * src/watch/decoders/, default export made with defineDecoder; the registry discovers them.
 */

export interface LineContext {
  /** Used when the line itself carries no time (syslog header, HEP timestamp, receipt time). */
  fallbackTime: number;
  /** Reference for year inference on `Dec 21 12:56:59` timestamps (the newest plausible time). */
  refTime: number;
  /** Origin label for evidence, e.g. `file:/var/log/asterisk/messages:12`. */
  origin?: string;
  /** PBX name to stamp on events. */
  pbx?: string;
  /** Format label of the line when the transport already knows it (e.g. `syslog`). */
  format?: string;
}

export type DecodeOutcome =
  | { status: 'events'; events: SecurityEvent[] }
  /** Recognised, and deliberately no event (e.g. an informational variant). */
  | { status: 'ignored'; reason: string }
  /** Looked like this decoder's line but could not be decoded: explain shows the reason. */
  | { status: 'miss'; reason: string };

export interface DecoderExample {
  line: string;
  /** What the line must decode to (subset match); `ignored` for lines that give no event. */
  expect:
    | (Partial<Pick<SecurityEvent, 'kind' | 'account' | 'service' | 'destination' | 'reason'>> & {
        source?: string;
      })
    | 'ignored';
}

export interface Decoder {
  /** Stable id, the file name: `asterisk-security`. */
  id: string;
  title: string;
  pbx: 'asterisk' | 'freeswitch' | 'kamailio' | 'any';
  /**
   * Which logger prefix the line must start with: the engine parses it once per line and hands
   * the message to the decoders of that family (asterisk: only those reading the logging file).
   */
  family: 'asterisk' | 'freeswitch' | 'kamailio' | 'json';
  /** Asterisk: source files (basenames) whose messages this decoder reads, e.g. `chan_sip.c`. */
  files?: string[];
  /** The message (after the logger prefix; the whole line for json) must contain one of these. */
  markers: string[];
  /** Where the source address is taken from (documentation for explain and the README). */
  sourceField: string;
  decode(line: string, ctx: DecodeHelpers): DecodeOutcome | undefined;
  /**
   * Optional byte-level test, run on Asterisk lines before they become strings when this is the
   * only decoder of its file: `true` when decode() has to look at the line; otherwise the outcome
   * decode() would return (an `ignored` outcome, or undefined for "not this decoder's line").
   * It must agree with decode(); when unsure it returns true.
   */
  prefilter?(b: Uint8Array, msgStart: number, end: number): true | DecodeOutcome | undefined;
  /** Real-format example lines, checked by the decoder tests. */
  examples: DecoderExample[];
}

export interface DecodeHelpers extends LineContext {
  /** Time of the line (from its own timestamp) or the fallback. */
  time(): number;
  /** Builds an event with evidence filled in. */
  event(e: Omit<SecurityEvent, 'evidence' | 'time'> & { time?: number }): SecurityEvent;
  /** Decodes an inner line with the other decoders (for wrapped formats like Asterisk JSON). */
  inner?(line: string, time: number, format: string): DecodeOutcome | undefined;
  /** The Asterisk logger prefix parsed from the START of the line, or undefined. */
  asterisk(): LoggerBody | undefined;
  /** The FreeSWITCH logger prefix parsed from the START of the line, or undefined. */
  freeswitch(): LoggerBody | undefined;
  /** The Kamailio logger prefix parsed from the START of the line, or undefined. */
  kamailio(): LoggerBody | undefined;
}

/**
 * What follows a PBX logger prefix: the source file that logged and the message. Decoders parse
 * the message from its start: everything before it was written by the PBX, so text an attacker
 * placed inside the message can never be mistaken for the prefix.
 */
export interface LoggerBody {
  level: string;
  /** Source file, e.g. `res_pjsip/pjsip_distributor.c`. */
  file: string;
  message: string;
}

// [time] LEVEL[pid][callid]: file.c:line in func: message   (every Asterisk version's variants,
// also behind a BSD/RFC 3339 syslog header and tag, as written by rsyslog)
const AST_PREFIX =
  /^(?:\[[^\]]{8,40}\] ?)?(?:(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\S+) \S+ [\w.-]+(?:\[\d+\])?: )?([A-Z_]{3,12})\[\d+\](?:\[[^\]\s]*\])?:? +([\w./-]+?\.c)(?::\d+)?(?: in)?(?: [A-Za-z_]\w*)?: +(?:-- )?/;
// [uuid ]YYYY-MM-DD HH:MM:SS.ffffff [95.00% ][LEVEL] file.c:line message
const FS_PREFIX =
  /^(?:[0-9a-f-]{36} )?(?:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ (?:\d+\.\d+% )?|(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\S+) \S+ [\w.-]+(?:\[\d+\])?: )?\[(DEBUG|INFO|NOTICE|WARNING|ERR|CRIT|ALERT|CONSOLE)\] ([\w.]+\.c):\d+ /;

// [syslog header + kamailio[pid]: ] or the stderr form ` 0(1234) `, then LEVEL: [<script>: ]
const KAM_PREFIX =
  /^(?:(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT\S+) \S+ \S*kamailio(?:\[\d+\])?: | ?\d+\(\d+\) )(ALERT|CRITICAL|ERROR|WARNING|NOTICE|INFO|DEBUG|BUG): (?:<script>: |<core> \[[^\]]*\]: |[\w.]+ \[[^\]]*\]: )?/;

export function parseKamailioPrefix(line: string): LoggerBody | undefined {
  const m = KAM_PREFIX.exec(line);
  if (!m) return undefined;
  return { level: m[1]!, file: 'kamailio', message: line.slice(m[0].length) };
}

export function parseAsteriskPrefix(line: string): LoggerBody | undefined {
  const m = AST_PREFIX.exec(line);
  if (!m) return undefined;
  return { level: m[1]!, file: m[2]!, message: line.slice(m[0].length) };
}

export function parseFreeswitchPrefix(line: string): LoggerBody | undefined {
  const m = FS_PREFIX.exec(line);
  if (!m) return undefined;
  return { level: m[1]!, file: m[2]!, message: line.slice(m[0].length) };
}

/** True when the logging file is `name` (with or without a module folder). */
export function fileIs(body: LoggerBody, name: string): boolean {
  const f = body.file;
  if (f === name) return true;
  const k = f.length - name.length - 1;
  return k >= 0 && f.charCodeAt(k) === 47 && f.endsWith(name);
}

export function defineDecoder(d: Decoder): Decoder {
  return d;
}

export function events(...list: SecurityEvent[]): DecodeOutcome {
  return { status: 'events', events: list };
}
export function miss(reason: string): DecodeOutcome {
  return { status: 'miss', reason };
}
export function ignored(reason: string): DecodeOutcome {
  return { status: 'ignored', reason };
}

// --- helpers shared by decoders -------------------------------------------------------------

const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;
/** Removes ANSI colour/escape sequences (Asterisk colours its console and sometimes its logs). */
export function stripAnsi(line: string): string {
  return line.includes('\x1b') ? line.replace(ANSI, '') : line;
}

/** User part of a SIP URI inside text (`"Bob" <sip:100@pbx>;tag=1` -> `100`); data only. */
export function sipUser(text: string): string | undefined {
  // what /sips?:([^@;>\s]+)@/i finds, without the expression
  const n = text.length;
  for (let i = 0; i + 5 < n + 1; i++) {
    if (
      (text.charCodeAt(i) | 32) !== 115 ||
      (text.charCodeAt(i + 1) | 32) !== 105 ||
      (text.charCodeAt(i + 2) | 32) !== 112
    )
      continue;
    let j = i + 3;
    if ((text.charCodeAt(j) | 32) === 115) j++;
    if (text.charCodeAt(j) !== 58) continue;
    const u = ++j;
    for (;;) {
      const c = text.charCodeAt(j);
      if (j >= n || c === 64 || c === 59 || c === 62 || isSpace(c)) break;
      j++;
    }
    if (j > u && text.charCodeAt(j) === 64) return decodePct(text.slice(u, j));
  }
  return undefined;
}

/** Exactly the characters `\s` matches in JavaScript expressions. */
export function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 160) return false;
  return (
    c === 160 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

const isDigitCode = (c: number) => c >= 48 && c <= 57;

/**
 * True when t[s..e) is exactly an ADDR_PORT: `\d{1,3}(\.\d{1,3}){3}:\d{1,5}` or
 * `\[[0-9A-Fa-f:.]+(%[\w.-]+)?\]:\d{1,5}` (what the expression accepts, not a validation of
 * the address: parseHostPort does that).
 */
export function isAddrPort(t: string, s: number, e: number): boolean {
  let i = s;
  if (t.charCodeAt(i) === 91 /* [ */) {
    i++;
    const h = i;
    for (;;) {
      const c = t.charCodeAt(i);
      if (i < e && ((c >= 48 && c <= 58) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102) || c === 46)) i++;
      else break;
    }
    if (i === h) return false;
    if (t.charCodeAt(i) === 37 /* % */) {
      i++;
      const z = i;
      for (;;) {
        const c = t.charCodeAt(i);
        if (
          i < e &&
          ((c >= 48 && c <= 57) ||
            (c >= 65 && c <= 90) ||
            (c >= 97 && c <= 122) ||
            c === 95 ||
            c === 46 ||
            c === 45)
        )
          i++;
        else break;
      }
      if (i === z) return false;
    }
    if (i >= e || t.charCodeAt(i) !== 93) return false;
    i++;
  } else {
    for (let part = 0; part < 4; part++) {
      if (part > 0) {
        if (i >= e || t.charCodeAt(i) !== 46) return false;
        i++;
      }
      const d = i;
      while (i < e && i - d < 4 && isDigitCode(t.charCodeAt(i))) i++;
      if (i === d || i - d > 3) return false;
    }
  }
  if (i >= e || t.charCodeAt(i) !== 58) return false;
  i++;
  const p = i;
  while (i < e && isDigitCode(t.charCodeAt(i))) i++;
  return i === e && i - p >= 1 && i - p <= 5;
}

/** `(?:(?:UDP|TCP|TLS|WS|WSS|udp|tcp|tls|ws|wss):)?` + ADDR_PORT over all of t[s..e). */
export function isTransportAddrPort(t: string, s: number, e: number, lower = true): boolean {
  const c = t.charCodeAt(s);
  if ((c >= 65 && c <= 90) || (lower && c >= 97 && c <= 122)) {
    const colon = t.indexOf(':', s);
    if (colon < 0 || colon >= e || colon - s > 3) return false;
    const name = t.slice(s, colon);
    if (!TRANSPORT_PREFIXES.has(name) || (!lower && name !== name.toUpperCase())) return false;
    return isAddrPort(t, colon + 1, e);
  }
  return isAddrPort(t, s, e);
}
const TRANSPORT_PREFIXES = new Set(['UDP', 'TCP', 'TLS', 'WS', 'WSS', 'udp', 'tcp', 'tls', 'ws', 'wss']);

function decodePct(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `[user@domain]` -> user (FreeSWITCH); data only. */
export function userAtDomain(text: string): string | undefined {
  const at = text.lastIndexOf('@');
  return at > 0 ? text.slice(0, at) : text || undefined;
}

/** Address pattern (no anchors): IPv4, or bracketed IPv6 (with an optional zone), then :port. */
export const ADDR_PORT = String.raw`(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+(?:%[\w.-]+)?\]):\d{1,5}`;
/** Bare address: IPv4 or unbracketed IPv6. */
export const ADDR = String.raw`(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]*:[0-9A-Fa-f:.]+)`;

/** Finds every match of a global regex; used to refuse lines that carry an address twice. */
export function allMatches(re: RegExp, text: string): RegExpExecArray[] {
  const out: RegExpExecArray[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.push(m);
    if (m[0].length === 0) re.lastIndex++;
  }
  return out;
}

/**
 * Removes secrets the PBX itself writes into log lines before they become evidence: Asterisk's
 * security log may carry the digest response it expected (`ExpectedResponse`), which lets anyone
 * who reads it guess the password offline. Attacker-sent values stay (they are the evidence).
 */
export function redactSecrets(line: string): string {
  if (!line.includes('ExpectedResponse="')) return line;
  return line.replace(/ExpectedResponse="[^"]+"/g, 'ExpectedResponse="<redacted>"');
}

export function makeEvidence(raw: string, decoder: string, format: string, origin?: string): Evidence {
  const ev: Evidence = { raw: boundedRaw(redactSecrets(raw)), format, decoder };
  if (origin) ev.origin = origin;
  return ev;
}
