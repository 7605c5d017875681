import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeHep, encodeHep, type HepPacket } from '../../src/hep/codec.js';
import { policySchema } from '../../src/policy/schema.js';
import type { SecurityEvent } from '../../src/watch/event.js';
import { Pipeline } from '../../src/watch/pipeline.js';
import type { SipCapture } from '../../src/watch/sip.js';
import { parsePbxAddress } from '../../src/watch/sip-side.js';
import { type SipTrackerOptions, SipTransactionTracker } from '../../src/watch/sip-transactions.js';
import { hepSipCapture } from '../../src/watch/sources/sip-capture.js';

const PBX = '192.0.2.1';
const ATTACKER = '203.0.113.5';
const PHONE = '198.51.100.20';
const T0 = 1_764_000_000;

/** A SIP message as text (CRLF line ends, Content-Length filled in). */
function sip(start: string, headers: string[], body = ''): Buffer {
  const head = [start, ...headers, `Content-Length: ${Buffer.byteLength(body)}`].join('\r\n');
  return Buffer.from(`${head}\r\n\r\n${body}`);
}

interface Leg {
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
  proto?: number;
  at?: number;
}

/** Encodes a HEP v3 packet with the codec, decodes it again and turns it into a SipCapture. */
function hep(leg: Leg, payload: Buffer, extra: Partial<HepPacket> & { agent?: string } = {}): SipCapture {
  const at = leg.at ?? 0;
  const { agent, ...more } = extra;
  const bytes = encodeHep({
    srcIp: leg.src,
    dstIp: leg.dst,
    srcPort: leg.sport ?? 5060,
    dstPort: leg.dport ?? 5060,
    ipProto: leg.proto ?? 17,
    timeSec: T0 + Math.floor(at),
    timeUsec: Math.round((at % 1) * 1e6),
    protoType: 1,
    captureId: 2001,
    payload,
    ...more,
  });
  const r = decodeHep(bytes);
  if (!r.ok) assert.fail(r.error.message);
  const cap = hepSipCapture(r.packet, {
    origin: 'hep:udp://test',
    fallbackTime: 0,
    ...(agent ? { agent } : {}),
  });
  if (typeof cap === 'string') assert.fail(cap);
  return cap;
}

function run(t: SipTransactionTracker, caps: SipCapture[]): SecurityEvent[] {
  const out: SecurityEvent[] = [];
  for (const c of caps) {
    const r = t.decode(c);
    if ('events' in r) out.push(...r.events);
  }
  return out;
}

const tracker = (o: SipTrackerOptions = {}) => new SipTransactionTracker({ pbxAddresses: [PBX], ...o });

interface Req {
  method?: string;
  ruri?: string;
  user: string;
  callId: string;
  cseq: number;
  branch: string;
  from?: string;
  via?: string;
  contact?: string;
  ua?: string;
  auth?: string;
  extra?: string[];
  body?: string;
}

function request(r: Req): Buffer {
  const method = r.method ?? 'REGISTER';
  const h = [
    `Via: ${r.via ?? `SIP/2.0/UDP 10.1.1.1:5060;rport;branch=${r.branch}`}`,
    'Max-Forwards: 70',
    `From: ${r.from ?? `<sip:${r.user}@pbx.example>;tag=f${r.callId}`}`,
    `To: <sip:${method === 'INVITE' ? 'dest' : r.user}@pbx.example>`,
    `Call-ID: ${r.callId}`,
    `CSeq: ${r.cseq} ${method}`,
  ];
  if (r.contact !== undefined) h.push(`Contact: ${r.contact}`);
  if (r.ua !== undefined) h.push(`User-Agent: ${r.ua}`);
  if (r.auth !== undefined) h.push(r.auth);
  h.push(...(r.extra ?? []));
  if (r.body) h.push('Content-Type: application/sdp');
  return sip(`${method} ${r.ruri ?? 'sip:pbx.example'} SIP/2.0`, h, r.body ?? '');
}

/** The answer to a request: copies Via, From, To (with a tag), Call-ID and CSeq. */
function answer(req: Buffer, code: number, reason: string, headers: string[] = [], body = ''): Buffer {
  const lines = req.toString().split('\r\n');
  const keep = lines
    .filter((l) => /^(Via|From|To|Call-ID|CSeq):/i.test(l))
    .map((l) => (/^To:/i.test(l) ? `${l};tag=pbx1` : l));
  if (body) headers = [...headers, 'Content-Type: application/sdp'];
  return sip(`SIP/2.0 ${code} ${reason}`, [...keep, ...headers], body);
}

const digest = (user: string, realm = 'pbx.example') =>
  `Authorization: Digest username="${user}", realm="${realm}", nonce="abc123", uri="sip:pbx.example", response="0123456789abcdef0123456789abcdef", algorithm=MD5`;
const challenge = (stale = false) =>
  `WWW-Authenticate: Digest realm="pbx.example", nonce="n${Math.random()}", qop="auth"${stale ? ', stale=true' : ''}`;

const up = (src: string, at: number, o: Partial<Leg> = {}): Leg => ({ src, dst: PBX, sport: 5070, at, ...o });
const down = (dst: string, at: number, o: Partial<Leg> = {}): Leg => ({
  src: PBX,
  dst,
  dport: 5070,
  at,
  ...o,
});

describe('SIP transaction decoder over HEP', () => {
  it('REGISTER, 401, REGISTER with credentials, 200: a challenge, then a registration with contact, User-Agent and transport', () => {
    const t = tracker({ pbx: 'kam1' });
    const r1 = request({
      user: '1001',
      callId: 'reg1',
      cseq: 1,
      branch: 'z9hG4bK1',
      contact: '<sip:1001@10.1.1.1:5060>',
      ua: 'Yealink SIP-T46U 66.86.0.15',
    });
    const r2 = request({
      user: '1001',
      callId: 'reg1',
      cseq: 2,
      branch: 'z9hG4bK2',
      contact: '<sip:1001@10.1.1.1:5060>;expires=600',
      ua: 'Yealink SIP-T46U 66.86.0.15',
      auth: digest('1001'),
    });
    const evs = run(t, [
      hep(up(PHONE, 0), r1),
      hep(down(PHONE, 0.01), answer(r1, 401, 'Unauthorized', [challenge()])),
      hep(up(PHONE, 0.05), r2),
      hep(down(PHONE, 0.06), answer(r2, 200, 'OK', ['Contact: <sip:1001@10.1.1.1:5060>;expires=600'])),
    ]);
    assert.deepEqual(
      evs.map((e) => [e.kind, e.account, e.source?.ip, e.source?.port, e.source?.transport]),
      [
        ['auth-challenge', '1001', PHONE, 5070, 'udp'],
        ['registration', '1001', PHONE, 5070, 'udp'],
      ],
    );
    const reg = evs[1]!;
    assert.equal(reg.userAgent, 'Yealink SIP-T46U 66.86.0.15');
    assert.equal(reg.contact, 'sip:1001@10.1.1.1:5060');
    assert.equal(reg.pbx, 'kam1');
    assert.equal(reg.time, T0 * 1000 + 60);
    assert.deepEqual(reg.local, { ip: PBX, port: 5060, transport: 'udp' });
    assert.deepEqual(reg.sip, { method: 'REGISTER', code: 200, callId: 'reg1' });
    assert.equal(reg.evidence.decoder, 'sip-transaction');
    assert.equal(reg.evidence.format, 'hep-sip');
    assert.match(reg.evidence.raw, /^REGISTER sip:pbx\.example SIP\/2\.0\n/);
    assert.match(reg.evidence.raw, /\n--> SIP\/2\.0 200 OK$/);
    // the digest response and nonce never reach the evidence (offline guessing)
    assert.doesNotMatch(reg.evidence.raw, /0123456789abcdef|abc123/);
    assert.match(reg.evidence.raw, /username="1001"/);
  });

  it('a REGISTER accepted without credentials (open registrar) is a request, never an authentication', () => {
    const t = tracker();
    const r = request({
      user: '1005',
      callId: 'open',
      cseq: 1,
      branch: 'z9hG4bKo',
      contact: '<sip:1005@10.0.0.1>',
      ua: 'friendly-scanner',
    });
    const evs = run(t, [hep(up(ATTACKER, 0), r), hep(down(ATTACKER, 0.01), answer(r, 200, 'OK'))]);
    assert.deepEqual(
      evs.map((e) => [e.kind, e.account]),
      [['request', '1005']],
    );
    assert.match(evs[0]!.reason!, /without credentials/);
  });

  it('credentials answered 403 = failed auth; the account is the Authorization username, not the To user', () => {
    const t = tracker();
    const r = request({ user: '100', callId: 'c1', cseq: 1, branch: 'z9hG4bKa', auth: digest('admin') });
    const evs = run(t, [hep(up(ATTACKER, 0), r), hep(down(ATTACKER, 0.01), answer(r, 403, 'Forbidden'))]);
    assert.equal(evs.length, 1);
    assert.equal(evs[0]!.kind, 'auth-failure');
    assert.equal(evs[0]!.account, 'admin');
    assert.equal(evs[0]!.source?.ip, ATTACKER);
    assert.equal(evs[0]!.sip?.code, 403);
  });

  it('credentials answered by a new challenge = failed auth (Kamailio, PJSIP); a stale nonce is not a failure', () => {
    const t = tracker();
    const a = request({ user: '1001', callId: 'x', cseq: 2, branch: 'z9hG4bKb1', auth: digest('1001') });
    const b = request({ user: '1001', callId: 'x', cseq: 3, branch: 'z9hG4bKb2', auth: digest('1001') });
    const c = request({ user: '1001', callId: 'x', cseq: 4, branch: 'z9hG4bKb3' });
    const evs = run(t, [
      hep(up(ATTACKER, 0), a),
      hep(down(ATTACKER, 0.01), answer(a, 401, 'Unauthorized', [challenge()])),
      hep(up(ATTACKER, 1), b),
      hep(down(ATTACKER, 1.01), answer(b, 401, 'Unauthorized', [challenge(true)])),
      hep(up(ATTACKER, 2), c),
      hep(down(ATTACKER, 2.01), answer(c, 401, 'Unauthorized', [challenge()])),
    ]);
    assert.deepEqual(
      evs.map((e) => e.kind),
      ['auth-failure', 'auth-challenge', 'auth-challenge'],
    );
    assert.match(evs[0]!.reason!, /new challenge/);
    assert.match(evs[1]!.reason!, /stale/);
  });

  it('404 = unknown user (REGISTER and OPTIONS); other answers are plain requests', () => {
    const t = tracker();
    const r = request({ user: '555', callId: 'u1', cseq: 1, branch: 'z9hG4bKu1' });
    const o = request({
      method: 'OPTIONS',
      ruri: 'sip:556@pbx.example',
      user: '556',
      callId: 'u2',
      cseq: 1,
      branch: 'z9hG4bKu2',
    });
    const o2 = request({
      method: 'OPTIONS',
      ruri: 'sip:pbx.example',
      user: '557',
      callId: 'u3',
      cseq: 1,
      branch: 'z9hG4bKu3',
    });
    const evs = run(t, [
      hep(up(ATTACKER, 0), r),
      hep(down(ATTACKER, 0.01), answer(r, 404, 'Not Found')),
      hep(up(ATTACKER, 0.1), o),
      hep(down(ATTACKER, 0.11), answer(o, 404, 'Not Found')),
      hep(up(ATTACKER, 0.2), o2),
      hep(down(ATTACKER, 0.21), answer(o2, 200, 'OK')),
    ]);
    assert.deepEqual(
      evs.map((e) => [e.kind, e.account, e.sip?.method, e.sip?.code]),
      [
        ['unknown-account', '555', 'REGISTER', 404],
        ['unknown-account', '556', 'OPTIONS', 404],
        ['request', '557', 'OPTIONS', 200],
      ],
    );
  });

  it('injection: From, Contact, Via, User-Agent and other headers naming another address never move the source', () => {
    const t = tracker();
    const victim = '198.51.100.99';
    const r = request({
      user: '1001',
      callId: 'inj',
      cseq: 1,
      branch: 'z9hG4bKinj',
      from: `"${victim}" <sip:1001@${victim}:5060>;tag=1`,
      via: `SIP/2.0/UDP ${victim}:5060;received=${victim};rport=5060;branch=z9hG4bKinj`,
      contact: `<sip:1001@${victim}:5060>`,
      ua: `friendly-scanner ${victim}`,
      auth: digest(`1001@${victim}`),
      extra: [`X-Forwarded-For: ${victim}`, `X-Real-IP: ${victim}`, `Record-Route: <sip:${victim};lr>`],
    });
    const evs = run(t, [hep(up(ATTACKER, 0), r), hep(down(ATTACKER, 0.01), answer(r, 403, 'Forbidden'))]);
    assert.equal(evs.length, 1);
    assert.deepEqual(evs[0]!.source, { ip: ATTACKER, port: 5070, transport: 'udp' });
    assert.equal(evs[0]!.account, `1001@${victim}`, 'the account is data');
    for (const e of evs) assert.notEqual(e.source?.ip, victim);
  });

  it('a response that does not travel from the PBX back to the requester is never trusted (forged 200 OK)', () => {
    const t = tracker();
    const r = request({
      user: '1001',
      callId: 'f1',
      cseq: 1,
      branch: 'z9hG4bKf1',
      auth: digest('1001'),
      contact: '<sip:a@b>',
    });
    const forged = answer(r, 200, 'OK');
    const evs = run(t, [
      hep(up(ATTACKER, 0), r),
      // the attacker sends a "200 OK" for its own transaction to the PBX
      hep(up(ATTACKER, 0.01), forged),
      // or spoofs it from a third address to itself
      hep({ src: '192.0.2.200', dst: ATTACKER, at: 0.02 }, forged),
      hep(down(ATTACKER, 0.03), answer(r, 403, 'Forbidden')),
    ]);
    assert.deepEqual(
      evs.map((e) => e.kind),
      ['auth-failure'],
    );
    assert.equal(t.stats.mismatched, 2);
  });

  it('IPv6 addresses from the HEP chunks, TCP refined to TLS/WS/WSS by the Via or by the policy endpoint', () => {
    const v6pbx = '2001:db8::1';
    const v6phone = '2001:db8:bad::5';
    const policy = policySchema.parse({
      version: 1,
      endpoints: [{ host: v6pbx, transport: 'tls', port: 5061 }],
    });
    const t = new SipTransactionTracker({ policy });
    const reg = (n: number, via: string, dport: number) => {
      const r = request({
        user: `20${n}`,
        callId: `v6-${n}`,
        cseq: 1,
        branch: `z9hG4bKv6${n}`,
        via: `SIP/2.0/${via} [2001:db8:bad::5]:50009;branch=z9hG4bKv6${n}`,
      });
      return [
        hep({ src: v6phone, dst: v6pbx, sport: 50009, dport, proto: 6, at: n }, r),
        hep(
          { src: v6pbx, dst: v6phone, sport: dport, dport: 50009, proto: 6, at: n + 0.01 },
          answer(r, 404, 'Not Found'),
        ),
      ];
    };
    const evs = run(t, [
      ...reg(1, 'TLS', 5062), // Via says TLS over a TCP capture
      ...reg(2, 'WSS', 8089),
      ...reg(3, 'WS', 8088),
      ...reg(4, 'TCP', 5061), // the policy says port 5061 is TLS: the endpoint wins over the Via
      ...reg(5, 'TCP', 5060),
    ]);
    assert.deepEqual(
      evs.map((e) => [e.source?.ip, e.source?.port, e.source?.transport]),
      [
        [v6phone, 50009, 'tls'],
        [v6phone, 50009, 'wss'],
        [v6phone, 50009, 'ws'],
        [v6phone, 50009, 'tls'],
        [v6phone, 50009, 'tcp'],
      ],
    );
    // a UDP capture stays UDP whatever the Via claims
    const r = request({
      user: '300',
      callId: 'u',
      cseq: 1,
      branch: 'z9hG4bKu',
      via: 'SIP/2.0/TLS 10.0.0.1:5061;branch=z9hG4bKu',
    });
    const e2 = run(t, [
      hep({ src: v6phone, dst: v6pbx, at: 10 }, r),
      hep({ src: v6pbx, dst: v6phone, at: 10.01 }, answer(r, 404, 'Not Found')),
    ]);
    assert.equal(e2[0]!.source?.transport, 'udp');
  });

  it('INVITE: destination and outcome (answered, rejected, failed), media protection, call-ended on BYE', () => {
    const t = tracker();
    const sdp = (proto: string, extra = '') =>
      `v=0\r\no=- 1 1 IN IP4 10.1.1.1\r\ns=-\r\nc=IN IP4 10.1.1.1\r\nt=0 0\r\nm=audio 4000 ${proto} 0 8\r\n${extra}`;
    const pauth = (u: string) => digest(u).replace(/^Authorization/, 'Proxy-Authorization');
    const inv = (n: number, dest: string, offer: string) =>
      request({
        method: 'INVITE',
        ruri: `sip:${dest}@pbx.example`,
        user: '1001',
        callId: `call${n}`,
        cseq: 1,
        branch: `z9hG4bKi${n}`,
        auth: pauth('1001'),
        ua: 'Yealink',
        body: offer,
      });
    const plain = inv(1, '0044201234567', sdp('RTP/AVP'));
    const sdes = inv(
      2,
      '2000',
      sdp(
        'RTP/SAVP',
        'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n',
      ),
    );
    const dtls = inv(3, '2001', sdp('UDP/TLS/RTP/SAVPF', 'a=fingerprint:sha-256 AB:CD\r\n'));
    const rej = inv(4, '0900123456', sdp('RTP/AVP'));
    const busy = inv(5, '2002', sdp('RTP/AVP'));
    const bye = sip('BYE sip:1001@10.1.1.1 SIP/2.0', [
      'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKbye',
      'From: <sip:dest@pbx.example>;tag=pbx1',
      'To: <sip:1001@pbx.example>;tag=fcall1',
      'Call-ID: call1',
      'CSeq: 1 BYE',
    ]);
    const evs = run(t, [
      hep(up(PHONE, 0), plain),
      hep(down(PHONE, 0.01), answer(plain, 100, 'Trying')),
      hep(down(PHONE, 0.5), answer(plain, 180, 'Ringing')),
      hep(down(PHONE, 5), answer(plain, 200, 'OK', [], sdp('RTP/AVP'))),
      hep(down(PHONE, 5.5), answer(plain, 200, 'OK', [], sdp('RTP/AVP'))), // retransmission
      hep(up(PHONE, 6), sdes),
      hep(
        down(PHONE, 6.1),
        answer(
          sdes,
          200,
          'OK',
          [],
          sdp(
            'RTP/SAVP',
            'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB\r\n',
          ),
        ),
      ),
      hep(up(PHONE, 7), dtls),
      hep(down(PHONE, 7.1), answer(dtls, 200, 'OK')), // no answer SDP: the offer tells
      hep(up(PHONE, 8), rej),
      hep(down(PHONE, 8.1), answer(rej, 404, 'Not Found')),
      hep(up(PHONE, 9), busy),
      hep(down(PHONE, 9.1), answer(busy, 486, 'Busy Here')),
      // the PBX side hangs up call1: call-ended for the caller's account and address
      hep(down(PHONE, 60), bye),
    ]);
    assert.deepEqual(
      evs.map((e) => [e.kind, e.account, e.destination, e.sip?.code, e.media?.protection]),
      [
        ['call-attempt', '1001', '0044201234567', 200, undefined],
        ['media-negotiated', '1001', '0044201234567', 200, 'none'],
        ['call-attempt', '1001', '2000', 200, undefined],
        ['media-negotiated', '1001', '2000', 200, 'sdes-srtp'],
        ['call-attempt', '1001', '2001', 200, undefined],
        ['media-negotiated', '1001', '2001', 200, 'dtls-srtp'],
        ['call-rejected', '1001', '0900123456', 404, undefined],
        ['request', '1001', '2002', 486, undefined],
        ['call-ended', '1001', '0044201234567', undefined, undefined],
      ],
    );
    for (const e of evs) assert.equal(e.source?.ip, PHONE);
    assert.match(evs[0]!.reason!, /answered/);
    assert.doesNotMatch(
      JSON.stringify(evs),
      /AAAAAAAAAAAAAAAA|BBBBBBBBBBBBBB/,
      'SDES keys never reach events',
    );
  });

  it('unanswered requests become request events at their own time after the timeout (event time, not wall time)', () => {
    const t = tracker();
    const r = request({ user: '1001', callId: 'lost', cseq: 1, branch: 'z9hG4bKl' });
    assert.deepEqual(run(t, [hep(up(ATTACKER, 0), r)]), []);
    assert.deepEqual(t.expire(T0 * 1000 + 31_000), []);
    const late = t.expire(T0 * 1000 + 32_000);
    assert.equal(late.length, 1);
    assert.equal(late[0]!.kind, 'request');
    assert.equal(late[0]!.time, T0 * 1000);
    assert.match(late[0]!.reason!, /no final answer within 32 s/);
    // expiry also runs on the next capture
    const r2 = request({ user: '1002', callId: 'lost2', cseq: 1, branch: 'z9hG4bKl2' });
    const r3 = request({ user: '1003', callId: 'lost3', cseq: 1, branch: 'z9hG4bKl3' });
    run(t, [hep(up(ATTACKER, 100), r2)]);
    const evs = run(t, [hep(up(ATTACKER, 140), r3)]);
    assert.deepEqual(
      evs.map((e) => e.account),
      ['1002'],
    );
  });

  it('state is bounded: the oldest open transactions are reported as unanswered when the table is full', () => {
    const t = tracker({ maxTransactions: 3 });
    const caps = [];
    for (let i = 0; i < 10; i++)
      caps.push(
        hep(
          up(ATTACKER, i * 0.01),
          request({ user: `${100 + i}`, callId: `b${i}`, cseq: 1, branch: `z9hG4bKb${i}` }),
        ),
      );
    const evs = run(t, caps);
    assert.equal(evs.length, 7);
    assert.equal(t.stats.open, 3);
    assert.ok(evs.every((e) => e.kind === 'request' && e.source?.ip === ATTACKER));
    assert.deepEqual(
      t.flush().map((e) => e.account),
      ['107', '108', '109'],
    );
  });

  it('retransmitted requests and answers count once', () => {
    const t = tracker();
    const r = request({ user: '1001', callId: 'rt', cseq: 1, branch: 'z9hG4bKrt', auth: digest('1001') });
    const a = answer(r, 403, 'Forbidden');
    const evs = run(t, [
      hep(up(ATTACKER, 0), r),
      hep(up(ATTACKER, 0.5), r),
      hep(down(ATTACKER, 0.6), a),
      hep(down(ATTACKER, 1), a),
    ]);
    assert.equal(evs.length, 1);
  });

  it('direction: requests the PBX sends (trunk registration) are not the remote party; the HEP agent tells the PBX side', () => {
    const trunk = '203.0.113.200';
    const r = request({
      user: 'pbxaccount',
      callId: 'out',
      cseq: 1,
      branch: 'z9hG4bKout',
      auth: digest('pbxaccount'),
    });
    const legs = [
      hep({ src: PBX, dst: trunk, at: 0 }, r),
      hep({ src: trunk, dst: PBX, at: 0.1 }, answer(r, 403, 'Forbidden')),
    ];
    // configured PBX address
    assert.deepEqual(run(tracker(), legs), []);
    // --pbx-address IP:PORT must match the port too
    assert.equal(run(new SipTransactionTracker({ pbxAddresses: [`${PBX}:5080`] }), legs).length, 1);
    // no configuration: the HEP sender (capture agent on the PBX host) tells
    const withAgent = [
      hep({ src: PBX, dst: trunk, at: 0 }, r, { agent: PBX }),
      hep({ src: trunk, dst: PBX, at: 0.1 }, answer(r, 403, 'Forbidden'), { agent: PBX }),
    ];
    assert.deepEqual(run(new SipTransactionTracker(), withAgent), []);
    // nothing known: the receiver of the request is taken as the PBX (documented fallback)
    const fallback = run(new SipTransactionTracker(), legs);
    assert.equal(fallback.length, 1);
    assert.equal(fallback[0]!.source?.ip, PBX);
    assert.throws(() => parsePbxAddress('pbx.example.com'), /HL_ERR_USAGE|not an IP/);
    assert.deepEqual(parsePbxAddress('[2001:db8::1]:5061'), {
      ip: '2001:db8::1',
      port: 5061,
      matchPort: true,
    });
  });

  it('several messages in one TCP payload; malformed SIP is reported, never thrown', () => {
    const t = tracker();
    const a = request({ user: '1', callId: 't1', cseq: 1, branch: 'z9hG4bKt1' });
    const b = request({ user: '2', callId: 't2', cseq: 1, branch: 'z9hG4bKt2' });
    run(t, [hep({ src: ATTACKER, dst: PBX, proto: 6, at: 0 }, Buffer.concat([a, b]))]);
    const evs = run(t, [
      hep(
        { src: PBX, dst: ATTACKER, proto: 6, at: 0.1 },
        Buffer.concat([answer(a, 404, 'Not Found'), answer(b, 404, 'Not Found')]),
      ),
    ]);
    assert.deepEqual(
      evs.map((e) => [e.account, e.source?.transport]),
      [
        ['1', 'tcp'],
        ['2', 'tcp'],
      ],
    );
    const bad = t.decode(hep(up(ATTACKER, 1), Buffer.from('\u0000\u0001garbage\r\n\r\n')));
    assert.ok('undecoded' in bad && /malformed SIP/.test(bad.undecoded));
    assert.equal(t.stats.malformed, 1);
  });

  it('through the detectors: svcrack-style guessing (one Call-ID) and an svwar sweep name the attacker; the phone raises nothing', async () => {
    const policy = policySchema.parse({
      version: 1,
      endpoints: [{ host: PBX, transport: 'udp', port: 5060 }],
    });
    const incidents: { detector: string; source?: string }[] = [];
    const p = await Pipeline.create({
      policy,
      sinks: [{ incident: (i) => incidents.push({ detector: i.detector, source: i.decision.source }) }],
    });
    const t = new SipTransactionTracker({ policy });
    const feed = (c: SipCapture) => {
      const r = t.decode(c);
      if ('events' in r) for (const e of r.events) p.event(e);
    };
    const cracker = '203.0.113.77';
    const sweeper = '203.0.113.66';
    let at = 0;
    // the phone registers now and then
    for (let k = 0; k < 3; k++) {
      const r = request({
        user: '1001',
        callId: `ph${k}`,
        cseq: 1,
        branch: `z9hG4bKph${k}a`,
        contact: '<sip:1001@10.1.1.1>',
        ua: 'Yealink',
      });
      const r2 = request({
        user: '1001',
        callId: `ph${k}`,
        cseq: 2,
        branch: `z9hG4bKph${k}b`,
        contact: '<sip:1001@10.1.1.1>',
        ua: 'Yealink',
        auth: digest('1001'),
      });
      feed(hep(up(PHONE, at), r));
      feed(hep(down(PHONE, at + 0.01), answer(r, 401, 'Unauthorized', [challenge()])));
      feed(hep(up(PHONE, at + 0.02), r2));
      feed(hep(down(PHONE, at + 0.03), answer(r2, 200, 'OK')));
      at += 20;
    }
    // svcrack: one Call-ID, a new CSeq per guess, each answered by a fresh challenge
    for (let i = 0; i < 12; i++) {
      const r = request({
        user: '1001',
        callId: 'svcrack-one-call-id',
        cseq: i + 2,
        branch: `z9hG4bKc${i}`,
        ua: 'friendly-scanner',
        auth: digest('1001'),
        from: `<sip:1001@${PHONE}>;tag=x`,
      });
      feed(hep(up(cracker, 70 + i), r));
      feed(hep(down(cracker, 70 + i + 0.01), answer(r, 401, 'Unauthorized', [challenge()])));
    }
    // svwar: REGISTER sweep 1000..1012, all challenged alike (not enumerable by answers, still a sweep)
    for (let i = 0; i < 13; i++) {
      const r = request({
        user: `${1000 + i}`,
        callId: `w${i}`,
        cseq: 1,
        branch: `z9hG4bKw${i}`,
        ua: 'friendly-scanner',
      });
      feed(hep(up(sweeper, 100 + i * 0.2), r));
      feed(hep(down(sweeper, 100 + i * 0.2 + 0.01), answer(r, 401, 'Unauthorized', [challenge()])));
    }
    const by = (d: string) => incidents.filter((i) => i.detector === d).map((i) => i.source);
    assert.deepEqual(by('brute-force'), [cracker]);
    assert.ok(by('enumeration').includes(sweeper), JSON.stringify(incidents));
    assert.ok(
      incidents.every((i) => i.source !== PHONE),
      `nothing against the phone: ${JSON.stringify(incidents)}`,
    );
  });
});
