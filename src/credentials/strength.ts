import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';

/**
 * Password and PIN assessment. Reasons are phrased so they can be printed: they describe the
 * weakness and never quote the secret.
 */

export interface PasswordRules {
  min_length: number;
  min_classes: number;
  passphrase_length: number;
  common_check: boolean;
  min_score: number;
}

export interface PinRules {
  min_length: number;
  forbid_trivial: boolean;
  forbid_mailbox: boolean;
}

export interface Assessment {
  weak: boolean;
  reasons: string[];
}

/** Defaults that sample configs and vendors ship; always weak. */
const KNOWN_DEFAULTS = new Set([
  '1234',
  '12345',
  '123456',
  '6001',
  '6002',
  '7000',
  '4242',
  '0000',
  'password',
  'secret',
  'mysecret',
  'admin',
  'asterisk',
  'cluecon',
  'freeswitch',
  'works',
  'kamailiorw',
  'changeme',
  'welcome',
]);

let factory: ZxcvbnFactory | undefined;
let commonSet: Set<string> | undefined;
let wordSet: Set<string> | undefined;

function zxcvbn(): ZxcvbnFactory {
  factory ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...en.dictionary },
    graphs: common.adjacencyGraphs,
    translations: en.translations,
    // Full l33t expansion costs ~40 ms per password; two substitutions still catch P@ssw0rd.
    l33tMaxSubstitutions: 2,
  });
  return factory;
}

function commonPasswords(): Set<string> {
  commonSet ??= new Set(common.dictionary['passwords-common'].map((w) => w.toLowerCase()));
  return commonSet;
}

/** Every dictionary word of 4+ letters that zxcvbn knows, for the fast pre-screen. */
function words(): Set<string> {
  if (!wordSet) {
    wordSet = new Set();
    const dicts: Record<string, string[]> = { ...common.dictionary, ...en.dictionary };
    for (const list of Object.values(dicts))
      for (const w of list) if (w.length >= 4) wordSet.add(w.toLowerCase());
  }
  return wordSet;
}

const L33T: Record<string, string> = {
  '4': 'a',
  '@': 'a',
  '3': 'e',
  '1': 'i',
  '!': 'i',
  '0': 'o',
  '5': 's',
  $: 's',
  '7': 't',
};

function unl33t(s: string): string {
  return s.replace(/[4@31!05$7]/g, (c) => L33T[c] ?? c);
}

export function charClasses(pw: string): number {
  let n = 0;
  if (/[a-z]/.test(pw)) n++;
  if (/[A-Z]/.test(pw)) n++;
  if (/[0-9]/.test(pw)) n++;
  if (/[^A-Za-z0-9]/.test(pw)) n++;
  return n;
}

/** Runs of 4+ identical, ascending or descending characters ("aaaa", "1234", "dcba"). */
function hasRun(pw: string, n = 4): boolean {
  let same = 1;
  let up = 1;
  let down = 1;
  for (let i = 1; i < pw.length; i++) {
    const d = pw.charCodeAt(i) - pw.charCodeAt(i - 1);
    same = d === 0 ? same + 1 : 1;
    up = d === 1 ? up + 1 : 1;
    down = d === -1 ? down + 1 : 1;
    if (same >= n || up >= n || down >= n) return true;
  }
  return false;
}

/**
 * Cheap screen: skips zxcvbn (milliseconds per long password) when a lower bound on the guesses
 * is already far above the strongest score. Every character inside a dictionary word (4+ letters,
 * also after undoing l33t) is assumed free for the attacker; the rest is counted as brute force
 * over its own distinct characters. Runs and repeated blocks always go to zxcvbn.
 */
function clearlyStrong(pw: string): boolean {
  if (pw.length < 16 || hasRun(pw)) return false;
  for (let len = 2; len <= pw.length / 2; len++) {
    if (
      pw
        .slice(0, len)
        .repeat(Math.ceil(pw.length / len))
        .slice(0, pw.length) === pw
    )
      return false;
  }
  const lower = pw.toLowerCase();
  const covered = new Uint8Array(pw.length);
  const dict = words();
  for (const v of lower === unl33t(lower) ? [lower] : [lower, unl33t(lower)]) {
    for (let i = 0; i + 4 <= v.length; i++) {
      for (let len = Math.min(16, v.length - i); len >= 4; len--) {
        if (dict.has(v.slice(i, i + len))) {
          covered.fill(1, i, i + len);
          break;
        }
      }
    }
  }
  const rest = [...pw].filter((_, i) => !covered[i]);
  const base = Math.max(2, new Set(rest).size);
  return rest.length * Math.log10(base) >= 14;
}

const cache = new Map<string, Assessment>();

/**
 * Assesses a SIP/AMI/ARI password. `names` are the identities around it (username, section name,
 * extension): a password equal to or built from one of them is weak.
 */
export function assessPassword(pw: string, names: string[], rules: PasswordRules): Assessment {
  const key = `${pw}\u0000${names.join('\u0000')}\u0000${JSON.stringify(rules)}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const reasons: string[] = [];
  const lower = pw.toLowerCase();
  const cleanNames = names.map((n) => n.toLowerCase()).filter((n) => n.length > 0);
  if (pw.length === 0) reasons.push('empty');
  else {
    if (pw.length < rules.min_length)
      reasons.push(`shorter than ${rules.min_length} characters (${pw.length})`);
    if (/^\d+$/.test(pw)) reasons.push('digits only');
    if (cleanNames.includes(lower)) reasons.push('equal to the account name');
    else if (cleanNames.some((n) => n.length >= 3 && lower.includes(n)))
      reasons.push('contains the account name');
    if (KNOWN_DEFAULTS.has(lower)) reasons.push('a well-known default');
    const stripped = lower.replace(/[\d!@#$%^&*._-]+$/, '');
    if (
      rules.common_check &&
      (commonPasswords().has(lower) ||
        commonPasswords().has(unl33t(lower)) ||
        (stripped.length >= 4 && commonPasswords().has(stripped)))
    ) {
      reasons.push('in the common-password list');
    }
    const classes = charClasses(pw);
    if (pw.length < rules.passphrase_length && classes < rules.min_classes) {
      reasons.push(
        `only ${classes} character class${classes === 1 ? '' : 'es'} (need ${rules.min_classes}, or ${rules.passphrase_length}+ characters)`,
      );
    }
    if (reasons.length === 0 && !clearlyStrong(pw)) {
      const r = zxcvbn().check(pw.slice(0, 64), names);
      if (
        rules.common_check &&
        r.sequence.some(
          (m) =>
            m.pattern === 'dictionary' &&
            m.dictionaryName === 'passwords-common' &&
            m.token.length >= pw.length * 0.6,
        )
      ) {
        reasons.push('built on a common password');
      }
      if (r.score < rules.min_score) {
        const hint = r.feedback.warning ? `: ${r.feedback.warning.replace(/\.$/, '').toLowerCase()}` : '';
        reasons.push(`guessable (strength ${r.score}/4, need ${rules.min_score})${hint}`);
      }
    }
  }
  const result = { weak: reasons.length > 0, reasons };
  if (cache.size > 100_000) cache.clear();
  cache.set(key, result);
  return result;
}

const TRIVIAL_PINS = new Set([
  '0000',
  '1111',
  '1234',
  '4242',
  '1212',
  '2580',
  '0852',
  '6969',
  '1122',
  '2468',
  '1357',
  '9876',
  '4321',
]);

/** Assesses a voicemail (or other numeric) PIN. */
export function assessPin(pin: string, mailbox: string, rules: PinRules): Assessment {
  const reasons: string[] = [];
  if (pin.length === 0) return { weak: true, reasons: ['empty: no PIN is asked'] };
  if (pin.length < rules.min_length) reasons.push(`shorter than ${rules.min_length} digits (${pin.length})`);
  if (
    rules.forbid_mailbox &&
    (pin === mailbox ||
      (mailbox.length >= 3 && pin.includes(mailbox)) ||
      pin === [...mailbox].reverse().join(''))
  ) {
    reasons.push('derived from the mailbox number');
  }
  if (rules.forbid_trivial) {
    if (TRIVIAL_PINS.has(pin)) reasons.push('a well-known trivial PIN');
    else if (/^(\d)\1+$/.test(pin)) reasons.push('one repeated digit');
    else if (isSequence(pin)) reasons.push('a digit sequence');
    else if (/^(\d{1,3})\1+$/.test(pin)) reasons.push('a repeated pattern');
  }
  return { weak: reasons.length > 0, reasons };
}

function isSequence(pin: string): boolean {
  if (pin.length < 3 || !/^\d+$/.test(pin)) return false;
  const step = (pin.charCodeAt(1) - pin.charCodeAt(0) + 10) % 10;
  if (step !== 1 && step !== 9) return false;
  for (let i = 1; i < pin.length; i++)
    if ((pin.charCodeAt(i) - pin.charCodeAt(i - 1) + 10) % 10 !== step) return false;
  return true;
}
