import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { LineDecoder, loadDecoders } from '../../src/watch/decode.js';
import { type Decoder, parseAsteriskPrefix } from '../../src/watch/decoder.js';
import { PrefixScan, scanAsteriskPrefix } from '../../src/watch/prefix.js';

/**
 * The byte path (decodeBytes: prefix scanned in bytes, byte prefilters, fast decoders) must give
 * exactly what the string path gives: every example, real-format lines, and thousands of
 * deterministic mutations of them (truncations, insertions and replacements of the characters the
 * grammar cares about).
 */

process.env.TZ = 'UTC';
const REF = Date.UTC(2026, 10, 25);
const ctx = { fallbackTime: REF, refTime: REF, origin: 'test' };

let decoders: Decoder[];
let dec: LineDecoder;
before(async () => {
  decoders = await loadDecoders();
  dec = new LineDecoder(decoders);
});

const T = '[2026-11-24 10:00:01]';
const BASE_LINES = [
  `${T} NOTICE[2143] res_pjsip/pjsip_distributor.c:676 log_failed_request: Request 'REGISTER' from '<sip:100@192.0.2.10>' failed for '203.0.113.50:5070' (callid: 8a1e2b) - No matching endpoint found`,
  `${T} NOTICE[2143] res_pjsip/pjsip_distributor.c: Request 'INVITE' from '"101" <sip:101@pbx>' failed for '[2001:db8::7]:5061' (callid: a@b) - Failed to authenticate after 3 tries in 1.234 ms`,
  `${T} NOTICE[2143] res_pjsip/pjsip_distributor.c: Request 'REGISTER' from 'sip:1'failed_for'10.0.0.1:1@x' failed for '203.0.113.9:5060' (callid: y' failed for '192.0.2.99:5060' (callid: z) - Failed to authenticate`,
  `${T} NOTICE[2143] res_pjsip/pjsip_distributor.c: Request 'REGISTER' from '"a b" <sip:1@x>' failed for '192.0.2.99:5060' (callid: q) - x' failed for '203.0.113.9:5060' (callid: c) - No matching endpoint found`,
  `${T} NOTICE[2143] res_pjsip/pjsip_distributor.c: Request 'OPTIONS' from '<sip:9@x>' failed for 'TLS:198.51.100.4:5061' (callid: k) - Not match Endpoint Contact ACL`,
  `${T} SECURITY[4583] res_security_log.c: SecurityEvent="ChallengeResponseFailed",EventTV="2026-11-24T10:00:01.296+0300",Severity="Error",Service="PJSIP",EventVersion="1",AccountID="<unknown>",SessionID="5a1c7e3b",LocalAddress="IPV4/UDP/1.2.3.4/5060",RemoteAddress="IPV4/UDP/10.250.251.252/5060",Challenge="1/a",Response="0e",ExpectedResponse="5f4dcc3b"`,
  `[Dec 21 12:56:59] SECURITY[77]: res_security_log.c:114 security_event_stasis_cb: SecurityEvent="InvalidAccountID",EventTV="2025-12-21T12:56:59.123+0000",Severity="Error",Service="PJSIP",EventVersion="1",AccountID="admin",SessionID="abc@host",LocalAddress="IPV6/WSS/2001:db8::10/8089",RemoteAddress="IPV6/WSS/2001:db8:1::99/51234"`,
  `${T} SECURITY[12] res_security_log.c: SecurityEvent="SuccessfulAuth",EventTV="1432453336-296000",Severity="Informational",Service="AMI",EventVersion="1",AccountID="admin",SessionID="x",LocalAddress="IPV4/TCP/192.0.2.1/5038",RemoteAddress="IPV4/TCP/198.51.100.7/40001",UsingPassword="1"`,
  `${T} SECURITY[12] res_security_log.c: SecurityEvent="InvalidPassword",EventTV="2026-11-24T10:00:01",Severity="Error",Service="AMI",EventVersion="2",AccountID="100",SessionID="x",LocalAddress="IPV4/TCP/192.0.2.1/5038",RemoteAddress="IPV4/TCP/198.51.100.7/40001",RequestType="register"`,
  `${T} SECURITY[12] res_security_log.c: SecurityEvent="ChallengeResponseFailed",EventTV="2026-11-24T10:00:00.500+0100",Severity="Error",Service="PJSIP",EventVersion="1",AccountID="100",SessionID="x",LocalAddress="IPV4/UDP/192.0.2.1/5060",RemoteAddress="IPV4/UDP/192.0.2.200/5060",SessionID="0x7f",LocalAddress="IPV4/UDP/192.0.2.1/5060",RemoteAddress="IPV4/UDP/203.0.113.5/5060"`,
  `${T} SECURITY[12] res_security_log.c: SecurityEvent="FailedACL",EventTV="2026-11-24T10:00:01.000+0000",Severity="Error",Service="PJSIP",EventVersion="1",AccountID="100",SessionID="x",LocalAddress="IPV6/UDP/::ffff:192.0.2.1/5060",RemoteAddress="IPV6/UDP/::ffff:198.51.100.3/99999"`,
  `${T} NOTICE[1421] chan_sip.c: Registration from '"100"<sip:100@192.0.2.1>' failed for '203.0.113.77:5084' - Wrong password`,
  `${T} NOTICE[1421] chan_sip.c: Registration from '"x' failed for '192.0.2.99:5060' - Wrong password" <sip:100@192.0.2.1>' failed for '203.0.113.77:5084' - Wrong password`,
  `${T} NOTICE[1421] chan_sip.c: Registration from '<sip:999@192.0.2.1>' failed for '[2001:db8:5::1]:5060' - No matching peer found`,
  `${T} NOTICE[3321][C-0000002a] res_pjsip_session.c: anonymous: Call (UDP:203.0.113.9:5071) to extension '00972599123456' rejected because extension not found in context 'anonymous'.`,
  `${T} NOTICE[3321] res_pjsip_session.c: anonymous: Call (UDP:203.0.113.9:5071) to extension '00' rejected because extension not found in context 'x'. (UDP:192.0.2.1:5060) to extension '9' rejected because extension not found in context 'public'.`,
  `${T} NOTICE[901][C-00000003] chan_sip.c: Call from '' (198.51.100.3:5060) to extension '900441234567' rejected because extension not found in context 'default'.`,
  `${T} NOTICE[901] chan_sip.c: Call from 'x' (192.0.2.50:5060) to extension 'y' (198.51.100.3:5060) to extension '900441234567' rejected because extension not found in context 'default'.`,
  `${T} NOTICE[4410] manager.c: 192.0.2.66 failed to authenticate as 'admin'`,
  `${T} NOTICE[4410] manager.c:7120 authenticate: 2001:db8::66 tried to authenticate with nonexistent user 'root'`,
  `${T} NOTICE[4410] manager.c: 192.0.2.66 failed to pass IP ACL as 'admin'`,
  `${T} VERBOSE[5120][C-00000101] pbx.c: Executing [0088213456789@from-internal:1] Dial("PJSIP/101-0000004f", "PJSIP/0088213456789@trunk,60") in new stack`,
  `${T} VERBOSE[5120][C-00000101] pbx.c: -- Executing [101@from-internal:1] Dial("SIP/101-0000004f", "SIP/101,30") in new stack`,
  `${T} VERBOSE[5120][C-00000101] pbx.c:   == Executing [101@from-internal:2] Set("PJSIP/101-0000004f", "x=1") in new stack`,
  `${T} VERBOSE[5120][C-00000101] pbx.c: Executing [s@macro-dial:1] Set("PJSIP/101-0000004f", "x=1") in new stack`,
  `${T} VERBOSE[5120][C-00000101] pbx.c: Executing [h@from-internal:12] Hangup("PJSIP/101-0000004f", "") in new stack`,
  `${T} VERBOSE[5120][C-00000101] pbx.c: Spawn extension (from-internal, 102, 1) exited non-zero on 'PJSIP/101-0000004f'`,
  `${T} VERBOSE[5120][C-00000101] app_dial.c: Called PJSIP/102`,
  `${T} VERBOSE[1234] res_pjsip_registrar.c: Added contact 'sip:101@192.168.1.20:5060' to AOR '101' with expiration of 3600 seconds`,
  `${T} WARNING[3333] res_rtp_asterisk.c: 192.0.2.9:10000 -- Strict RTP learning complete - Locking on source address`,
  '[2026-11-24 10:00:00] VERBOSE[1] asterisk.c: Asterisk Ready.',
  "Nov 24 10:00:01 pbx1 asterisk[2143]: NOTICE[2143]: res_pjsip/pjsip_distributor.c:676 in log_failed_request: Request 'OPTIONS' from '<sip:100@x>' failed for '198.51.100.8:5080' (callid: a) - No matching endpoint found",
  "2013-12-31 17:39:54.767815 [WARNING] sofia_reg.c:1478 SIP auth failure (INVITE) on sofia profile 'internal' for [000972543480510@192.168.2.51] from ip 5.11.47.236",
  ' 5(2211) ALERT: <script>: ALERT: pike blocking INVITE from sip:x@y (IP:10.0.0.1:5060) (IP:2001:db8::66:5070)',
  `${T} NOTICE[2143] x.c.c: foo`,
  `${T} NOTICE[2143] a.cfg.c in init: Request`,
  `${T} NOTICE[2143] pbx.c:12 in pbx_exec: Executing [1@a:1] Dial("PJSIP/1-0000000a", "x")`,
  `${T}  NOTICE[2143]: chan_sip.c in: Registration from '<sip:1@x>' failed for '203.0.113.1:5060' - Wrong password`,
  `${T} NOTICE[2143] chan_sip.c init: Registration from '<sip:1@x>' failed for '203.0.113.1:5060' - Wrong password\r`,
  `${T} NOTICE[2143] chan_sip.c: \x1b[1;31mRegistration from '<sip:1@x>' failed for '203.0.113.1:5060' - Wrong password\x1b[0m`,
  `[2026-11-24 10:00:01.123] NOTICE[2143] manager.c: 10.0.0.1 failed to authenticate as 'é'`,
];

const ALPHABET = '[] :.c-_/0123456789AZaz\'"@()inERT\x1b\r\té';

function rng(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

function mutate(line: string, r: () => number): string {
  let out = line;
  const n = 1 + Math.floor(r() * 3);
  for (let k = 0; k < n; k++) {
    // mostly near the prefix and the fields decoders read
    const pos = Math.floor(r() < 0.6 ? r() * Math.min(out.length, 70) : r() * out.length);
    const ch = ALPHABET[Math.floor(r() * ALPHABET.length)]!;
    const op = r();
    if (op < 0.3) out = out.slice(0, pos) + out.slice(pos + 1);
    else if (op < 0.6) out = out.slice(0, pos) + ch + out.slice(pos);
    else if (op < 0.9) out = out.slice(0, pos) + ch + out.slice(pos + 1);
    else out = out.slice(0, pos);
  }
  return out;
}

function viaBytes(line: string) {
  // embed the line in a bigger buffer, as in a read chunk
  const b = Buffer.from(`xx\n${line}\nyy`);
  const s = 3;
  const e = s + Buffer.byteLength(line);
  return dec.decodeBytes(b, s, e, ctx);
}

function same(line: string) {
  const a = dec.decode(line, ctx);
  const b = viaBytes(line);
  assert.deepEqual(b, a, `byte path differs for: ${JSON.stringify(line)}`);
}

describe('byte path = string path', () => {
  it('on every decoder example and on real-format lines', () => {
    for (const d of decoders) for (const ex of d.examples) same(ex.line);
    for (const l of BASE_LINES) same(l);
  });

  it('the byte prefix scanner agrees with the prefix expression on 20,000 mutated lines', () => {
    const r = rng(7);
    const sc = new PrefixScan();
    let scanned = 0;
    for (let k = 0; k < 20_000; k++) {
      const line = mutate(BASE_LINES[k % BASE_LINES.length]!, r);
      const b = Buffer.from(line);
      const ok = scanAsteriskPrefix(b, 0, b.length, sc);
      const re = parseAsteriskPrefix(line);
      if (!ok) {
        // it may only decline what the expression refuses, or prefixes with control/non-ASCII
        // characters (the string path handles those)
        const prefix = re ? line.slice(0, line.length - re.message.length) : '';
        assert.ok(
          !re || !line.startsWith('[') || !/^[\x20-\x7e]*$/.test(prefix),
          `scanner declined a plain prefix: ${JSON.stringify(line)}`,
        );
        continue;
      }
      scanned++;
      assert.ok(re, `scanner accepted what the expression refuses: ${JSON.stringify(line)}`);
      assert.equal(line.slice(sc.levelStart, sc.levelEnd), re.level, line);
      assert.equal(line.slice(sc.fileStart, sc.fileEnd), re.file, line);
      assert.equal(line.slice(sc.msgStart), re.message, line);
    }
    assert.ok(scanned > 5000, `only ${scanned} scanned`);
  });

  it('decodes 20,000 mutated lines exactly as the string path', () => {
    const r = rng(11);
    for (let k = 0; k < 20_000; k++) same(mutate(BASE_LINES[k % BASE_LINES.length]!, r));
  });
});
