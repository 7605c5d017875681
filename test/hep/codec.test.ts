import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import { CHUNK, decodeHep, encodeHep, type HepPacket, HepStreamDecoder } from '../../src/hep/codec.js';

const full: HepPacket = {
  ipProto: 17,
  srcIp: '203.0.113.5',
  dstIp: '192.0.2.1',
  srcPort: 5070,
  dstPort: 5060,
  timeSec: 1764000000,
  timeUsec: 123456,
  protoType: 1,
  captureId: 2001,
  keepalive: 30,
  authKey: 's3cret',
  payload: Buffer.from('REGISTER sip:pbx SIP/2.0\r\nVia: x\r\n\r\n'),
  correlationId: 'call-1@host',
  vlan: 42,
  nodeName: 'kamailio-1',
};

function ok(buf: Buffer, opts = {}) {
  const r = decodeHep(buf, opts);
  if (!r.ok) assert.fail(`${r.error.code}: ${r.error.message}`);
  return r.packet;
}

/** Builds a raw packet from chunks [type, value]. */
function raw(chunks: [number, Buffer][], totalOverride?: number): Buffer {
  const parts = chunks.map(([t, v]) => {
    const h = Buffer.alloc(6);
    h.writeUInt16BE(0, 0);
    h.writeUInt16BE(t, 2);
    h.writeUInt16BE(v.length + 6, 4);
    return Buffer.concat([h, v]);
  });
  const body = Buffer.concat(parts);
  const head = Buffer.from('HEP3\0\0', 'latin1');
  head.writeUInt16BE(totalOverride ?? body.length + 6, 4);
  return Buffer.concat([head, body]);
}

describe('HEP v3 codec', () => {
  it('round-trips every chunk type over IPv4', () => {
    const p = ok(encodeHep(full));
    assert.deepEqual(
      { ...p, payload: p.payload?.toString() },
      { ...full, family: 4, payload: full.payload!.toString() },
    );
  });

  it('round-trips IPv6 addresses in RFC 5952 form, and IPv4-embedded tails', () => {
    const p = ok(
      encodeHep({
        srcIp: '2001:db8:0:0:0:0:0:1',
        dstIp: '2001:db8::a:0:0:5',
        srcPort: 1,
        dstPort: 2,
        protoType: 100,
      }),
    );
    assert.equal(p.family, 6);
    assert.equal(p.srcIp, '2001:db8::1');
    assert.equal(p.dstIp, '2001:db8::a:0:0:5');
    assert.equal(ok(encodeHep({ srcIp: '::ffff:192.0.2.1', dstIp: '::1' })).srcIp, '::ffff:c000:201');
  });

  it('inflates compressed payloads (chunk 16), zlib and gzip', () => {
    const text = 'x'.repeat(5000);
    assert.equal(
      ok(encodeHep({ srcIp: '1.2.3.4', payload: Buffer.from(text), compress: true })).payload?.toString(),
      text,
    );
    const p = ok(raw([[CHUNK.compressedPayload, (deflateSync as typeof deflateSync)(Buffer.from('abc'))]]));
    assert.equal(p.payload?.toString(), 'abc');
    assert.equal(p.compressed, true);
  });

  it('checks the auth key when one is required', () => {
    assert.equal(ok(encodeHep(full), { authKey: 's3cret' }).authKey, 's3cret');
    const wrong = decodeHep(encodeHep(full), { authKey: 'other' });
    assert.equal(wrong.ok, false);
    assert.equal(!wrong.ok && wrong.error.code, 'HEP_AUTH');
    const none = decodeHep(encodeHep({ ...full, authKey: undefined }), { authKey: 's3cret' });
    assert.equal(!none.ok && none.error.code, 'HEP_AUTH');
  });

  it('keeps chunks of other vendors', () => {
    const p = ok(
      encodeHep({ srcIp: '1.2.3.4', extra: [{ vendor: 3, type: 7, value: Buffer.from([1, 2]) }] }),
    );
    assert.deepEqual(p.extra, [{ vendor: 3, type: 7, value: Buffer.from([1, 2]) }]);
  });

  it('returns typed errors for malformed packets and never throws', () => {
    const cases: [Buffer, string][] = [
      [Buffer.from('HEP'), 'HEP_TOO_SHORT'],
      [Buffer.from('HEP2\0\x06'), 'HEP_BAD_MAGIC'],
      [raw([], 3), 'HEP_BAD_LENGTH'],
      [raw([[CHUNK.srcPort, Buffer.from([1, 2])]], 200), 'HEP_BAD_LENGTH'],
      [Buffer.concat([Buffer.from('HEP3\0\x0b'), Buffer.from([0, 0, 0, 7, 0, 2])]), 'HEP_BAD_CHUNK'],
      [raw([[CHUNK.srcIp4, Buffer.from([1, 2, 3])]]), 'HEP_BAD_VALUE'],
      [raw([[CHUNK.ipFamily, Buffer.from([7])]]), 'HEP_BAD_VALUE'],
      [raw([[CHUNK.srcIp6, Buffer.alloc(4)]]), 'HEP_BAD_VALUE'],
      [raw([[CHUNK.compressedPayload, Buffer.from('not zlib')]]), 'HEP_INFLATE'],
    ];
    for (const [buf, code] of cases) {
      const r = decodeHep(buf);
      assert.equal(r.ok, false, code);
      assert.equal(!r.ok && r.error.code, code);
    }
    // random garbage: never throws
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.from(encodeHep(full));
      for (let k = 0; k < 4; k++) b[Math.floor(Math.random() * b.length)] = Math.floor(Math.random() * 256);
      decodeHep(b.subarray(0, Math.floor(Math.random() * b.length)));
      decodeHep(b);
    }
  });

  it('splits a TCP stream, resyncing after garbage', () => {
    const got: string[] = [];
    const s = new HepStreamDecoder({}, (r) => got.push(r.ok ? r.packet.payload!.toString() : r.error.code));
    const a = encodeHep({ srcIp: '1.2.3.4', payload: Buffer.from('one') });
    const b = encodeHep({ srcIp: '1.2.3.4', payload: Buffer.from('two') });
    const stream = Buffer.concat([a, Buffer.from('junk!'), b, a]);
    for (let i = 0; i < stream.length; i += 7) s.push(stream.subarray(i, i + 7));
    assert.deepEqual(got, ['one', 'HEP_BAD_MAGIC', 'two', 'one']);
  });
});
