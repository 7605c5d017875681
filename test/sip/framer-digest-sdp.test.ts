import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { invite, register } from '../../bench/sip-corpus.js';
import { digestAuthorization, parseAuthParams, parseChallenge } from '../../src/sip/digest.js';
import { contentLengthOf, StreamFramer } from '../../src/sip/framer.js';
import { analyzeSdp } from '../../src/sip/sdp.js';

function framed(framer: StreamFramer, chunks: Buffer[]) {
  const out = [];
  for (const c of chunks) out.push(...framer.push(c));
  return out;
}

describe('stream framer', () => {
  const stream = Buffer.from(`\r\n\r\n${register(1)}${invite(2)}\r\n${register(3)}`);
  it('frames several messages per chunk and skips CRLF keep-alives', () => {
    const ev = framed(new StreamFramer(), [stream]);
    const msgs = ev.filter((e) => e.type === 'message');
    assert.equal(msgs.length, 3);
    assert.equal(ev[0]!.type, 'keepalive');
    assert.deepEqual(
      msgs.map((m) => m.type === 'message' && m.message.method),
      ['REGISTER', 'INVITE', 'REGISTER'],
    );
    const inv = msgs[1]!;
    assert.ok(inv.type === 'message' && inv.message.bodyText().startsWith('v=0'));
  });
  it('gives the same result whatever the chunking (byte by byte, random splits)', () => {
    const f = new StreamFramer();
    const ev = framed(
      f,
      [...stream].map((b) => Buffer.from([b])),
    );
    assert.equal(ev.filter((e) => e.type === 'message').length, 3);
    assert.equal(f.pending, 0);
    for (let seed = 1; seed < 30; seed++) {
      const chunks: Buffer[] = [];
      let i = 0;
      let x = seed;
      while (i < stream.length) {
        x = (x * 1103515245 + 12345) & 0x7fffffff;
        const len = 1 + (x % 400);
        chunks.push(stream.subarray(i, i + len));
        i += len;
      }
      const got = framed(new StreamFramer(), chunks).filter((e) => e.type === 'message');
      assert.equal(got.length, 3, `seed ${seed}`);
    }
  });
  it('waits for the body, then reports a missing Content-Length as an unrecoverable error', () => {
    const f = new StreamFramer();
    const text = invite(9);
    assert.equal(f.push(Buffer.from(text.slice(0, text.length - 5))).length, 0);
    assert.equal(f.push(Buffer.from(text.slice(text.length - 5))).length, 1);
    const g = new StreamFramer();
    const ev = g.push(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h\r\n\r\n'));
    assert.equal(ev[0]?.type, 'error');
    assert.ok(g.failed);
    assert.deepEqual(g.push(Buffer.from(register(1))), [], 'nothing after a framing error');
  });
  it('bounds the header block and body size', () => {
    const f = new StreamFramer({ maxHeaderBytes: 1024 });
    const ev = f.push(Buffer.from(`OPTIONS sip:a@b SIP/2.0\r\nX: ${'a'.repeat(2000)}`));
    assert.ok(ev[0]?.type === 'error' && ev[0].error.code === 'HL_SIP_TOO_LARGE');
    const g = new StreamFramer({ maxBodyBytes: 10 });
    const ev2 = g.push(Buffer.from('MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 11\r\n\r\n'));
    assert.ok(ev2[0]?.type === 'error' && ev2[0].error.code === 'HL_SIP_TOO_LARGE');
  });
  it('reads Content-Length in long and compact form', () => {
    assert.equal(contentLengthOf('INVITE x SIP/2.0\r\nl: 12\r\n'), 12);
    assert.equal(contentLengthOf('INVITE x SIP/2.0\r\ncontent-LENGTH : 3'), 3);
    assert.equal(contentLengthOf('INVITE x SIP/2.0\r\nContent-Length: 3\r\nl: 4'), undefined);
    assert.equal(contentLengthOf('INVITE x SIP/2.0\r\nX: 1'), undefined);
  });
});

describe('digest authentication (client side)', () => {
  it('MD5 with qop=auth matches RFC 2617 section 3.5', () => {
    const ch = parseChallenge(
      'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    );
    assert.ok(ch);
    assert.deepEqual(ch.qop, ['auth', 'auth-int']);
    const v = digestAuthorization({
      method: 'GET',
      uri: '/dir/index.html',
      challenge: ch,
      credentials: { username: 'Mufasa', password: 'Circle Of Life' },
      cnonce: '0a4f113b',
    });
    assert.ok(v);
    assert.match(v, /response="6629fae49393a05397450978507c4ef1"/);
    assert.match(v, /qop=auth, nc=00000001, cnonce="0a4f113b"/);
    assert.match(v, /opaque="5ccc069c403ebaf9f0171e9517f40e41"/);
    assert.ok(!v.includes('Circle'), 'the password never appears');
  });
  it('SHA-256 with qop=auth matches RFC 7616 section 3.9.1', () => {
    const ch = parseChallenge(
      'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
    );
    assert.ok(ch && ch.algorithm === 'SHA-256');
    const v = digestAuthorization({
      method: 'GET',
      uri: '/dir/index.html',
      challenge: ch,
      credentials: { username: 'Mufasa', password: 'Circle of Life' },
      cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
    });
    assert.match(v!, /response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"/);
  });
  it('without qop uses the RFC 2069 form; refuses unknown algorithms and auth-int only', () => {
    const ch = parseChallenge('Digest realm="r", nonce="n"')!;
    const v = digestAuthorization({
      method: 'REGISTER',
      uri: 'sip:r',
      challenge: ch,
      credentials: { username: 'u', password: 'p' },
    });
    assert.ok(v && !v.includes('qop=') && !v.includes('cnonce'));
    assert.equal(
      digestAuthorization({
        method: 'X',
        uri: 'u',
        challenge: parseChallenge('Digest realm="r", nonce="n", algorithm=SHA-512-256')!,
        credentials: { username: 'u', password: 'p' },
      }),
      undefined,
    );
    assert.equal(
      digestAuthorization({
        method: 'X',
        uri: 'u',
        challenge: parseChallenge('Digest realm="r", nonce="n", qop="auth-int"')!,
        credentials: { username: 'u', password: 'p' },
      }),
      undefined,
    );
    assert.equal(parseChallenge('Basic realm="r"'), undefined);
    assert.equal(parseChallenge('Digest nonce="n"'), undefined);
  });
  it('parses auth params with quoted commas and escapes', () => {
    assert.deepEqual(
      { ...parseAuthParams('realm="a,b", nonce="x\\"y", stale=TRUE, flag') },
      { realm: 'a,b', nonce: 'x"y', stale: 'TRUE', flag: '' },
    );
  });
});

describe('SDP analysis', () => {
  const base = ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0'];
  it('plain RTP/AVP is not encrypted', () => {
    const s = analyzeSdp([...base, 'm=audio 4000 RTP/AVP 0 8 101', ''].join('\r\n'));
    assert.ok(s.ok && !s.allEncrypted);
    assert.equal(s.media[0]!.protocol, 'RTP/AVP');
    assert.equal(s.media[0]!.keying, 'none');
    assert.deepEqual(s.media[0]!.payloads, ['0', '8', '101']);
  });
  it('RTP/SAVP with a=crypto is SDES; weak suites are listed', () => {
    const s = analyzeSdp(
      [
        ...base,
        'm=audio 4000 RTP/SAVP 0',
        'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32',
        'a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32',
        '',
      ].join('\r\n'),
    );
    assert.ok(s.allEncrypted);
    assert.deepEqual(s.media[0]!.cryptoSuites, ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32']);
    assert.deepEqual(s.weakSuites, ['AES_CM_128_HMAC_SHA1_32']);
    assert.ok(!JSON.stringify(s).includes('PS1uQ'), 'keys are never kept');
  });
  it('DTLS-SRTP with a session-level fingerprint; SAVP without keys is plain', () => {
    const s = analyzeSdp(
      [...base, 'a=fingerprint:sha-256 AB:CD', 'm=audio 9 UDP/TLS/RTP/SAVPF 111', ''].join('\r\n'),
    );
    assert.ok(s.allEncrypted && s.media[0]!.keying === 'dtls' && s.media[0]!.fingerprint === 'sha-256');
    const t = analyzeSdp([...base, 'm=audio 4000 RTP/SAVP 0', ''].join('\r\n'));
    assert.ok(!t.allEncrypted && t.media[0]!.plain);
  });
  it('garbage is reported, not thrown', () => {
    assert.equal(analyzeSdp('hello').ok, false);
  });
});
