import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { encodeHep } from '../../src/hep/codec.js';
import { policySchema } from '../../src/policy/schema.js';
import { startWatch, type WatchHandle } from '../../src/watch/daemon.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hl-daemon-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let w: WatchHandle;
let hookServer: Server;
const hookBodies: { path: string; body: unknown; status: number }[] = [];
let hookCalls = 0;

before(async () => {
  hookServer = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      hookCalls++;
      const status = hookCalls <= 2 ? 503 : 200; // the receiver fails first
      hookBodies.push({ path: req.url ?? '', body: JSON.parse(body), status });
      res.writeHead(status);
      res.end();
    });
  });
  await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', () => r()));
  const port = (hookServer.address() as { port: number }).port;
  w = await startWatch({
    policy: policySchema.parse({
      version: 1,
      trunks: [{ name: 'carrier', addresses: ['192.0.2.0/24'] }],
      detection: { brute_force: { failures: 3 } },
    }),
    logs: [],
    syslog: ['udp://127.0.0.1:0', 'tcp://127.0.0.1:0'],
    hep: ['udp://127.0.0.1:0', 'tcp://[::1]:0'],
    hepKey: 'k3y',
    db: path.join(dir, 'w.db'),
    metrics: '127.0.0.1:0',
    webhooks: [
      { url: `http://127.0.0.1:${port}/json`, kind: 'json' },
      { url: `http://127.0.0.1:${port}/slack`, kind: 'slack' },
    ],
    webhookRetryMs: 50,
    logger: pino({ level: 'silent' }),
  });
});
after(async () => {
  await w?.stop();
  await new Promise<void>((r) => hookServer.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

const pj = (ip: string, n: number) =>
  `NOTICE[2143]: res_pjsip/pjsip_distributor.c:676 in log_failed_request: Request 'REGISTER' from '<sip:10${n}@pbx>' failed for '${ip}:5060' (callid: c${n}) - Failed to authenticate`;

function udp(port: number, host: string, msg: Buffer): Promise<void> {
  const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  return new Promise((resolve) => s.send(msg, port, host, () => s.close(() => resolve())));
}
function tcp(port: number, host: string, msg: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = connect(port, host, () => c.end(msg, () => resolve()));
    c.on('error', reject);
  });
}
async function until(pred: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred() && Date.now() < end) await sleep(20);
}

describe('watch daemon: syslog, HEP, store, webhooks, metrics', () => {
  it('decodes syslog over UDP and TCP (both framings) and raises an incident with evidence', async () => {
    const sUdp = w.ports['syslog udp://127.0.0.1:0']!;
    const sTcp = w.ports['syslog tcp://127.0.0.1:0']!;
    await udp(
      sUdp,
      '127.0.0.1',
      Buffer.from(`<13>Nov 24 10:00:01 pbx1 asterisk[2143]: ${pj('203.0.113.50', 1)}`),
    );
    await udp(
      sUdp,
      '127.0.0.1',
      Buffer.from(`<13>1 2026-11-24T10:00:02Z pbx1 asterisk 2143 - - ${pj('203.0.113.50', 2)}`),
    );
    const m3 = `<13>Nov 24 10:00:03 pbx1 asterisk[2143]: ${pj('203.0.113.50', 3)}`;
    const fs = `<13>Nov 24 10:00:04 pbx1 freeswitch[9]: [WARNING] sofia_reg.c:3209 Can't find user [1001@x] from 198.51.100.4`;
    await tcp(sTcp, '127.0.0.1', Buffer.from(`${Buffer.byteLength(m3)} ${m3}${fs}\n`));
    await until(() => w.pipeline.engine.incidents >= 1);
    w.flush();
    const inc = w.store.incidents();
    assert.equal(inc.length, 1);
    assert.equal(inc[0]!.detector, 'brute-force');
    assert.equal(inc[0]!.decision.source, '203.0.113.50');
    assert.equal(inc[0]!.events.length, 3);
    assert.match(inc[0]!.events[0]!.evidence.origin ?? '', /^syslog:udp:\/\/127\.0\.0\.1:\d+$/);
    await until(() => w.store.counts().events >= 4);
    assert.equal(w.store.counts().events, 4);
  });

  it('HEP: LOG payloads reach the log decoders, SIP the transaction decoder, bad keys are dropped', async () => {
    const hUdp = w.ports['hep udp://127.0.0.1:0']!;
    const hTcp = w.ports['hep tcp://[::1]:0']!;
    const before = w.store.counts().events;
    const log = (ip: string, key = 'k3y') =>
      encodeHep({
        srcIp: '10.0.0.5',
        dstIp: '10.0.0.9',
        srcPort: 5060,
        dstPort: 9060,
        timeSec: 1764000000,
        protoType: 100,
        authKey: key,
        nodeName: 'kam1',
        payload: Buffer.from(
          `[2026-11-24 10:00:05] NOTICE[1] res_pjsip/pjsip_distributor.c: Request 'INVITE' from '<sip:x@y>' failed for '${ip.includes(':') ? `[${ip}]` : ip}:5070' (callid: z) - No matching endpoint found`,
        ),
      });
    await udp(hUdp, '127.0.0.1', log('198.51.100.20'));
    await tcp(hTcp, '::1', Buffer.concat([log('2001:db8::20'), log('198.51.100.21', 'wrong')]));
    const sip = encodeHep({
      srcIp: '203.0.113.7',
      dstIp: '10.0.0.9',
      srcPort: 5060,
      dstPort: 5060,
      ipProto: 17,
      protoType: 1,
      authKey: 'k3y',
      payload: Buffer.from('REGISTER sip:pbx SIP/2.0\r\n\r\n'),
    });
    await udp(hUdp, '127.0.0.1', sip);
    // not SIP at all: counted as undecoded, never dropped silently
    await udp(
      hUdp,
      '127.0.0.1',
      encodeHep({
        srcIp: '203.0.113.8',
        dstIp: '10.0.0.9',
        ipProto: 17,
        protoType: 1,
        authKey: 'k3y',
        payload: Buffer.from('\u0000garbage'),
      }),
    );
    await until(() => w.store.counts().events >= before + 3);
    await sleep(100);
    w.flush();
    const hep = w.store.recentEvents(0).filter((e) => e.evidence.origin?.startsWith('hep:'));
    const evs = hep.filter((e) => e.evidence.decoder !== 'sip-transaction');
    assert.deepEqual(evs.map((e) => e.source?.ip).sort(), ['198.51.100.20', '2001:db8::20']);
    assert.match(evs[0]!.evidence.origin!, /node kam1/);
    // a REGISTER without Call-ID or CSeq cannot be matched to an answer: counted as a request of
    // the HEP source at once
    const sipEvs = hep.filter((e) => e.evidence.decoder === 'sip-transaction');
    assert.deepEqual(
      sipEvs.map((e) => [e.kind, e.source?.ip, e.reason]),
      [['request', '203.0.113.7', 'request without Call-ID or CSeq']],
    );
    const text = await w.metrics.text();
    assert.match(text, /hardline_undecoded_total\{reason="malformed SIP \(HL_SIP_\w+\)"\} 1/);
    assert.match(text, /hardline_drops_total\{reason="hep HEP_AUTH"\} 1/);
  });

  it('serves Prometheus metrics over HTTP', async () => {
    const res = await fetch(`http://127.0.0.1:${w.metricsPort}/metrics`);
    const body = await res.text();
    assert.equal(res.status, 200);
    assert.match(body, /hardline_events_total\{kind="auth-failure",format="asterisk"\} 3/);
    assert.match(body, /hardline_events_total\{kind="unknown-account",format="freeswitch"\} 1/);
    assert.match(body, /hardline_incidents_total\{detector="brute-force",severity="high",action="ban"\} 1/);
    assert.match(body, /hardline_ingest_lag_seconds \d/);
    assert.match(body, /hardline_drops_total/);
  });

  it('delivers incidents to webhooks after the receiver failed first (retried with backoff)', async () => {
    await until(() => hookBodies.filter((b) => b.status === 200).length >= 2, 5000);
    const ok = hookBodies.filter((b) => b.status === 200);
    assert.ok(hookBodies.filter((b) => b.status === 503).length >= 2);
    const json = ok.find((b) => b.path === '/json')?.body as { type: string; incident: { detector: string } };
    const slack = ok.find((b) => b.path === '/slack')?.body as { text: string };
    assert.equal(json.type, 'hardline.incident');
    assert.equal(json.incident.detector, 'brute-force');
    assert.match(slack.text, /would ban 203\.0\.113\.50/);
  });
});
