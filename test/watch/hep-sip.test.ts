import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { encodeHep } from '../../src/hep/codec.js';
import { policySchema } from '../../src/policy/schema.js';
import { startWatch } from '../../src/watch/daemon.js';
import { SipTransactionTracker } from '../../src/watch/sip-transactions.js';

/** `hardline watch --hep` with the real SIP transaction decoder, over UDP and TCP, IPv4 and IPv6. */
const dir = mkdtempSync(path.join(tmpdir(), 'hl-hepsip-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const PBX6 = '2001:db8::1';
const PBX4 = '192.0.2.1';
const T0 = Math.floor(Date.now() / 1000);

function sip(start: string, headers: string[]): Buffer {
  return Buffer.from(`${[start, ...headers, 'Content-Length: 0'].join('\r\n')}\r\n\r\n`);
}

function register(user: string, callId: string, cseq: number, via: string, extra: string[] = []): Buffer {
  return sip('REGISTER sip:pbx.example SIP/2.0', [
    `Via: SIP/2.0/${via} client.invalid;branch=z9hG4bK${callId}${cseq}`,
    `From: <sip:${user}@pbx.example>;tag=1`,
    `To: <sip:${user}@pbx.example>`,
    `Call-ID: ${callId}`,
    `CSeq: ${cseq} REGISTER`,
    ...extra,
  ]);
}

function answer(req: Buffer, status: string, extra: string[] = []): Buffer {
  const keep = req
    .toString()
    .split('\r\n')
    .filter((l) => /^(Via|From|To|Call-ID|CSeq):/.test(l));
  return sip(`SIP/2.0 ${status}`, [...keep, ...extra]);
}

const auth = (u: string) =>
  `Authorization: Digest username="${u}", realm="pbx.example", nonce="n", uri="sip:pbx.example", response="ffffffffffffffffffffffffffffffff"`;
const challenge = 'WWW-Authenticate: Digest realm="pbx.example", nonce="n2", qop="auth"';

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('watch --hep with the SIP transaction decoder', () => {
  it('TCP HEP (IPv6, TLS by the policy endpoint) and UDP HEP: brute force named from the chunks, the phone in the inventory', async () => {
    const policy = policySchema.parse({
      version: 1,
      endpoints: [
        { host: PBX6, transport: 'tls', port: 5061 },
        { host: PBX4, transport: 'udp', port: 5060 },
      ],
      detection: { brute_force: { failures: 5 } },
    });
    const w = await startWatch({
      policy,
      logs: [],
      syslog: [],
      hep: ['udp://127.0.0.1:0', 'tcp://127.0.0.1:0'],
      db: path.join(dir, 'a.db'),
      pbx: 'pbx1',
      logger: pino({ level: 'silent' }),
    });
    try {
      const tcpPort = w.ports['hep tcp://127.0.0.1:0']!;
      const udpPort = w.ports['hep udp://127.0.0.1:0']!;
      // the phone: IPv6 over TLS, a HEP stream over TCP (two packets per write, one split)
      const phone = '2001:db8:cafe::20';
      const r1 = register('1001', 'ph', 1, 'TCP', [
        'User-Agent: Yealink SIP-T46U',
        'Contact: <sip:1001@[2001:db8:cafe::20]:50000;transport=tls>',
      ]);
      const r2 = register('1001', 'ph', 2, 'TCP', [
        'User-Agent: Yealink SIP-T46U',
        'Contact: <sip:1001@[2001:db8:cafe::20]:50000;transport=tls>',
        auth('1001'),
      ]);
      const hep6 = (src: string, dst: string, sport: number, dport: number, payload: Buffer, dt: number) =>
        encodeHep({
          srcIp: src,
          dstIp: dst,
          srcPort: sport,
          dstPort: dport,
          ipProto: 6,
          timeSec: T0,
          timeUsec: dt * 1000,
          protoType: 1,
          payload,
        });
      const stream = Buffer.concat([
        hep6(phone, PBX6, 50000, 5061, r1, 1),
        hep6(PBX6, phone, 5061, 50000, answer(r1, '401 Unauthorized', [challenge]), 2),
        hep6(phone, PBX6, 50000, 5061, r2, 3),
        hep6(
          PBX6,
          phone,
          5061,
          50000,
          answer(r2, '200 OK', ['Contact: <sip:1001@[2001:db8:cafe::20]:50000;transport=tls>;expires=300']),
          4,
        ),
      ]);
      await new Promise<void>((resolve, reject) => {
        const c = connect(tcpPort, '127.0.0.1', () => {
          c.write(stream.subarray(0, 100));
          setTimeout(() => c.end(stream.subarray(100), resolve), 30);
        });
        c.on('error', reject);
      });
      // the attacker: UDP HEP, From/Contact/User-Agent naming the phone's address
      const s = createSocket('udp4');
      const attacker = '203.0.113.9';
      for (let i = 0; i < 6; i++) {
        const r = register('1001', 'crack', i + 1, 'UDP', [
          auth('1001'),
          `User-Agent: Yealink SIP-T46U ${phone}`,
          `Contact: <sip:1001@[${phone}]:50000>`,
        ]);
        for (const [src, dst, payload] of [
          [attacker, PBX4, r],
          [PBX4, attacker, answer(r, '401 Unauthorized', [challenge])],
        ] as const) {
          const pkt = encodeHep({
            srcIp: src,
            dstIp: dst,
            srcPort: 5099,
            dstPort: 5060,
            ipProto: 17,
            timeSec: T0 + 1,
            timeUsec: i * 1000,
            protoType: 1,
            payload,
          });
          await new Promise<void>((r2) => s.send(pkt, udpPort, '127.0.0.1', () => r2()));
        }
      }
      s.close();
      await until(() => w.pipeline.engine.incidents >= 1 && w.pipeline.eventCount >= 8);
      w.flush();
      const inc = w.store.incidents();
      const bf = inc.filter((i) => i.detector === 'brute-force');
      assert.deepEqual(
        bf.map((i) => i.decision.source),
        [attacker],
      );
      assert.ok(inc.every((i) => i.decision.source !== phone && i.subject.source !== phone));
      const eps = w.store.endpoints();
      assert.deepEqual(
        eps.map((e) => [e.account, e.sourceIp, e.transport, e.userAgent, e.pbx]),
        [['1001', phone, 'tls', 'Yealink SIP-T46U', 'pbx1']],
      );
      assert.doesNotMatch(await w.metrics.text(), /hardline_undecoded_total\{reason=/);
      assert.match(await w.metrics.text(), /hardline_events_total\{kind="auth-failure",format="hep-sip"\} 6/);
    } finally {
      await w.stop();
    }
  });

  it('a request that is never answered becomes a request event on a quiet wire (the timer expires it)', async () => {
    const policy = policySchema.parse({
      version: 1,
      endpoints: [{ host: PBX4, transport: 'udp', port: 5060 }],
    });
    const w = await startWatch({
      policy,
      logs: [],
      syslog: [],
      hep: ['udp://127.0.0.1:0'],
      db: path.join(dir, 'b.db'),
      sipDecoder: new SipTransactionTracker({ policy, timeoutMs: 300 }),
      logger: pino({ level: 'silent' }),
    });
    try {
      const s = createSocket('udp4');
      const pkt = encodeHep({
        srcIp: '203.0.113.50',
        dstIp: PBX4,
        srcPort: 5060,
        dstPort: 5060,
        ipProto: 17,
        timeSec: T0,
        protoType: 1,
        payload: register('555', 'lost', 1, 'UDP'),
      });
      await new Promise<void>((r) => s.send(pkt, w.ports['hep udp://127.0.0.1:0']!, '127.0.0.1', () => r()));
      s.close();
      await until(() => w.pipeline.eventCount >= 1, 5000);
      w.flush();
      const ev = w.store.recentEvents(0);
      assert.equal(ev.length, 1);
      assert.equal(ev[0]!.kind, 'request');
      assert.equal(ev[0]!.source?.ip, '203.0.113.50');
      assert.equal(ev[0]!.time, T0 * 1000, 'at the request time');
      assert.match(ev[0]!.reason!, /no final answer/);
    } finally {
      await w.stop();
    }
  });
});
