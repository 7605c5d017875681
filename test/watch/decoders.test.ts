import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { LineDecoder, loadDecoders } from '../../src/watch/decode.js';
import type { Decoder } from '../../src/watch/decoder.js';
import { formatEndpoint, type SecurityEvent } from '../../src/watch/event.js';

process.env.TZ = 'UTC';
const REF = Date.UTC(2026, 10, 25);
const ctx = { fallbackTime: REF, refTime: REF, origin: 'test' };

let dec: LineDecoder;
let decoders: Decoder[];
before(async () => {
  decoders = await loadDecoders();
  dec = new LineDecoder(decoders);
});

function one(line: string): SecurityEvent {
  const r = dec.decode(line, ctx);
  assert.equal(
    r.outcome.status,
    'events',
    `expected an event from: ${line}\n got ${JSON.stringify(r.outcome)}`,
  );
  assert.equal(r.events.length, 1);
  return r.events[0]!;
}
const src = (e: SecurityEvent) => (e.source ? formatEndpoint(e.source) : undefined);

describe('decoder registry', () => {
  it('discovers one decoder per file, with examples', () => {
    const ids = decoders.map((d) => d.id).sort();
    for (const id of [
      'asterisk-ami',
      'asterisk-call-rejected',
      'asterisk-chansip',
      'asterisk-dialplan',
      'asterisk-json',
      'asterisk-pjsip',
      'asterisk-security',
      'freeswitch-acl',
      'freeswitch-auth',
      'freeswitch-user',
      'kamailio-pike',
    ])
      assert.ok(ids.includes(id), `missing decoder ${id}`);
    for (const d of decoders) assert.ok(d.examples.length > 0, `${d.id} has no examples`);
  });

  it('every documented example decodes as documented, by its own decoder', () => {
    for (const d of decoders) {
      for (const ex of d.examples) {
        const r = dec.decode(ex.line, ctx);
        assert.ok(r.decoder?.startsWith(d.id), `${d.id}: decoded by ${r.decoder}: ${ex.line}`);
        if (ex.expect === 'ignored') {
          assert.equal(r.outcome.status, 'ignored', `${d.id}: ${ex.line}`);
          continue;
        }
        assert.equal(r.events.length, 1, `${d.id}: ${ex.line} -> ${JSON.stringify(r.outcome)}`);
        const e = r.events[0]!;
        const { source, ...rest } = ex.expect;
        if (source !== undefined) assert.equal(src(e), source, `${d.id} source`);
        for (const [k, v] of Object.entries(rest))
          assert.equal(e[k as keyof SecurityEvent], v, `${d.id} ${k}`);
      }
    }
  });
});

describe('Asterisk security log', () => {
  const base =
    'SecurityEvent="{T}",EventTV="2026-11-24T10:00:00.500+0100",Severity="Error",Service="{S}",EventVersion="1",AccountID="{A}",SessionID="0x7f",LocalAddress="IPV4/UDP/192.0.2.1/5060",RemoteAddress="{R}"';
  const line = (t: string, r = 'IPV4/UDP/203.0.113.5/5060', a = '100', s = 'PJSIP', prefix = 'old') =>
    (prefix === 'old'
      ? '[2026-11-24 09:00:00] SECURITY[4583] res_security_log.c: '
      : '[Nov 24 09:00:00] SECURITY[77]: res_security_log.c:114 security_event_stasis_cb: ') +
    base.replace('{T}', t).replace('{R}', r).replace('{A}', a).replace('{S}', s);

  it('maps every event type to a kind; ChallengeSent is not a failure', () => {
    const expected: Record<string, string> = {
      FailedACL: 'acl-reject',
      InvalidAccountID: 'unknown-account',
      SessionLimit: 'request',
      MemoryLimit: 'request',
      LoadAverageLimit: 'request',
      RequestNotSupported: 'request',
      RequestNotAllowed: 'request',
      AuthMethodNotAllowed: 'request',
      RequestBadFormat: 'request',
      SuccessfulAuth: 'auth-success',
      UnexpectedAddress: 'request',
      ChallengeResponseFailed: 'auth-failure',
      InvalidPassword: 'auth-failure',
      ChallengeSent: 'auth-challenge',
      InvalidTransport: 'request',
    };
    for (const prefix of ['old', 'new']) {
      for (const [type, kind] of Object.entries(expected)) {
        const e = one(line(type, undefined, undefined, undefined, prefix));
        assert.equal(e.kind, kind, type);
        assert.equal(e.reason, type);
        assert.equal(src(e), '203.0.113.5:5060/udp');
        assert.equal(e.local?.ip, '192.0.2.1');
      }
    }
  });

  it('takes the time from EventTV with its offset, also the old seconds-usec form', () => {
    assert.equal(one(line('InvalidPassword')).time, Date.UTC(2026, 10, 24, 9, 0, 0, 500));
    const old = line('InvalidPassword').replace(/EventTV="[^"]*"/, 'EventTV="1432453336-296000"');
    assert.equal(one(old).time, 1432453336296);
  });

  it('reads IPv6, TLS, WS and WSS remote addresses', () => {
    assert.equal(src(one(line('InvalidPassword', 'IPV6/TLS/2001:db8::1/5061'))), '[2001:db8::1]:5061/tls');
    assert.equal(src(one(line('InvalidPassword', 'IPV4/WS/198.51.100.2/40000'))), '198.51.100.2:40000/ws');
    assert.equal(
      src(one(line('InvalidAccountID', 'IPV6/WSS/::ffff:198.51.100.3/443'))),
      '198.51.100.3:443/wss',
    );
  });

  it('AMI failures in the security log are ami-auth-failure', () => {
    assert.equal(
      one(line('InvalidPassword', 'IPV4/TCP/198.51.100.4/50000', 'admin', 'AMI')).kind,
      'ami-auth-failure',
    );
  });

  it('an AccountID that injects a second RemoteAddress never moves the source', () => {
    const injected = line(
      'ChallengeResponseFailed',
      'IPV4/UDP/203.0.113.5/5060',
      '100",SessionID="x",LocalAddress="IPV4/UDP/192.0.2.1/5060",RemoteAddress="IPV4/UDP/192.0.2.200/5060',
    );
    const e = one(injected);
    assert.equal(e.source, undefined);
    assert.match(e.sourceIssue ?? '', /2 RemoteAddress fields/);
  });

  it('ignores SecurityEvent text that is not where res_security_log writes it', () => {
    const pj =
      "[2026-11-24 10:00:01] NOTICE[2143] res_pjsip/pjsip_distributor.c: Request 'REGISTER' from '<sip:SecurityEvent=\"InvalidPassword\",RemoteAddress=\"IPV4/UDP/10.0.0.1/5060\"@x>' failed for '203.0.113.50:5070' (callid: 8a1e2b) - Failed to authenticate";
    const r = dec.decode(pj, ctx);
    assert.equal(r.decoder, 'asterisk-pjsip');
    assert.equal(src(r.events[0]!), '203.0.113.50:5070');
  });

  it('never keeps the expected digest response as evidence', () => {
    const l = line('ChallengeResponseFailed').replace(
      'RemoteAddress="IPV4/UDP/203.0.113.5/5060"',
      'RemoteAddress="IPV4/UDP/203.0.113.5/5060",Challenge="1/a",Response="bad0",ExpectedResponse="5f4dcc3b5aa765d61d8327deb882cf99"',
    );
    const e = one(l);
    assert.doesNotMatch(JSON.stringify(e), /5f4dcc3b5aa765d61d8327deb882cf99/);
    assert.match(e.evidence.raw, /ExpectedResponse="<redacted>"/);
    assert.match(e.evidence.raw, /Response="bad0"/);
  });

  it('strips ANSI colour codes', () => {
    const coloured = `\x1b[0;37m[2026-11-24 09:00:00]\x1b[0m \x1b[1;31mSECURITY\x1b[0m[4583] res_security_log.c: ${base
      .replace('{T}', 'InvalidPassword')
      .replace('{R}', 'IPV4/UDP/203.0.113.5/5060')
      .replace('{A}', '1')
      .replace('{S}', 'PJSIP')}`;
    assert.equal(src(one(coloured)), '203.0.113.5:5060/udp');
  });
});

describe('chan_pjsip failures', () => {
  const pj = (from: string, addr: string, reason: string, callid = 'abc') =>
    `[2026-11-24 10:00:01] NOTICE[2143] res_pjsip/pjsip_distributor.c:676 log_failed_request: Request 'REGISTER' from '${from}' failed for '${addr}' (callid: ${callid}) - ${reason}`;

  it('reads the third quoted field as the source, with reasons mapped', () => {
    assert.equal(
      one(pj('<sip:1@x>', '203.0.113.1:5060', 'No matching endpoint found')).kind,
      'unknown-account',
    );
    assert.equal(
      one(pj('<sip:1@x>', '203.0.113.1:5060', 'Not match Endpoint Contact ACL')).kind,
      'acl-reject',
    );
    assert.equal(one(pj('<sip:1@x>', '203.0.113.1:5060', 'Error to authenticate')).kind, 'auth-failure');
    const e = one(
      pj('<sips:101@pbx>', '[2001:db8::9]:5061', 'Failed to authenticate after 12 tries in 3.100 ms'),
    );
    assert.equal(src(e), '[2001:db8::9]:5061');
    assert.equal(e.account, '101');
    assert.equal(e.sip?.method, 'REGISTER');
  });

  it('an injected address in From does not move the source', () => {
    const e = one(
      pj("sip:100'failed_for'10.0.0.66:5060@evil", '203.0.113.9:5060', 'No matching endpoint found'),
    );
    assert.equal(src(e), '203.0.113.9:5060');
    // Both at once: From without spaces (as pjsip prints it) and a Call-ID with spaces.
    const e2 = one(
      pj(
        "sip:1'failed_for'10.0.0.1:1@x",
        '203.0.113.9:5060',
        'Failed to authenticate',
        "y' failed for '192.0.2.99:5060' (callid: z",
      ),
    );
    assert.equal(src(e2), '203.0.113.9:5060');
    // A From that is not pjsip-shaped (spaces) with two address fields: no source, not a wrong one.
    const e3 = one(
      `[2026-11-24 10:00:01] NOTICE[2143] res_pjsip/pjsip_distributor.c: Request 'REGISTER' from '"a b" <sip:1@x>' failed for '192.0.2.99:5060' (callid: q) - x' failed for '203.0.113.9:5060' (callid: c) - No matching endpoint found`,
    );
    assert.equal(e3.source, undefined);
    assert.match(e3.sourceIssue ?? '', /2 "failed for"/);
  });

  it('an injected address in the Call-ID does not move the source', () => {
    const e = one(
      pj(
        '<sip:100@x>',
        '203.0.113.9:5060',
        'Failed to authenticate',
        "x' failed for '192.0.2.99:5060' (callid: y",
      ),
    );
    assert.equal(src(e), '203.0.113.9:5060');
  });

  it('reads lines forwarded by syslog (rsyslog file) and the JSON format', () => {
    const sys =
      "Nov 24 10:00:01 pbx1 asterisk[2143]: NOTICE[2143]: res_pjsip/pjsip_distributor.c:676 in log_failed_request: Request 'OPTIONS' from '<sip:100@x>' failed for '198.51.100.8:5080' (callid: a) - No matching endpoint found";
    const e = one(sys);
    assert.equal(src(e), '198.51.100.8:5080');
    assert.equal(e.time, Date.UTC(2026, 10, 24, 10, 0, 1));
    const json = JSON.stringify({
      hostname: 'pbx',
      timestamp: '2026-11-24 10:00:01.250',
      identifiers: { lwp: 1, callid: '' },
      logmsg: {
        location: { filename: 'res_security_log.c', line: 1, function: 'f' },
        level: 'SECURITY',
        message:
          'SecurityEvent="InvalidAccountID",EventTV="2026-11-24T10:00:01.250+0000",Severity="Error",Service="PJSIP",EventVersion="1",AccountID="zz",SessionID="s",LocalAddress="IPV4/WSS/192.0.2.1/8089",RemoteAddress="IPV4/WSS/198.51.100.70/55555"',
      },
    });
    const j = one(json);
    assert.equal(j.kind, 'unknown-account');
    assert.equal(src(j), '198.51.100.70:55555/wss');
    assert.equal(j.evidence.format, 'asterisk-json');
    assert.equal(j.evidence.decoder, 'asterisk-json/asterisk-security');
  });
});

describe('chan_sip, call rejection, AMI, FreeSWITCH', () => {
  it('chan_sip: an attacker-controlled To header naming another address does not move the source', () => {
    const e = one(
      "[2019-03-02 11:22:33] NOTICE[1421] chan_sip.c: Registration from '\"x' failed for '192.0.2.99:5060' - Wrong password\" <sip:100@192.0.2.1>' failed for '203.0.113.77:5084' - Wrong password",
    );
    assert.equal(src(e), '203.0.113.77:5084');
  });

  it('call rejected over TLS and WSS, pjsip and chan_sip; injection in the dialled number', () => {
    const e = one(
      "[2026-11-24 03:12:44] NOTICE[3321][C-0000002a] res_pjsip_session.c: anonymous: Call (TLS:[2001:db8::44]:5061) to extension '0044' rejected because extension not found in context 'public'.",
    );
    assert.equal(src(e), '[2001:db8::44]:5061/tls');
    const w = one(
      "[2026-11-24 03:12:44] NOTICE[3321] res_pjsip_session.c: web: Call (WSS:198.51.100.5:40404) to extension '1' rejected because extension not found in context 'x'.",
    );
    assert.equal(src(w), '198.51.100.5:40404/wss');
    const inj = one(
      "[2026-11-24 03:12:44] NOTICE[3321] res_pjsip_session.c: anonymous: Call (UDP:203.0.113.9:5071) to extension '00' rejected because extension not found in context 'x'. (UDP:192.0.2.1:5060) to extension '9' rejected because extension not found in context 'public'.",
    );
    assert.equal(src(inj), '203.0.113.9:5071/udp');
    const cs = one(
      "[2018-07-01 01:02:03] NOTICE[901] chan_sip.c: Call from 'x' (192.0.2.50:5060) to extension 'y' (198.51.100.3:5060) to extension '900441234567' rejected because extension not found in context 'default'.",
    );
    assert.equal(cs.source, undefined);
  });

  it('AMI: only the session address counts, never the user name', () => {
    const e = one(
      "[2026-11-24 10:05:00] NOTICE[4410] manager.c: 192.0.2.66 failed to authenticate as '10.9.9.9 failed to authenticate as 'x'",
    );
    assert.equal(e.source?.ip, '192.0.2.66');
    assert.equal(e.kind, 'ami-auth-failure');
    assert.equal(
      one("[2026-11-24 10:05:00] NOTICE[4410] manager.c: 192.0.2.66 failed to pass IP ACL as 'admin'").kind,
      'acl-reject',
    );
  });

  it('FreeSWITCH: an address inside [user@domain] never moves the source', () => {
    const e = one(
      "2013-12-31 17:39:54.767815 [WARNING] sofia_reg.c:1478 SIP auth failure (REGISTER) on sofia profile 'internal' for [100@x] from ip 10.0.0.1] from ip 5.11.47.236",
    );
    assert.equal(e.source?.ip, '5.11.47.236');
    const u = one(
      "4c2c1b2a-8c1d-4e55-9c1f-0e9b2a7d3f10 2026-11-24 10:00:02.123456 97.50% [WARNING] sofia_reg.c:3209 Can't find user [1001@2001:db8::1] from 2001:db8:ffff::5",
    );
    assert.equal(u.source?.ip, '2001:db8:ffff::5');
    assert.equal(u.account, '1001');
    assert.equal(u.time, Date.UTC(2026, 10, 24, 10, 0, 2, 123));
  });

  it('lines the decoders do not know are unmatched with a reason, and truncated ones are misses', () => {
    const r = dec.decode('[2026-11-24 10:00:00] VERBOSE[1] asterisk.c: Asterisk Ready.', ctx);
    assert.equal(r.outcome.status, 'unmatched');
    assert.equal(r.format, 'asterisk');
    const t = dec.decode(
      "[2026-11-24 10:00:01] NOTICE[2143] res_pjsip/pjsip_distributor.c: Request 'REGISTER' from '<sip:1@x>' failed for '203.0",
      ctx,
    );
    assert.equal(t.outcome.status, 'miss');
  });
});
