import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { HardlineError } from '../../src/core/errors.js';
import { encodeHep } from '../../src/hep/codec.js';
import { Defragmenter, decodeFrame, LINKTYPE } from '../../src/pcap/packet.js';
import { type PcapRecord, readPcap } from '../../src/pcap/reader.js';
import { TcpStream } from '../../src/pcap/tcp.js';
import { policySchema } from '../../src/policy/schema.js';
import { runBacktest } from '../../src/watch/backtest.js';
import { emptyPcapStats, type PcapItem, pcapItems } from '../../src/watch/sources/pcap.js';
import { ROOT } from '../helpers.js';
import {
  classicPcap,
  ethernet,
  ipv4,
  ipv6,
  nrb,
  nullLink,
  pcapngSection,
  type Rec,
  sll,
  sll2,
  TCP,
  tcp,
  udp,
} from './writer.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hl-pcap-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const T = 1_764_000_000_000;
let n = 0;
const file = (bytes: Buffer) => {
  const f = path.join(dir, `c${n++}.pcap`);
  writeFileSync(f, bytes);
  return f;
};

async function records(f: string): Promise<PcapRecord[]> {
  const out: PcapRecord[] = [];
  for await (const r of readPcap(f, { chunkBytes: 64 })) out.push(r);
  return out;
}

async function items(f: string) {
  const stats = emptyPcapStats();
  const out: PcapItem[] = [];
  for await (const b of pcapItems(f, stats)) out.push(...b);
  return { stats, items: out };
}

async function pcapError(bytes: Buffer): Promise<HardlineError> {
  try {
    await records(file(bytes));
  } catch (e) {
    assert.ok(e instanceof HardlineError, `a HardlineError, not ${(e as Error).stack}`);
    return e;
  }
  assert.fail('expected an error');
}

function sipMsg(start: string, headers: string[], body = ''): Buffer {
  return Buffer.from(
    `${[start, ...headers, `Content-Length: ${Buffer.byteLength(body)}`].join('\r\n')}\r\n\r\n${body}`,
  );
}

const register = (user: string, callId: string, cseq: number, extra: string[] = []) =>
  sipMsg('REGISTER sip:192.0.2.1 SIP/2.0', [
    `Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK${callId}${cseq}`,
    `From: <sip:${user}@192.0.2.1>;tag=a`,
    `To: <sip:${user}@192.0.2.1>`,
    `Call-ID: ${callId}`,
    `CSeq: ${cseq} REGISTER`,
    ...extra,
  ]);

const reply = (req: Buffer, code: number, reason: string, extra: string[] = []) =>
  sipMsg(`SIP/2.0 ${code} ${reason}`, [
    ...req
      .toString()
      .split('\r\n')
      .filter((l) => /^(Via|From|To|Call-ID|CSeq):/.test(l))
      .map((l) => (l.startsWith('To:') ? `${l};tag=srv` : l)),
    ...extra,
  ]);

const udp4 = (src: string, dst: string, sport: number, dport: number, payload: Buffer) =>
  ipv4(src, dst, 17, udp(sport, dport, payload))[0]!;

describe('capture files: classic pcap and pcapng', () => {
  const frames = [
    ethernet(udp4('203.0.113.5', '192.0.2.1', 5070, 5060, Buffer.from('one'))),
    ethernet(udp4('203.0.113.5', '192.0.2.1', 5070, 5060, Buffer.from('two'))),
  ];
  const recs: Rec[] = [
    { time: T + 0.123456, data: frames[0]! },
    { time: T + 1500.5, data: frames[1]!, origLen: 4000 },
  ];

  for (const endian of ['le', 'be'] as const)
    for (const nano of [false, true])
      it(`classic pcap, ${endian === 'le' ? 'little' : 'big'}-endian, ${nano ? 'nano' : 'micro'}seconds`, async () => {
        const got = await records(file(classicPcap(recs, { endian, nano })));
        assert.deepEqual(
          got.map((r) => [r.time, r.linkType, r.data.equals(recs[r.frame - 1]!.data), r.origLen, r.frame]),
          [
            [T, 1, true, frames[0]!.length, 1],
            [T + 1500, 1, true, 4000, 2],
          ],
        );
        assert.equal(got[1]!.offset, 24 + 16 + frames[0]!.length);
      });

  for (const endian of ['le', 'be'] as const)
    it(`pcapng ${endian}: SHB, IDB (default and nanosecond resolution), EPB, SPB, skipped blocks, a second section`, async () => {
      const raw4 = udp4('203.0.113.5', '192.0.2.1', 5070, 5060, Buffer.from('raw'));
      const a = pcapngSection(
        [{ linkType: 1 }, { linkType: 101, tsresol: 9 }],
        [
          { epb: recs[0]! },
          { raw: nrb(endian) },
          { epb: { time: T + 2000.000001, data: raw4 }, iface: 1 },
          { spb: frames[1]! },
        ],
        { endian },
      );
      const b = pcapngSection(
        [{ linkType: 113, tsresol: 0x8a }],
        [{ epb: { time: T + 5000, data: sll(raw4) } }],
        {
          endian: endian === 'le' ? 'be' : 'le',
        },
      );
      const got = await records(file(Buffer.concat([a, b])));
      assert.deepEqual(
        got.map((r) => [r.frame, r.time, r.linkType, r.data.length]),
        [
          [1, T, 1, frames[0]!.length],
          [2, T + 2000, 101, raw4.length],
          // a Simple Packet Block has no timestamp: the previous one is carried
          [3, T + 2000, 1, frames[1]!.length],
          [4, T + 5000, 113, raw4.length + 16],
        ],
      );
    });

  it('malformed and truncated files give HL_ERR_PCAP with the byte offset', async () => {
    const good = classicPcap(recs);
    const cases: [Buffer, RegExp][] = [
      [Buffer.from('hello world, not a capture at all'), /byte offset 0: not a pcap or pcapng file/],
      [good.subarray(0, 3), /byte offset 0: file of 3 bytes is too short/],
      [good.subarray(0, 20), /byte offset 0: truncated file header/],
      [good.subarray(0, 30), /byte offset 24: truncated record header \(6 of 16 bytes\)/],
      [good.subarray(0, 24 + 16 + 10), /byte offset 24: truncated record: \d+ bytes announced, 10 left/],
    ];
    const huge = Buffer.from(good);
    huge.writeUInt32LE(0x7fffffff, 24 + 8);
    cases.push([huge, /byte offset 24: record of 2147483647 captured bytes exceeds the limit/]);
    const badVersion = Buffer.from(good);
    badVersion.writeUInt16LE(3, 4);
    cases.push([badVersion, /byte offset 4: unsupported pcap version 3/]);
    const ng = pcapngSection([{ linkType: 1 }], [{ epb: recs[0]! }]);
    const idbAt = 28;
    const epbAt = idbAt + ng.readUInt32LE(idbAt + 4);
    const badLen = Buffer.from(ng);
    badLen.writeUInt32LE(13, epbAt + 4);
    cases.push([badLen, new RegExp(`byte offset ${epbAt + 4}: block length 13 is invalid`)]);
    const badTrailer = Buffer.from(ng);
    badTrailer.writeUInt32LE(4, ng.length - 4);
    cases.push([badTrailer, new RegExp(`byte offset ${ng.length - 4}: block trailer length 4 differs`)]);
    cases.push([ng.subarray(0, ng.length - 8), new RegExp(`byte offset ${epbAt}: truncated block`)]);
    const badBom = Buffer.from(ng);
    badBom.writeUInt32LE(0xdeadbeef, 8);
    cases.push([badBom, /byte offset 8: section header without a valid byte-order magic/]);
    const noIface = Buffer.concat([ng.subarray(0, idbAt), ng.subarray(epbAt)]);
    cases.push([noIface, /byte offset 36: packet names interface 0, which was not described/]);
    for (const [bytes, re] of cases) {
      const e = await pcapError(bytes);
      assert.equal(e.code, 'HL_ERR_PCAP');
      assert.match(e.message, re);
    }
  });

  it('never crashes: every truncation and random corruption ends normally or with HL_ERR_PCAP', async () => {
    const sipFrame = ethernet(udp4('203.0.113.5', '192.0.2.1', 5070, 5060, register('100', 'fz', 1)));
    const tcpFrame = sll2(
      ipv4('203.0.113.5', '192.0.2.1', 6, tcp(40000, 5060, 1, TCP.ACK, register('101', 'fz', 2)))[0]!,
    );
    const bases = [
      classicPcap([
        { time: T, data: sipFrame },
        { time: T + 1, data: tcpFrame },
      ]),
      Buffer.concat([
        pcapngSection(
          [{ linkType: 1 }, { linkType: 276 }],
          [{ epb: { time: T, data: sipFrame } }, { epb: { time: T, data: tcpFrame }, iface: 1 }],
        ),
      ]),
    ];
    let seed = 12345;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    let errors = 0;
    let clean = 0;
    for (const base of bases) {
      const variants: Buffer[] = [];
      for (let len = 0; len < base.length; len += 7) variants.push(base.subarray(0, len));
      for (let k = 0; k < 150; k++) {
        const b = Buffer.from(base);
        for (let j = 0; j < 1 + Math.floor(rnd() * 4); j++)
          b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
        variants.push(b);
      }
      for (const v of variants) {
        const f = file(v);
        try {
          for await (const _ of pcapItems(f)) {
            /* drain */
          }
          clean++;
        } catch (e) {
          assert.ok(
            e instanceof HardlineError && e.code === 'HL_ERR_PCAP',
            `unexpected ${(e as Error).stack}`,
          );
          assert.match(e.message, /byte offset \d+/);
          errors++;
        }
      }
    }
    assert.ok(errors > 50 && clean > 50, `both outcomes exercised (${errors} errors, ${clean} clean)`);
  });
});

describe('frames: link layers, IP, fragments, TCP reassembly', () => {
  const payload = Buffer.from('OPTIONS sip:x SIP/2.0\r\n\r\n');
  const v4 = udp4('203.0.113.5', '192.0.2.1', 5070, 5060, payload);
  const v6 = ipv6('2001:db8:bad::5', '2001:db8::1', 17, udp(50009, 5060, payload))[0]!;
  const cases: [string, number, Buffer, string][] = [
    ['Ethernet', LINKTYPE.ETHERNET, ethernet(v4), '203.0.113.5'],
    ['Ethernet 802.1Q', LINKTYPE.ETHERNET, ethernet(v4, [42]), '203.0.113.5'],
    ['Ethernet QinQ, IPv6', LINKTYPE.ETHERNET, ethernet(v6, [100, 42]), '2001:db8:bad::5'],
    ['Linux cooked v1', LINKTYPE.LINUX_SLL, sll(v4), '203.0.113.5'],
    ['Linux cooked v2, IPv6', LINKTYPE.LINUX_SLL2, sll2(v6), '2001:db8:bad::5'],
    ['raw IP', LINKTYPE.RAW, v4, '203.0.113.5'],
    ['raw IPv6 (229)', LINKTYPE.IPV6, v6, '2001:db8:bad::5'],
    ['BSD loopback', LINKTYPE.NULL, nullLink(v4, 'be'), '203.0.113.5'],
  ];
  for (const [name, lt, frame, src] of cases)
    it(name, () => {
      const r = decodeFrame(lt, frame, new Defragmenter(), 0);
      assert.ok(r.ok, JSON.stringify(r));
      assert.equal(r.packet.kind, 'udp');
      assert.equal(r.packet.ip.src, src);
      assert.deepEqual([r.packet.sport, r.packet.dport], [src.includes(':') ? 50009 : 5070, 5060]);
      assert.ok(r.packet.payload.equals(payload));
    });

  it('reports what it cannot read instead of throwing', () => {
    const d = new Defragmenter();
    assert.deepEqual(decodeFrame(LINKTYPE.ETHERNET, Buffer.alloc(5), d, 0), {
      ok: false,
      reason: 'ethernet frame too short',
    });
    assert.deepEqual(decodeFrame(147, v4, d, 0), { ok: false, reason: 'link type 147 is not supported' });
    const arp = ethernet(v4);
    arp.writeUInt16BE(0x0806, 12);
    assert.deepEqual(decodeFrame(1, arp, d, 0), { ok: false, reason: 'ethertype 0x0806 is not IP' });
    assert.deepEqual(decodeFrame(101, v4.subarray(0, 10), d, 0), {
      ok: false,
      reason: 'IPv4 header truncated',
    });
  });

  it('reassembles fragmented IPv4 and IPv6 datagrams (large INVITEs over UDP), in any order', () => {
    const big = Buffer.from(`INVITE sip:1@x SIP/2.0\r\n${'X-Pad: '.padEnd(3000, 'a')}\r\n\r\n`);
    for (const frags of [
      ipv4('203.0.113.5', '192.0.2.1', 17, udp(5070, 5060, big), { mtu: 1500, id: 77 }),
      ipv6('2001:db8:bad::5', '2001:db8::1', 17, udp(5070, 5060, big), { mtu: 1280, id: 9 }),
    ]) {
      assert.ok(frags.length >= 3);
      const d = new Defragmenter();
      const order = [frags.length - 1, ...frags.keys()].slice(0, frags.length);
      order.reverse();
      let got: ReturnType<typeof decodeFrame> | undefined;
      for (const i of order) {
        const r = decodeFrame(LINKTYPE.RAW, frags[i]!, d, 0);
        if (r.ok) got = r;
        else assert.ok('pending' in r, JSON.stringify(r));
      }
      assert.ok(got?.ok);
      assert.ok(got.packet.payload.equals(big));
    }
  });

  it('TCP: in order delivery despite reordering, retransmission and overlap; a lost segment is a gap', () => {
    const s = new TcpStream(4, 1 << 20);
    const got: string[] = [];
    const push = (seq: number, data: string, syn = false) => {
      for (const c of s.push(seq, syn, Buffer.from(data)))
        got.push(`${c.gap ? '!' : ''}${c.data.toString()}`);
    };
    push(0xfffffffe, '', true); // SYN near the wrap: data starts at 0xffffffff
    push(0xffffffff, 'ab');
    push(5, 'fg'); // out of order: waits (byte 4 is missing)
    push(1, 'cde'); // bytes 1..3
    push(1, 'cde'); // retransmission: nothing new
    push(2, 'dexy'); // overlap 2..5: only "xy" (4, 5) is new; then the waiting "fg" gives just "g" (6)
    push(7, 'hi');
    assert.deepEqual(got.join('|'), 'ab|cde|xy|g|hi');
    // a lost segment: out-of-order data waits until the buffer overflows, then a gap is reported
    const g = new TcpStream(2, 1 << 20);
    const out: string[] = [];
    for (const [seq, d] of [
      [100, 'aa'],
      [110, 'cc'],
      [112, 'dd'],
      [114, 'ee'],
    ] as const)
      for (const c of g.push(seq, false, Buffer.from(d))) out.push(`${c.gap ? '!' : ''}${c.data.toString()}`);
    assert.deepEqual(out, ['aa', '!cc', 'dd', 'ee']);
    assert.equal(g.gaps, 1);
  });
});

describe('pcap import: SIP over UDP/TCP, HEP on the wire', () => {
  it('finds SIP over UDP (IPv4, IPv6) and reassembled TCP streams; HEP in UDP and TCP keeps the inner addresses', async () => {
    const r1 = register('1001', 'u1', 1, ['User-Agent: Yealink']);
    const r2 = register('1002', 't1', 1);
    const r3 = register('1003', 't1', 2);
    const stream = Buffer.concat([r2, r3]);
    const cut = 40;
    const t = (seq: number, flags: number, data?: Buffer) =>
      sll2(ipv4('198.51.100.20', '192.0.2.1', 6, tcp(40000, 5060, seq, flags, data))[0]!);
    const hepInner = encodeHep({
      srcIp: '2001:db8:bad::5',
      dstIp: '2001:db8::1',
      srcPort: 50009,
      dstPort: 5061,
      ipProto: 6,
      timeSec: 1764000100,
      timeUsec: 5000,
      protoType: 1,
      payload: register('2001', 'h1', 1),
    });
    const hepTcp = encodeHep({
      ...{ srcIp: '203.0.113.9', dstIp: '192.0.2.1', srcPort: 1, dstPort: 5060, ipProto: 17, protoType: 1 },
      payload: register('2002', 'h2', 1),
    });
    const recs: Rec[] = [
      { time: T, data: sll2(udp4('203.0.113.5', '192.0.2.1', 5070, 5060, r1)) },
      { time: T + 1, data: sll2(ipv6('2001:db8:bad::5', '2001:db8::1', 17, udp(50009, 5060, r1))[0]!) },
      { time: T + 2, data: t(999, TCP.SYN) },
      { time: T + 3, data: t(1000 + cut, TCP.ACK, stream.subarray(cut)) }, // second half first
      { time: T + 4, data: t(1000, TCP.ACK, stream.subarray(0, cut)) },
      { time: T + 5, data: t(1000, TCP.ACK, stream.subarray(0, cut)) }, // retransmission
      { time: T + 6, data: sll2(udp4('192.0.2.1', '192.0.2.50', 40001, 9060, hepInner)) }, // HEP on the wire
      {
        time: T + 7,
        data: sll2(ipv4('192.0.2.1', '192.0.2.50', 6, tcp(40002, 9060, 5, TCP.ACK, hepTcp))[0]!),
      },
      {
        time: T + 8,
        data: sll2(
          udp4(
            '203.0.113.5',
            '192.0.2.1',
            16384,
            10000,
            Buffer.from([0x80, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]),
          ),
        ),
      }, // RTP
      {
        time: T + 9,
        data: sll2(
          ipv4(
            '198.51.100.20',
            '192.0.2.1',
            6,
            tcp(40003, 5061, 1, TCP.ACK, Buffer.from([0x16, 3, 1, 0, 5, 1, 0, 0, 1, 0])),
          )[0]!,
        ),
      }, // TLS
    ];
    const { stats, items: got } = await items(file(classicPcap(recs, { linkType: LINKTYPE.LINUX_SLL2 })));
    const caps = got.flatMap((i) => (i.kind === 'sip' ? [i.capture] : []));
    assert.deepEqual(
      caps.map((c) => [
        c.src.ip,
        c.src.port,
        c.src.transport,
        c.dst.ip,
        c.agent ?? '-',
        c.payload.toString().match(/Call-ID: (\S+)/)?.[1],
        c.time,
      ]),
      [
        ['203.0.113.5', 5070, 'udp', '192.0.2.1', '-', 'u1', T],
        ['2001:db8:bad::5', 50009, 'udp', '2001:db8::1', '-', 'u1', T + 1],
        ['198.51.100.20', 40000, 'tcp', '192.0.2.1', '-', 't1', T + 4],
        ['198.51.100.20', 40000, 'tcp', '192.0.2.1', '-', 't1', T + 4],
        ['2001:db8:bad::5', 50009, 'tcp', '2001:db8::1', '192.0.2.1', 'h1', 1764000100005],
        ['203.0.113.9', 1, 'udp', '192.0.2.1', '192.0.2.1', 'h2', T + 7],
      ],
    );
    assert.match(caps[3]!.payload.toString(), /^REGISTER[\s\S]*CSeq: 2 REGISTER/);
    assert.equal(stats.tlsConnections, 1);
    assert.equal(stats.hepPackets, 2);
    assert.equal(stats.skipped['UDP payload is not SIP or HEP'], 1);
    assert.match(caps[0]!.origin, /#1$/);
  });

  it('a capture that begins in the middle of a TCP connection finds the next message; mid-stream TLS is recognised', async () => {
    const a = register('1', 'mid1', 1);
    const b = register('2', 'mid2', 1);
    const tail = a.subarray(30); // the capture missed the start of the first message
    const frame = (seq: number, data: Buffer, dport = 5060) =>
      ethernet(ipv4('198.51.100.20', '192.0.2.1', 6, tcp(40000, dport, seq, TCP.ACK, data))[0]!);
    const recs: Rec[] = [
      { time: T, data: frame(500, Buffer.concat([tail, b.subarray(0, 20)])) },
      { time: T + 1, data: frame(500 + tail.length + 20, b.subarray(20)) },
      { time: T + 2, data: frame(9000, Buffer.from([0x17, 3, 3, 0, 32, 1, 2, 3, 4, 5, 6, 7, 8, 9]), 5061) },
    ];
    const { stats, items: got } = await items(file(classicPcap(recs)));
    const ids = got.flatMap((i) =>
      i.kind === 'sip' ? [i.capture.payload.toString().match(/Call-ID: (\S+)/)![1]] : [],
    );
    assert.deepEqual(ids, ['mid2']);
    assert.equal(stats.tlsConnections, 1);
  });

  it('a TCP stream resynchronises on the next start line after a lost segment', async () => {
    const a = register('1', 'g1', 1);
    const b = register('2', 'g2', 1);
    const c = register('3', 'g3', 1);
    const seqOf = [1, 1 + a.length, 1 + a.length + b.length];
    const recs: Rec[] = [a, b, c].map((m, i) => ({
      time: T + i,
      data: ethernet(ipv4('198.51.100.20', '192.0.2.1', 6, tcp(40000, 5060, seqOf[i]!, TCP.ACK, m))[0]!),
    }));
    recs.splice(1, 1); // b never captured
    // then 300 more messages so the out-of-order buffer gives up on the hole
    let seq = seqOf[2]! + c.length;
    for (let i = 0; i < 300; i++) {
      const m = register(`${100 + i}`, `m${i}`, 1);
      recs.push({
        time: T + 10 + i,
        data: ethernet(ipv4('198.51.100.20', '192.0.2.1', 6, tcp(40000, 5060, seq, TCP.ACK, m))[0]!),
      });
      seq += m.length;
    }
    const { stats, items: got } = await items(file(classicPcap(recs)));
    const ids = got.flatMap((i) =>
      i.kind === 'sip' ? [i.capture.payload.toString().match(/Call-ID: (\S+)/)![1]] : [],
    );
    assert.equal(ids[0], 'g1');
    assert.equal(ids[1], 'g3');
    assert.equal(ids.length, 302);
    assert.equal(stats.tcpGaps, 1);
  });
});

describe('backtest --pcap and watch --pcap', () => {
  const PBX = '192.0.2.1';
  const policyYaml = `version: 1\nendpoints:\n  - { host: ${PBX}, transport: udp, port: 5060 }\n  - { host: ${PBX}, transport: tcp, port: 5060 }\n`;
  const policy = policySchema.parse({ version: 1, endpoints: [{ host: PBX, transport: 'udp', port: 5060 }] });
  const challenge = 'WWW-Authenticate: Digest realm="lab", nonce="abc", qop="auth"';
  const auth = (u: string) =>
    `Authorization: Digest username="${u}", realm="lab", nonce="abc", uri="sip:${PBX}", response="00112233445566778899aabbccddeeff"`;

  /** An attack capture: 12 wrong passwords from the attacker over UDP; the phone registers over TCP. */
  function attackCapture(): Buffer {
    const recs: Rec[] = [];
    let t = T;
    const at = (d: number) => {
      t += d;
      return t;
    };
    for (let i = 0; i < 12; i++) {
      const r = register('1001', 'svcrack-one', i + 2, [
        auth('1001'),
        'User-Agent: friendly-scanner',
        `Contact: <sip:1001@198.51.100.20>`,
      ]);
      recs.push({ time: at(100), data: ethernet(udp4('203.0.113.77', PBX, 5061, 5060, r)) });
      recs.push({
        time: at(5),
        data: ethernet(udp4(PBX, '203.0.113.77', 5060, 5061, reply(r, 401, 'Unauthorized', [challenge]))),
      });
    }
    const p1 = register('1001', 'phone', 1, [
      'User-Agent: Yealink SIP-T46U 66.86.0.15',
      'Contact: <sip:1001@10.0.0.9;transport=tcp>',
    ]);
    const p2 = register('1001', 'phone', 2, [
      'User-Agent: Yealink SIP-T46U 66.86.0.15',
      'Contact: <sip:1001@10.0.0.9;transport=tcp>',
      auth('1001'),
    ]);
    const up: Buffer[] = [p1, p2];
    const down: Buffer[] = [reply(p1, 401, 'Unauthorized', [challenge]), reply(p2, 200, 'OK')];
    let sUp = 1;
    let sDown = 1;
    const tcpFrame = (src: string, dst: string, sp: number, dp: number, seq: number, data: Buffer) =>
      ethernet(ipv4(src, dst, 6, tcp(sp, dp, seq, TCP.ACK | TCP.PSH, data))[0]!);
    for (let i = 0; i < 2; i++) {
      recs.push({ time: at(10), data: tcpFrame('198.51.100.20', PBX, 40000, 5060, sUp, up[i]!) });
      sUp += up[i]!.length;
      recs.push({ time: at(10), data: tcpFrame(PBX, '198.51.100.20', 5060, 40000, sDown, down[i]!) });
      sDown += down[i]!.length;
    }
    return pcapngSection(
      [{ linkType: 1, tsresol: 9 }],
      recs.map((epb) => ({ epb })),
      { endian: 'be' },
    );
  }

  it('backtest replays a capture: the brute force names the attacker, the phone is spared and registered', async () => {
    const f = file(attackCapture());
    const r = await runBacktest({ policy, files: [], pcap: [f] });
    assert.equal(r.events, 14);
    assert.deepEqual(r.eventsByKind, { 'auth-failure': 12, 'auth-challenge': 1, registration: 1 });
    assert.deepEqual(
      r.incidents.filter((i) => i.detector === 'brute-force').map((i) => i.decision.source),
      ['203.0.113.77'],
    );
    assert.ok(r.incidents.every((i) => i.decision.source !== '198.51.100.20'));
    assert.equal(r.pcap?.[0]?.pcap.sipMessages, 28);
    assert.deepEqual(r.formats['pcap-sip'], { lines: 28, decoded: 28, unmatched: 0 });
  });

  it('watch --pcap imports once into the store (inventory with User-Agent and transport) and exits; a bad file is a clear error', () => {
    const f = file(attackCapture());
    const pol = path.join(dir, 'p.yaml');
    writeFileSync(pol, policyYaml);
    const db = path.join(dir, 'w.db');
    const BIN = path.join(ROOT, 'bin', 'hardline.js');
    const run = (args: string[]) =>
      spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
    const a = run(['watch', '--policy', pol, '--pcap', f, '--db', db, '--log-level', 'info']);
    assert.equal(a.status, 0, a.stderr);
    assert.match(a.stderr, /brute-force: 10 failed logins from 203\.0\.113\.77:5061\/udp/);
    assert.match(a.stderr, /28 SIP messages/);
    const q = (sql: string) =>
      spawnSync(
        process.execPath,
        [
          '-e',
          `const D=require('better-sqlite3');const d=new D(${JSON.stringify(db)});console.log(JSON.stringify(d.prepare(${JSON.stringify(sql)}).all()))`,
        ],
        { encoding: 'utf8', cwd: ROOT },
      );
    const eps = JSON.parse(q('SELECT account, source_ip, transport, user_agent FROM endpoints').stdout);
    assert.deepEqual(eps, [
      {
        account: '1001',
        source_ip: '198.51.100.20',
        transport: 'tcp',
        user_agent: 'Yealink SIP-T46U 66.86.0.15',
      },
    ]);
    const count = () => JSON.parse(q('SELECT count(*) AS n FROM events').stdout)[0].n;
    assert.equal(count(), 14);
    const b = run(['watch', '--policy', pol, '--pcap', f, '--db', db]);
    assert.equal(b.status, 0, b.stderr);
    assert.match(b.stderr, /already imported/);
    assert.equal(count(), 14, 'a second import of the same file stores nothing twice');
    const bad = Buffer.from(attackCapture());
    const c = run([
      'watch',
      '--pcap',
      file(bad.subarray(0, bad.length - 30)),
      '--db',
      path.join(dir, 'bad.db'),
    ]);
    assert.equal(c.status, 2);
    assert.match(c.stderr, /HL_ERR_PCAP: .*byte offset \d+: truncated block/);
  });
});
