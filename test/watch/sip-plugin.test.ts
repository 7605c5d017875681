import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { encodeHep } from '../../src/hep/codec.js';
import { policySchema } from '../../src/policy/schema.js';
import { startWatch } from '../../src/watch/daemon.js';
import type { SipCapture, SipTransactionDecoder } from '../../src/watch/sip.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hl-sip-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('SipTransactionDecoder plug-in point (phase B)', () => {
  it('HEP SIP captures reach the decoder with addresses from the HEP chunks, never from the SIP text', async () => {
    const seen: SipCapture[] = [];
    // A stand-in for the phase-B decoder: every REGISTER answered 403 is an auth failure of the
    // capture's source. It proves the wiring, not SIP parsing.
    const fake: SipTransactionDecoder = {
      available: true,
      decode(msg) {
        seen.push(msg);
        return {
          events: [
            {
              kind: 'auth-failure',
              time: msg.time,
              source: msg.src,
              account: '100',
              evidence: {
                raw: msg.payload.toString().split('\r\n')[0]!,
                format: 'hep-sip',
                decoder: 'fake',
                origin: msg.origin,
              },
            },
          ],
        };
      },
    };
    const w = await startWatch({
      policy: policySchema.parse({ version: 1, detection: { brute_force: { failures: 3 } } }),
      logs: [],
      syslog: [],
      hep: ['udp://127.0.0.1:0'],
      db: path.join(dir, 's.db'),
      sipDecoder: fake,
      logger: pino({ level: 'silent' }),
    });
    try {
      const port = w.ports['hep udp://127.0.0.1:0']!;
      const s = createSocket('udp4');
      for (let i = 0; i < 3; i++) {
        const pkt = encodeHep({
          srcIp: '203.0.113.44',
          dstIp: '192.0.2.1',
          srcPort: 5062,
          dstPort: 5060,
          ipProto: 17,
          timeSec: 1764000000 + i,
          protoType: 1,
          payload: Buffer.from(
            'REGISTER sip:pbx SIP/2.0\r\nVia: SIP/2.0/UDP 10.9.9.9:5060\r\nFrom: <sip:100@10.9.9.9>\r\nUser-Agent: friendly-scanner 10.9.9.9\r\n\r\n',
          ),
        });
        await new Promise<void>((r) => s.send(pkt, port, '127.0.0.1', () => r()));
      }
      s.close();
      const end = Date.now() + 5000;
      while (w.pipeline.engine.incidents < 1 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      assert.equal(seen.length, 3);
      assert.deepEqual(seen[0]!.src, { ip: '203.0.113.44', port: 5062, transport: 'udp' });
      assert.equal(seen[0]!.time, 1764000000 * 1000);
      w.flush();
      const inc = w.store.incidents();
      assert.equal(inc.length, 1);
      assert.equal(inc[0]!.decision.source, '203.0.113.44');
      assert.doesNotMatch(await w.metrics.text(), /hardline_undecoded_total\{reason=/);
    } finally {
      await w.stop();
    }
  });
});
