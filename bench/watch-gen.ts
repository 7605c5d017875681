// Deterministic generators of Asterisk logs for bench/watch.bench.ts, in the formats both
// hardline and fail2ban's asterisk filter read. Three compositions (see docs/PERFORMANCE.md):
//
// - `phase-a`: the mix of the first benchmark (kept unchanged for before/after): 78 % attack
//   lines (35 % security-log events of six types, 30 % chan_pjsip failure NOTICEs, 5 % chan_sip
//   registration failures, 5 % rejected calls, 3 % AMI failures) and 22 % dialplan priority-1
//   lines (every one a dialled call).
// - `attack`: only security-relevant lines (the attack part of phase-a, same proportions; 90 %
//   from 5,000 attacker addresses, 10 % from 200 phones): a `messages` log during a heavy
//   attack, the worst case for hardline (every line is decoded and goes through the detectors).
// - `full`: a `full` log (logger.conf `full => notice,warning,error,verbose,security`) of a busy
//   PBX under a steady scan: 20 % security-relevant lines as in `attack`, 72 % verbose call
//   processing (dialplan steps of every priority, Dial progress, bridges, hangups, registrar and
//   qualify messages), 8 % other NOTICE/WARNING/ERROR lines. The share of call-processing
//   lines in a real `full` log is usually higher still.
import { createWriteStream } from 'node:fs';

export type LogMix = 'phase-a' | 'attack' | 'full';

let seed = 11;
let lcg = true;
// phase-a keeps the first generator's LCG (its file stays byte-identical; its correlated draws
// reach only about 1,650 of the 5,000 attacker addresses); the other mixes use mulberry32.
const rnd = () => {
  if (lcg) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  }
  seed = (seed + 0x6d2b79f5) | 0;
  let z = seed;
  z = Math.imul(z ^ (z >>> 15), z | 1);
  z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
  return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(a: T[]): T => a[Math.floor(rnd() * a.length)]!;

const attackers = Array.from({ length: 5000 }, (_, i) =>
  i % 10 === 9
    ? `2001:db8:${(i >> 8).toString(16)}::${(i & 255).toString(16)}`
    : `203.0.${(i >> 8) & 255}.${i & 255}`,
);
const phones = Array.from({ length: 200 }, (_, i) => `192.168.${(i >> 8) & 255}.${i & 255}`);

function stamp(t: number): string {
  const d = new Date(t);
  const p = (n: number) => String(n).padStart(2, '0');
  return `[${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}]`;
}

/**
 * A security-relevant line; `r` in [0, 0.78) picks its type with phase-a's proportions; `phone`
 * says whether it comes from one of the 200 phones instead of one of the 5,000 attackers.
 */
function attackLine(t: number, r: number, phone: boolean): string {
  const ts = stamp(t);
  const ip = phone ? pick(phones) : pick(attackers);
  const v6 = ip.includes(':');
  const acc = String(100 + Math.floor(rnd() * 900));
  if (r < 0.35) {
    // phase-a drew the six types alike for every address (attackers "succeeded" too); the other
    // mixes give attackers failures and challenges, and phones successes and challenges
    const type = lcg
      ? pick([
          'InvalidAccountID',
          'ChallengeResponseFailed',
          'InvalidPassword',
          'ChallengeSent',
          'SuccessfulAuth',
          'FailedACL',
        ])
      : phone
        ? pick(['ChallengeSent', 'SuccessfulAuth', 'SuccessfulAuth', 'ChallengeResponseFailed'])
        : pick([
            'InvalidAccountID',
            'ChallengeResponseFailed',
            'InvalidPassword',
            'ChallengeSent',
            'FailedACL',
          ]);
    const tv = new Date(t).toISOString().replace('Z', '+0000');
    return `${ts} SECURITY[4583] res_security_log.c: SecurityEvent="${type}",EventTV="${tv}",Severity="Error",Service="PJSIP",EventVersion="1",AccountID="${phone && !lcg ? String(100 + (Number(ip.split('.')[3]) % 200)) : acc}",SessionID="${Math.floor(rnd() * 1e9).toString(16)}",LocalAddress="IPV4/UDP/192.0.2.1/5060",RemoteAddress="IPV${v6 ? 6 : 4}/${pick(['UDP', 'TCP', 'TLS'])}/${ip}/${5060 + Math.floor(rnd() * 100)}"`;
  }
  if (r < 0.65) {
    const reason = pick([
      'No matching endpoint found',
      'Failed to authenticate',
      'Not match Endpoint ACL',
      'Error to authenticate',
    ]);
    return `${ts} NOTICE[2143] res_pjsip/pjsip_distributor.c:676 log_failed_request: Request '${pick(['REGISTER', 'INVITE', 'OPTIONS'])}' from '<sip:${acc}@192.0.2.1>' failed for '${v6 ? `[${ip}]` : ip}:${5060 + Math.floor(rnd() * 100)}' (callid: ${Math.floor(rnd() * 1e12).toString(36)}) - ${reason}`;
  }
  if (r < 0.7) {
    return `${ts} NOTICE[1421] chan_sip.c: Registration from '"${acc}"<sip:${acc}@192.0.2.1>' failed for '${v6 ? `[${ip}]` : ip}:5060' - ${pick(['Wrong password', 'No matching peer found'])}`;
  }
  if (r < 0.75) {
    return `${ts} NOTICE[901][C-00000003] chan_sip.c: Call from '' (${v6 ? `[${ip}]` : ip}:5060) to extension '00972${Math.floor(rnd() * 1e8)}' rejected because extension not found in context 'default'.`;
  }
  return `${ts} NOTICE[4410] manager.c: ${ip} failed to authenticate as 'admin'`;
}

const APPS = ['Set', 'NoOp', 'Gosub', 'GotoIf', 'ExecIf', 'Macro', 'AGI', 'Answer', 'Playback'];

/** A line of ordinary call processing and housekeeping (nothing an attack detector counts). */
function noiseLine(t: number): string {
  const ts = stamp(t);
  const acc = String(100 + Math.floor(rnd() * 200));
  const other = String(100 + Math.floor(rnd() * 200));
  const chan = `PJSIP/${acc}-${Math.floor(rnd() * 0xffff)
    .toString(16)
    .padStart(8, '0')}`;
  const cid = `[C-${Math.floor(rnd() * 0xfff)
    .toString(16)
    .padStart(8, '0')}]`;
  const phone = pick(phones);
  const r = rnd();
  if (r < 0.45) {
    // dialplan steps after priority 1 (macros, sub-routines, hangup handlers)
    const exten = pick([other, 's', 'h', `${other}`]);
    const ctx = pick(['from-internal', 'macro-dial-one', 'sub-record-check', 'macro-user-callerid']);
    const prio = 2 + Math.floor(rnd() * 30);
    const app = pick(APPS);
    return `${ts} VERBOSE[${5000 + Math.floor(rnd() * 200)}]${cid} pbx.c: Executing [${exten}@${ctx}:${prio}] ${app}("${chan}", "__REC_STATUS=INITIALIZED") in new stack`;
  }
  if (r < 0.52) {
    // priority-1 steps of internal extensions and macros (s, h, a number): decoded when dialled
    const exten = pick(['s', 'h', other]);
    return `${ts} VERBOSE[${5000 + Math.floor(rnd() * 200)}]${cid} pbx.c: Executing [${exten}@${pick(['from-internal', 'macro-dial-one'])}:1] ${pick(['Macro', 'Set', 'Dial'])}("${chan}", "PJSIP/${other},30") in new stack`;
  }
  if (r < 0.62) {
    const v = pick([
      `Called PJSIP/${other}`,
      `PJSIP/${other}-0000004f is ringing`,
      `PJSIP/${other}-0000004f answered ${chan}`,
      `Nobody picked up in 30000 ms`,
      `Everyone is busy/congested at this time (1:0/0/1)`,
    ]);
    return `${ts} VERBOSE[${5000 + Math.floor(rnd() * 200)}]${cid} app_dial.c: ${v}`;
  }
  if (r < 0.7) {
    return `${ts} VERBOSE[${5000 + Math.floor(rnd() * 200)}]${cid} bridge_channel.c: Channel ${chan} ${pick(['joined', 'left'])} 'simple_bridge' basic-bridge <${Math.floor(rnd() * 1e9).toString(16)}-3a4b>`;
  }
  if (r < 0.76) {
    return `${ts} VERBOSE[${5000 + Math.floor(rnd() * 200)}]${cid} pbx.c: Spawn extension (from-internal, ${other}, ${1 + Math.floor(rnd() * 9)}) exited non-zero on '${chan}'`;
  }
  if (r < 0.84) {
    return `${ts} VERBOSE[${1200 + Math.floor(rnd() * 50)}] res_pjsip_registrar.c: Added contact 'sip:${acc}@${phone}:5060;transport=udp' to AOR '${acc}' with expiration of 3600 seconds`;
  }
  if (r < 0.9) {
    return `${ts} VERBOSE[${1200 + Math.floor(rnd() * 50)}] res_pjsip/pjsip_options.c: Contact ${acc}/sip:${acc}@${phone}:5060 is now Reachable.  RTT: ${(rnd() * 50).toFixed(3)} msec`;
  }
  if (r < 0.94) {
    return `${ts} VERBOSE[${5000 + Math.floor(rnd() * 200)}]${cid} res_rtp_asterisk.c: 0x7f3a5c01${Math.floor(rnd() * 0xffff).toString(16)} -- Strict RTP learning after remote address set to: ${phone}:${10000 + Math.floor(rnd() * 10000)}`;
  }
  if (r < 0.97) {
    return `${ts} WARNING[${3000 + Math.floor(rnd() * 100)}]${cid} res_pjsip_sdp_rtp.c: ${pick(['Received SDP with unsupported codec', 'Ignoring stream: no joint codecs'])} on channel ${chan}`;
  }
  return `${ts} NOTICE[${3000 + Math.floor(rnd() * 100)}] res_pjsip_pubsub.c: ${pick(['Subscription for aor', 'Resubscribe for'])} '${acc}' ${pick(['expired', 'renewed'])}`;
}

export function benchLine(t: number, mix: LogMix = 'phase-a'): string {
  if (mix === 'attack') return attackLine(t, rnd() * 0.78, rnd() < 0.1);
  if (mix === 'full') {
    const r = rnd();
    if (r < 0.2) return attackLine(t, rnd() * 0.78, rnd() < 0.1);
    return noiseLine(t);
  }
  const r = rnd();
  if (r < 0.78) return attackLine(t, r, false);
  const ts = stamp(t);
  pick(phones); // (the first generator drew an address here; kept so the file stays identical)
  const acc = String(100 + Math.floor(rnd() * 900));
  return `${ts} VERBOSE[5120][C-00000101] pbx.c: Executing [${acc}@from-internal:${1 + Math.floor(rnd() * 3)}] Dial("PJSIP/${acc}-0000004f", "PJSIP/${acc},30") in new stack`;
}

/** Writes `lines` lines of the mix spread over about one day. */
export async function generateAsteriskLog(
  file: string,
  lines: number,
  mix: LogMix = 'phase-a',
): Promise<void> {
  seed = 11;
  lcg = mix === 'phase-a';
  const out = createWriteStream(file);
  let t = new Date(2026, 10, 24, 0, 0, 0).getTime();
  const step = 86400_000 / lines;
  let buf: string[] = [];
  for (let i = 0; i < lines; i++) {
    buf.push(benchLine(t, mix));
    t += step;
    if (buf.length === 10_000) {
      if (!out.write(`${buf.join('\n')}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
      buf = [];
    }
  }
  if (buf.length) out.write(`${buf.join('\n')}\n`);
  await new Promise<void>((r) => out.end(r));
}
