// Deterministic generator of a realistic Asterisk "messages" + security log mix, in the formats
// both hardline and fail2ban's asterisk filter read. Used by bench/watch.bench.ts.
import { createWriteStream } from 'node:fs';

let seed = 11;
const rnd = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
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

export function benchLine(t: number): string {
  const r = rnd();
  const ts = stamp(t);
  const ip = r < 0.85 ? pick(attackers) : pick(phones);
  const v6 = ip.includes(':');
  const acc = String(100 + Math.floor(rnd() * 900));
  if (r < 0.35) {
    const type = pick([
      'InvalidAccountID',
      'ChallengeResponseFailed',
      'InvalidPassword',
      'ChallengeSent',
      'SuccessfulAuth',
      'FailedACL',
    ]);
    const tv = new Date(t).toISOString().replace('Z', '+0000');
    return `${ts} SECURITY[4583] res_security_log.c: SecurityEvent="${type}",EventTV="${tv}",Severity="Error",Service="PJSIP",EventVersion="1",AccountID="${acc}",SessionID="${Math.floor(rnd() * 1e9).toString(16)}",LocalAddress="IPV4/UDP/192.0.2.1/5060",RemoteAddress="IPV${v6 ? 6 : 4}/${pick(['UDP', 'TCP', 'TLS'])}/${ip}/${5060 + Math.floor(rnd() * 100)}"`;
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
  if (r < 0.78) {
    return `${ts} NOTICE[4410] manager.c: ${ip} failed to authenticate as 'admin'`;
  }
  return `${ts} VERBOSE[5120][C-00000101] pbx.c: Executing [${acc}@from-internal:${1 + Math.floor(rnd() * 3)}] Dial("PJSIP/${acc}-0000004f", "PJSIP/${acc},30") in new stack`;
}

/** Writes `lines` lines spread over about one day. */
export async function generateAsteriskLog(file: string, lines: number): Promise<void> {
  seed = 11;
  const out = createWriteStream(file);
  let t = new Date(2026, 10, 24, 0, 0, 0).getTime();
  const step = 86400_000 / lines;
  let buf: string[] = [];
  for (let i = 0; i < lines; i++) {
    buf.push(benchLine(t));
    t += step;
    if (buf.length === 10_000) {
      if (!out.write(`${buf.join('\n')}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
      buf = [];
    }
  }
  if (buf.length) out.write(`${buf.join('\n')}\n`);
  await new Promise<void>((r) => out.end(r));
}
