/**
 * Timestamps at the start of log lines. Local times (Asterisk, FreeSWITCH, BSD syslog) are
 * interpreted in the process time zone (set TZ to the PBX's zone when it differs). A one-entry
 * cache makes consecutive lines of the same second cheap.
 */

const MONTHS: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};

let lastKey = '';
let lastRef = 0;
let lastValue: number | undefined;

// [2015-05-24 08:42:16] or [2015-05-24 08:42:16.123]
const AST_ISO = /^\[(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?\]/;
// [Dec 21 12:56:59] or [Dec  1 12:56:59]
const AST_BSD = /^\[([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?\]/;
// 2013-12-31 17:39:54.767815 (FreeSWITCH), 2026-11-24T10:00:00.123+01:00 (RFC 3339 syslog)
const ISO = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?(Z|[+-]\d\d:?\d\d)?(?=\s)/;
// Dec 21 12:56:59 (BSD syslog)
const BSD = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d)(?=\s)/;
const UUID_PREFIX = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12} /;

function frac(s: string | undefined): number {
  if (!s) return 0;
  return Math.floor(Number(`0.${s}`) * 1000);
}

function local(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  return new Date(y, mo, d, h, mi, s, ms).getTime();
}

/** A BSD timestamp has no year: take the reference year, or the year before for future dates. */
export function inferYear(mo: number, d: number, h: number, mi: number, s: number, ref: number): number {
  const year = new Date(ref).getFullYear();
  const t = local(year, mo, d, h, mi, s, 0);
  return t > ref + 2 * 86400_000 ? local(year - 1, mo, d, h, mi, s, 0) : t;
}

function offsetMs(z: string): number {
  if (z === 'Z') return 0;
  const sign = z[0] === '-' ? -1 : 1;
  const digits = z.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
}

/** Time written at the start of a log line, or undefined when the line starts otherwise. */
export function leadingTime(line: string, ref: number): number | undefined {
  const c = line.charCodeAt(0);
  let text = line;
  if (
    ((c >= 48 && c <= 57) || (c >= 97 && c <= 102)) &&
    line.length > 37 &&
    line.charCodeAt(8) === 45 &&
    UUID_PREFIX.test(line)
  ) {
    text = line.slice(37);
  }
  // `[...]` stamps: the value depends only on the text up to the first `]` (the cache key then
  // holds exactly that); other formats: on the first 32 characters.
  if (ref === lastRef && lastKey.length > 0 && text.startsWith(lastKey)) return lastValue;
  let key: string;
  if (text.charCodeAt(0) === 91 /* [ */) {
    const close = text.indexOf(']');
    key = close > 0 && close < 48 ? text.slice(0, close + 1) : text.slice(0, 32);
  } else key = text.slice(0, 32);
  const v = parse(text, ref);
  lastKey = key.length === 32 || key.charCodeAt(key.length - 1) === 93 ? key : '';
  lastRef = ref;
  lastValue = v;
  return v;
}

function parse(text: string, ref: number): number | undefined {
  const c = text.charCodeAt(0);
  if (c === 91 /* [ */) {
    let m = AST_ISO.exec(text);
    if (m) return local(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, frac(m[7]));
    m = AST_BSD.exec(text);
    if (m) {
      const mo = MONTHS[m[1]!];
      if (mo === undefined) return undefined;
      return inferYear(mo, +m[2]!, +m[3]!, +m[4]!, +m[5]!, ref) + frac(m[6]);
    }
    return undefined;
  }
  if (c >= 48 && c <= 57) {
    const m = ISO.exec(text);
    if (!m) return undefined;
    if (m[8]) {
      const utc = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, frac(m[7]));
      return utc - offsetMs(m[8]);
    }
    return local(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, frac(m[7]));
  }
  if (c >= 65 && c <= 90) {
    const m = BSD.exec(text);
    if (!m) return undefined;
    const mo = MONTHS[m[1]!];
    if (mo === undefined) return undefined;
    return inferYear(mo, +m[2]!, +m[3]!, +m[4]!, +m[5]!, ref);
  }
  return undefined;
}

/**
 * Asterisk's EventTV: `2015-05-24T08:42:16.296+0300` (current) or `1432453336-296000` (old
 * seconds-microseconds form). Undefined when neither.
 */
export function parseEventTv(text: string): number | undefined {
  const fast = fastEventTv(text);
  if (fast !== undefined) return fast;
  let m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?([+-]\d{4}|Z)?$/.exec(text);
  if (m) {
    if (!m[8]) return local(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, frac(m[7]));
    return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, frac(m[7])) - offsetMs(m[8]);
  }
  m = /^(\d{9,11})-(\d{1,6})$/.exec(text);
  if (m) return Number(m[1]) * 1000 + Math.floor(Number(m[2]!.padStart(6, '0')) / 1000);
  return undefined;
}

let tvDay = '';
let tvDayMs = 0;

const digit = (t: string, i: number) => {
  const c = t.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1;
};
const two = (t: string, i: number) => {
  const a = digit(t, i);
  const b = digit(t, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
};

/**
 * `YYYY-MM-DDTHH:MM:SS[.ffffff](+hhmm|-hhmm|Z)` without a regular expression, the day cached;
 * undefined for any other text (parseEventTv's expressions then decide).
 */
function fastEventTv(t: string): number | undefined {
  const n = t.length;
  if (n < 20 || t.charCodeAt(4) !== 45 || t.charCodeAt(7) !== 45 || t.charCodeAt(10) !== 84) return undefined;
  if (t.charCodeAt(13) !== 58 || t.charCodeAt(16) !== 58) return undefined;
  const h = two(t, 11);
  const mi = two(t, 14);
  const sec = two(t, 17);
  if (h < 0 || mi < 0 || sec < 0) return undefined;
  let i = 19;
  let ms = 0;
  if (t.charCodeAt(i) === 46 /* . */) {
    i++;
    let v = 0;
    let k = 0;
    while (k < 7 && i < n) {
      const d = digit(t, i);
      if (d < 0) break;
      v = v * 10 + d;
      k++;
      i++;
    }
    if (k === 0 || k > 6) return undefined;
    ms = Math.floor((v * 1000) / 10 ** k);
  }
  let offset: number;
  const z = t.charCodeAt(i);
  if (z === 90 /* Z */ && i + 1 === n) offset = 0;
  else if ((z === 43 || z === 45) && i + 5 === n) {
    const oh = two(t, i + 1);
    const om = two(t, i + 3);
    if (oh < 0 || om < 0) return undefined;
    offset = (z === 45 ? -1 : 1) * (oh * 60 + om) * 60_000;
  } else return undefined;
  if (!t.startsWith(tvDay) || tvDay.length !== 10) {
    const y1 = two(t, 0);
    const y2 = two(t, 2);
    const mo = two(t, 5);
    const d = two(t, 8);
    if (y1 < 0 || y2 < 0 || mo < 0 || d < 0) return undefined;
    tvDay = t.slice(0, 10);
    tvDayMs = Date.UTC(y1 * 100 + y2, mo - 1, d);
  }
  return tvDayMs + h * 3_600_000 + mi * 60_000 + sec * 1000 + ms - offset;
}
