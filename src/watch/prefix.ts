/**
 * The Asterisk logger prefix, scanned in BYTES before a line becomes a string:
 * `[time] LEVEL[pid][callid]: file.c[:line][ in][ func]: [-- ]message`.
 *
 * It accepts exactly what the AST_PREFIX expression of decoder.ts accepts for lines that start
 * with `[`, but only when every byte before the message is ASCII (then byte offsets and string
 * offsets agree). Anything else returns false and the caller uses the string path, which stays
 * the reference: this scanner is an accelerator, never a second opinion.
 */

/** Offsets (absolute, into the scanned buffer) of one scanned prefix; reused line after line. */
export class PrefixScan {
  levelStart = 0;
  levelEnd = 0;
  fileStart = 0;
  fileEnd = 0;
  /** Start of the file's basename (after the last `/`). */
  baseStart = 0;
  msgStart = 0;
}

// character classes, one bit each, looked up by byte
const DIGIT = 1;
const WORD = 2; // \w
const FILE = 4; // [\w./-]
const UPPER_ = 8; // [A-Z_]
const TS = 16; // printable ASCII except `]` (timestamp text)
const CALLID = 32; // printable ASCII except `]` and space
const CLS = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  let v = 0;
  const digit = c >= 48 && c <= 57;
  const upper = c >= 65 && c <= 90;
  const word = digit || upper || (c >= 97 && c <= 122) || c === 95;
  if (digit) v |= DIGIT;
  if (word) v |= WORD;
  if (word || c === 46 || c === 47 || c === 45) v |= FILE;
  if (upper || c === 95) v |= UPPER_;
  if (c >= 0x20 && c < 0x7f && c !== 0x5d) v |= TS;
  if (c > 0x20 && c < 0x7f && c !== 0x5d) v |= CALLID;
  CLS[c] = v;
}
const isDigit = (c: number) => (CLS[c]! & DIGIT) !== 0;
const isWord = (c: number) => (CLS[c]! & WORD) !== 0;

/** `: +(?:-- )?` at i; returns the message start or -1. */
function colonSpaces(b: Uint8Array, i: number, e: number): number {
  if (i + 1 >= e || b[i] !== 0x3a || b[i + 1] !== 0x20) return -1;
  i += 2;
  while (i < e && b[i] === 0x20) i++;
  if (i + 2 < e && b[i] === 0x2d && b[i + 1] === 0x2d && b[i + 2] === 0x20) i += 3;
  return i;
}

/** `(?: [A-Za-z_]\w*)?: +(?:-- )?` at i. */
function afterIn(b: Uint8Array, i: number, e: number): number {
  if (i + 1 < e && b[i] === 0x20) {
    const c = b[i + 1]!;
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95) {
      let j = i + 2;
      while (j < e && isWord(b[j]!)) j++;
      const r = colonSpaces(b, j, e);
      if (r >= 0) return r;
    }
  }
  return colonSpaces(b, i, e);
}

/** `(?::\d+)?(?: in)?(?: [A-Za-z_]\w*)?: +(?:-- )?` right after a `.c`; -1 when it does not match. */
function tail(b: Uint8Array, i: number, e: number): number {
  if (i + 1 < e && b[i] === 0x3a && isDigit(b[i + 1]!)) {
    i += 2;
    while (i < e && isDigit(b[i]!)) i++;
  }
  if (i + 2 < e && b[i] === 0x20 && b[i + 1] === 0x69 && b[i + 2] === 0x6e) {
    const r = afterIn(b, i + 3, e);
    if (r >= 0) return r;
  }
  return afterIn(b, i, e);
}

/**
 * Scans `[time] LEVEL[pid][callid]: file.c...: ` in b[s..e). True when it matched (offsets in
 * `out`); false when the line does not start that way or has non-ASCII bytes in the prefix.
 */
export function scanAsteriskPrefix(b: Uint8Array, s: number, e: number, out: PrefixScan): boolean {
  if (e - s < 16 || b[s] !== 0x5b /* [ */) return false;
  // \[[^\]]{8,40}\] ?
  let i = s + 1;
  const lim = Math.min(e, s + 42);
  while (i < lim && (CLS[b[i]!]! & TS) !== 0) i++;
  const n = i - s - 1;
  if (i >= e || b[i] !== 0x5d || n < 8 || n > 40) return false;
  i++;
  if (b[i] === 0x20) i++;
  // ([A-Z_]{3,12})\[\d+\]
  const ls = i;
  while (i < e && (CLS[b[i]!]! & UPPER_) !== 0) i++;
  const ll = i - ls;
  if (ll < 3 || ll > 12 || i >= e || b[i] !== 0x5b) return false;
  out.levelStart = ls;
  out.levelEnd = i;
  i++;
  const ds = i;
  while (i < e && (CLS[b[i]!]! & DIGIT) !== 0) i++;
  if (i === ds || i >= e || b[i] !== 0x5d) return false;
  i++;
  // (?:\[[^\]\s]*\])?
  if (i < e && b[i] === 0x5b) {
    i++;
    while (i < e && (CLS[b[i]!]! & CALLID) !== 0) i++;
    if (i >= e || b[i] !== 0x5d) return false;
    i++;
  }
  // :? +
  if (i < e && b[i] === 0x3a) i++;
  if (i >= e || b[i] !== 0x20) return false;
  while (i < e && b[i] === 0x20) i++;
  // ([\w./-]+?\.c) then the tail; the lazy file ends at the first `.c` after which the tail matches
  const fs = i;
  let base = fs;
  while (i < e) {
    const c = b[i]!;
    if ((CLS[c]! & FILE) === 0) break;
    i++;
    if (c === 0x2f) base = i;
    else if (c === 0x63 && b[i - 2] === 0x2e && i - fs >= 3) {
      const m = tail(b, i, e);
      if (m >= 0) {
        out.fileStart = fs;
        out.fileEnd = i;
        out.baseStart = base;
        out.msgStart = m;
        return true;
      }
    }
  }
  return false;
}

/** True when b[s..e) holds exactly the ASCII text `text`. */
export function bytesEqual(b: Uint8Array, s: number, e: number, text: string): boolean {
  if (e - s !== text.length) return false;
  for (let k = 0; k < text.length; k++) if (b[s + k] !== text.charCodeAt(k)) return false;
  return true;
}
