import { defineDecoder, events, fileIs, ignored } from '../decoder.js';

/**
 * Call attempts from Asterisk's verbose dialplan trace:
 * `-- Executing [0044207946000@from-internal:1] Dial("PJSIP/101-00000002", "PJSIP/...")`.
 * Priority 1 of a dialled number is one call attempt by the channel's endpoint (the account).
 * These lines carry no network address; toll-fraud detectors use the account and destination.
 */

const NOT_PRIORITY_1 = ignored('dialplan step that is not priority 1 of a SIP/PJSIP/IAX2 channel');
const EXECUTING = 'Executing [';

/**
 * Byte prefilter (most dialplan trace lines are steps after priority 1): reads
 * `Executing [<exten>@<context>:<priority>]` and answers "ignored" unless the priority is 1.
 * Unsure (another shape, control or non-ASCII bytes) -> true: the string decoder decides.
 */
export function dialplanPrefilter(b: Uint8Array, s: number, e: number): true | ReturnType<typeof ignored> {
  let i = s;
  while (i < e && (b[i] === 0x20 || b[i] === 0x09)) i++;
  if (e - i < EXECUTING.length + 5) return true;
  for (let k = 0; k < EXECUTING.length; k++) if (b[i + k] !== EXECUTING.charCodeAt(k)) return true;
  i += EXECUTING.length;
  // [^@\]]{1,80}@
  const x = i;
  while (i < e && b[i] !== 0x40 && b[i] !== 0x5d) {
    if (b[i]! < 0x20 || b[i]! >= 0x7f) return true;
    i++;
  }
  if (i >= e) return true;
  if (b[i] === 0x5d || i - x < 1 || i - x > 80) return NOT_PRIORITY_1;
  i++;
  // [^:\]]{1,80}:1]
  const c = i;
  while (i < e && b[i] !== 0x3a && b[i] !== 0x5d) {
    if (b[i]! < 0x20 || b[i]! >= 0x7f) return true;
    i++;
  }
  if (i >= e) return true;
  if (b[i] === 0x5d || i - c < 1 || i - c > 80) return NOT_PRIORITY_1;
  if (i + 2 >= e || b[i + 1] !== 0x31 || b[i + 2] !== 0x5d) return NOT_PRIORITY_1;
  return true;
}

const EXEC = /^Executing \[([^@\]]{1,80})@([^:\]]{1,80}):1\] \w+\("((PJSIP|SIP|IAX2)\/([^"]+?)-[0-9a-f]{8})"/;
const NUMBER = /^\+?[0-9*#]{2,32}$/;

export default defineDecoder({
  id: 'asterisk-dialplan',
  title: 'Asterisk dialplan trace: a dialled number at priority 1 (call attempt)',
  pbx: 'asterisk',
  family: 'asterisk',
  files: ['pbx.c'],
  markers: ['Executing ['],
  sourceField: 'none (no network address in these lines; the account is the channel endpoint)',
  prefilter: dialplanPrefilter,
  decode(_line, h) {
    const body = h.asterisk();
    if (!body || !fileIs(body, 'pbx.c')) return undefined;
    const m = EXEC.exec(body.message.trimStart());
    if (!m) return NOT_PRIORITY_1;
    const exten = m[1]!;
    if (!NUMBER.test(exten)) return ignored(`dialplan extension '${exten}' is not a dialled number`);
    return events(
      h.event({
        kind: 'call-attempt',
        account: m[5]!,
        destination: exten,
        service: m[4]!,
        reason: `context '${m[2]}'`,
        sip: { callId: m[3]! },
      }),
    );
  },
  examples: [
    {
      line: '[2026-11-24 23:41:07] VERBOSE[5120][C-00000101] pbx.c: Executing [0088213456789@from-internal:1] Dial("PJSIP/101-0000004f", "PJSIP/0088213456789@trunk,60") in new stack',
      expect: { kind: 'call-attempt', account: '101', destination: '0088213456789' },
    },
    {
      line: '[2026-11-24 23:41:07] VERBOSE[5120][C-00000101] pbx.c: Executing [s@macro-dial:1] Set("PJSIP/101-0000004f", "x=1") in new stack',
      expect: 'ignored',
    },
  ],
});
