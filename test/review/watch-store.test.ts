import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { reviewCommand } from '../../src/cli/review.js';
import { encodeHep } from '../../src/hep/codec.js';
import { policySchema } from '../../src/policy/schema.js';
import { WatchStoreSource } from '../../src/review/watch-store.js';
import { WatchStoreReader } from '../../src/store/reader.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { startWatch } from '../../src/watch/daemon.js';
import { ROOT } from '../helpers.js';

/**
 * The live watch store as review input: a real `hardline watch` (the daemon with its store)
 * follows an Asterisk security log (the fixture's backlog, then lines written live by a PBX whose
 * clock is 4.2 s ahead), listens for HEP from a capture agent 2 s behind (a phone registering
 * over UDP and calling with plain RTP) and for syslog 1.5 s ahead. `hardline review --watch-db`
 * then reads the inventory, the cleartext use and the clock skew per source from the SQLite file.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'hl-review-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const PBX = '192.0.2.1';
const PHONE = '192.0.2.50';
const PHONE_UA = 'Yealink SIP-T54W 96.86.0.75';

function sip(start: string, headers: string[], body = ''): Buffer {
  return Buffer.from(
    `${[start, ...headers, ...(body ? ['Content-Type: application/sdp'] : []), `Content-Length: ${Buffer.byteLength(body)}`].join('\r\n')}\r\n\r\n${body}`,
  );
}
const base = (method: string, callId: string, cseq: number, branch: string, user: string, to = user) => [
  `Via: SIP/2.0/UDP ${PHONE}:5062;branch=z9hG4bK${branch}`,
  `From: <sip:${user}@pbx.example>;tag=ph1`,
  `To: <sip:${to}@pbx.example>`,
  `Call-ID: ${callId}`,
  `CSeq: ${cseq} ${method}`,
];
function answer(req: Buffer, status: string, extra: string[] = [], body = ''): Buffer {
  const keep = req
    .toString()
    .split('\r\n')
    .filter((l) => /^(Via|From|To|Call-ID|CSeq):/.test(l))
    .map((l) => (l.startsWith('To:') ? `${l};tag=pbx1` : l));
  return sip(`SIP/2.0 ${status}`, [...keep, ...extra], body);
}
const auth = (method: string, uri: string) =>
  `${method === 'REGISTER' ? 'Authorization' : 'Proxy-Authorization'}: Digest username="2001", realm="pbx.example", nonce="n1", uri="${uri}", response="0123456789abcdef0123456789abcdef"`;
const sdp = (ip: string) =>
  [
    'v=0',
    `o=- 1 1 IN IP4 ${ip}`,
    's=-',
    `c=IN IP4 ${ip}`,
    't=0 0',
    'm=audio 40000 RTP/AVP 0 8',
    'a=sendrecv',
    '',
  ].join('\r\n');

/** The phone's messages and the PBX's answers, in order, as [from phone?, payload]. */
function phoneTraffic(): [boolean, Buffer][] {
  const r1 = sip('REGISTER sip:pbx.example SIP/2.0', [
    ...base('REGISTER', 'reg1', 1, 'r1', '2001'),
    `User-Agent: ${PHONE_UA}`,
    `Contact: <sip:2001@${PHONE}:5062>`,
  ]);
  const r2 = sip('REGISTER sip:pbx.example SIP/2.0', [
    ...base('REGISTER', 'reg1', 2, 'r2', '2001'),
    `User-Agent: ${PHONE_UA}`,
    `Contact: <sip:2001@${PHONE}:5062>`,
    auth('REGISTER', 'sip:pbx.example'),
  ]);
  const inv = sip(
    'INVITE sip:2002@pbx.example SIP/2.0',
    [
      ...base('INVITE', 'call1', 2, 'i1', '2001', '2002'),
      `User-Agent: ${PHONE_UA}`,
      `Contact: <sip:2001@${PHONE}:5062>`,
      auth('INVITE', 'sip:2002@pbx.example'),
    ],
    sdp(PHONE),
  );
  return [
    [true, r1],
    [false, answer(r1, '401 Unauthorized', ['WWW-Authenticate: Digest realm="pbx.example", nonce="n1"'])],
    [true, r2],
    [false, answer(r2, '200 OK', [`Contact: <sip:2001@${PHONE}:5062>;expires=300`])],
    [true, inv],
    [false, answer(inv, '200 OK', [`Contact: <sip:2002@${PBX}:5060>`], sdp(PBX))],
  ];
}

/** An Asterisk security log line for a successful login at `t` (EventTV, with milliseconds). */
function successLine(t: number, account: string, ip: string): string {
  const d = new Date(t);
  const pad = (n: number) => String(n).padStart(2, '0');
  const local = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return `[${local}] SECURITY[4583] res_security_log.c: SecurityEvent="SuccessfulAuth",EventTV="${d.toISOString().replace('Z', '+0000')}",Severity="Informational",Service="PJSIP",EventVersion="1",AccountID="${account}",SessionID="s${t}@pbx",LocalAddress="IPV4/UDP/${PBX}/5060",RemoteAddress="IPV4/UDP/${ip}/5060",UsingPassword="1"\n`;
}

async function until(cond: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('review --watch-db: the live watch store filled by the real pipeline', () => {
  it('inventory, plain media and per-source clock skew (HEP, syslog, live log lines; not the backlog)', async () => {
    const log = path.join(dir, 'security');
    // the backlog: the fixture's real-format lines from 2026-11-24, read at start (--from-start)
    writeFileSync(log, readFileSync(path.join(ROOT, 'test/fixtures/watch/asterisk-attack.log')));
    const db = path.join(dir, 'watch.db');
    const policy = policySchema.parse({
      version: 1,
      endpoints: [{ host: PBX, transport: 'udp', port: 5060 }],
      security: { sip_tls: 'required', srtp: 'required' },
    });
    const w = await startWatch({
      policy,
      logs: [log],
      syslog: ['udp://127.0.0.1:0'],
      hep: ['udp://127.0.0.1:0'],
      db,
      fromStart: true,
      pollMs: 50,
      pbx: 'pbx1',
      logger: pino({ level: 'silent' }),
    });
    const s = createSocket('udp4');
    const send = (buf: Buffer, port: number) =>
      new Promise<void>((r) => s.send(buf, port, '127.0.0.1', () => r()));
    try {
      const backlog = w.pipeline.eventCount;
      assert.ok(backlog > 100, 'the backlog was read');
      // live log lines from a PBX 4.2 s ahead
      for (let i = 0; i < 6; i++) {
        appendFileSync(log, successLine(Date.now() + 4200, '104', '192.168.1.24'));
        await sleep(60);
      }
      // HEP from an agent 2 s behind
      const hepPort = w.ports['hep udp://127.0.0.1:0']!;
      for (const [fromPhone, payload] of phoneTraffic()) {
        const t = Date.now() - 2000;
        await send(
          encodeHep({
            srcIp: fromPhone ? PHONE : PBX,
            dstIp: fromPhone ? PBX : PHONE,
            srcPort: fromPhone ? 5062 : 5060,
            dstPort: fromPhone ? 5060 : 5062,
            ipProto: 17,
            timeSec: Math.floor(t / 1000),
            timeUsec: (t % 1000) * 1000,
            protoType: 1,
            captureId: 2001,
            payload,
          }),
          hepPort,
        );
        await sleep(20);
      }
      // syslog (RFC 5424) from a host 1.5 s ahead
      const syslogPort = w.ports['syslog udp://127.0.0.1:0']!;
      for (let i = 0; i < 3; i++)
        await send(
          Buffer.from(
            `<134>1 ${new Date(Date.now() + 1500).toISOString()} pbx asterisk - - - [Nov 25 10:00:00] NOTICE[1] chan_pjsip.c: hello`,
          ),
          syslogPort,
        );
      await until(() => w.pipeline.eventCount >= backlog + 6 + 4);
      await sleep(400); // the 250 ms timer stores the skew summaries
    } finally {
      s.close();
      await w.stop();
    }

    const r = new WatchStoreReader(db);
    try {
      const skew = Object.fromEntries(r.clockSkew().map((x) => [x.source, x]));
      assert.deepEqual(Object.keys(skew).sort(), [`file:${log}`, 'hep:127.0.0.1', 'syslog:127.0.0.1'].sort());
      const near = (v: number, want: number, tol: number, what: string) =>
        assert.ok(Math.abs(v - want) <= tol, `${what}: ${v} is not within ${tol} ms of ${want}`);
      near(skew['hep:127.0.0.1']!.medianMs, -2000, 300, 'HEP agent 2 s behind');
      assert.equal(skew['hep:127.0.0.1']!.samples, 6);
      near(skew[`file:${log}`]!.medianMs, 4200, 400, 'log written 4.2 s ahead (the backlog is not a sample)');
      assert.equal(skew[`file:${log}`]!.samples, 6);
      near(skew['syslog:127.0.0.1']!.medianMs, 1500, 300, 'syslog 1.5 s ahead');
    } finally {
      r.close();
    }

    const snap = await new WatchStoreSource(db).snapshot(undefined, new Date());
    const phone = snap.endpoints.find((e) => e.account === '2001')!;
    assert.deepEqual(
      {
        address: phone.address,
        transport: phone.transport,
        ua: phone.userAgent,
        pbx: phone.pbx,
        media: phone.media,
      },
      { address: PHONE, transport: 'udp', ua: PHONE_UA, pbx: 'pbx1', media: 'rtp' },
    );
    assert.ok(snap.endpoints.some((e) => e.account === '104' && e.address === '192.168.1.24'));
    assert.ok(
      snap.endpoints.some((e) => e.account === '103' && e.transport === 'tls'),
      'backlog logins are in the inventory',
    );
    assert.deepEqual(
      snap.cleartext.map((c) => [c.kind, c.account, c.address, c.count]),
      [
        ['media', '2001', PHONE, 1],
        ['signalling', '2001', PHONE, 1],
      ],
    );
    assert.ok(snap.sources.some((x) => x.name === `file:${log}` && x.kind === 'file'));
    // since a date after the backlog: only what watch saw live
    const recent = await new WatchStoreSource(db).snapshot(new Date(Date.now() - 60_000), new Date());
    assert.deepEqual([...new Set(recent.endpoints.map((e) => e.account))].sort(), ['104', '2001']);

    // the review reads it
    let out = '';
    const code = await reviewCommand(
      path.join(ROOT, 'examples', 'smb-asterisk'),
      { watchDb: db, format: 'json', host: false, stateDir: path.join(dir, 'reviews') },
      { write: (t) => (out += t), note: () => {} },
    );
    assert.equal(code, 0);
    const review = JSON.parse(out) as {
      inputs: { watch: { origin: string; endpoints: number } | null };
      findings: { ruleId: string; target: string; message: string; severity: string }[];
      inventory: { cleartext: { account?: string; kind: string; how: string; violatesPolicy: boolean }[] };
      time: { skew: { source: string; skewMs: number; over: boolean }[] };
      unseen: string[];
    };
    assert.equal(review.inputs.watch?.origin, `watch store ${db}`);
    const time = review.findings.filter((f) => f.ruleId === 'HL-TIME-002').map((f) => f.target);
    assert.deepEqual(
      time.sort(),
      [`clock:file:${log}`, 'clock:hep:127.0.0.1', 'clock:syslog:127.0.0.1'].sort(),
    );
    assert.ok(
      review.inventory.cleartext.some((c) => c.account === '2001' && c.kind === 'media' && c.violatesPolicy),
      JSON.stringify(review.inventory.cleartext),
    );
    assert.ok(!review.unseen.some((u) => u.startsWith('no watch data')));
  });

  it('refuses a missing or foreign file with HL_ERR_STORE; a store of an older watch (no clock_skew table) reads as no skew', async () => {
    await assert.rejects(new WatchStoreSource(path.join(dir, 'nope.db')).snapshot(undefined, new Date()), {
      code: 'HL_ERR_STORE',
    });
    const foreign = path.join(dir, 'foreign.db');
    const f = new Database(foreign);
    f.exec('CREATE TABLE t (x)');
    f.close();
    await assert.rejects(new WatchStoreSource(foreign).snapshot(undefined, new Date()), {
      code: 'HL_ERR_STORE',
    });
    const old = path.join(dir, 'old.db');
    new SqliteStore(old).close();
    const o = new Database(old);
    o.exec('DROP TABLE clock_skew');
    o.close();
    const snap = await new WatchStoreSource(old).snapshot(undefined, new Date());
    assert.deepEqual(snap.clockSkew, []);
    assert.deepEqual(snap.endpoints, []);
  });
});
