import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import { WebSocketServer } from 'ws';
import { SipClient } from '../../src/sip/client.js';
import { StreamFramer } from '../../src/sip/framer.js';
import { SipMessage } from '../../src/sip/message.js';
import { parse } from '../../src/sip/parser.js';
import { serialize } from '../../src/sip/serialize.js';
import { connect, type TransportError, tlsHandshake } from '../../src/sip/transport/index.js';

/** A response to `req` as a minimal UAS would send it. */
function reply(req: SipMessage, status: number, reason: string, extra: [string, string][] = []): Buffer {
  return serialize(
    SipMessage.response(status, reason, [
      ...req.getAll('via').map((v): [string, string] => ['Via', v]),
      ['From', req.get('from')!],
      ['To', `${req.get('to')!};tag=uas1`],
      ['Call-ID', req.callId()!],
      ['CSeq', req.get('cseq')!],
      ...extra,
    ]),
  );
}

let dir: string;
let key: string;
let cert: string;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'hl-tls-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=sip.lab.test',
      '-addext',
      'subjectAltName=DNS:sip.lab.test',
      '-keyout',
      path.join(dir, 'k.pem'),
      '-out',
      path.join(dir, 'c.pem'),
    ],
    { stdio: 'ignore' },
  );
  key = readFileSync(path.join(dir, 'k.pem'), 'utf8');
  cert = readFileSync(path.join(dir, 'c.pem'), 'utf8');
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('UDP transport with RFC 3261 timers', () => {
  it('retransmits a non-INVITE at T1, 2T1, 4T1 until answered, then stops', async () => {
    const server = dgram.createSocket('udp4');
    let seen = 0;
    server.on('message', (buf, rinfo) => {
      seen++;
      const r = parse(buf);
      if (r.ok && seen === 3) server.send(reply(r.message, 200, 'OK'), rinfo.port, rinfo.address);
    });
    await new Promise<void>((r) => server.bind(0, '127.0.0.1', () => r()));
    const conn = await connect({ host: '127.0.0.1', port: server.address().port, transport: 'udp' });
    const c = new SipClient(conn, { timers: { t1: 40, t2: 400 } });
    const ex = await c.transaction(c.build('OPTIONS', 'sip:127.0.0.1'));
    assert.equal(ex.final?.status, 200);
    assert.equal(ex.sends, 3);
    assert.ok(ex.finalMs! >= 40 + 80 - 10, `answered after the second retransmission (${ex.finalMs} ms)`);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(seen, 3, 'no retransmission after the final response');
    conn.close();
    server.close();
  });

  it('timer F ends a transaction to a silent server (bounded by 64*T1)', async () => {
    const server = dgram.createSocket('udp4');
    let seen = 0;
    server.on('message', () => seen++);
    await new Promise<void>((r) => server.bind(0, '127.0.0.1', () => r()));
    const conn = await connect({ host: '127.0.0.1', port: server.address().port, transport: 'udp' });
    const c = new SipClient(conn, { timers: { t1: 10, t2: 40 } });
    const t0 = performance.now();
    const ex = await c.transaction(c.build('OPTIONS', 'sip:127.0.0.1'), { timeoutMs: 60_000 });
    const took = performance.now() - t0;
    assert.ok(ex.timedOut && !ex.final);
    assert.ok(took >= 640 - 20 && took < 2000, `64*T1 = 640 ms (took ${took})`);
    // 0,10,30,70,110,150,... : capped at T2=40 ms -> about 17 sends
    assert.ok(ex.sends >= 10 && ex.sends <= 20, `sends ${ex.sends}`);
    assert.equal(seen, ex.sends);
    conn.close();
    server.close();
  });

  it('INVITE: a provisional stops retransmission; a non-2xx final is ACKed', async () => {
    const server = dgram.createSocket('udp4');
    const got: string[] = [];
    server.on('message', (buf, rinfo) => {
      const r = parse(buf);
      if (!r.ok) return;
      got.push(r.message.method);
      if (r.message.method === 'INVITE' && got.filter((m) => m === 'INVITE').length === 1) {
        server.send(reply(r.message, 100, 'Trying'), rinfo.port, rinfo.address);
        setTimeout(() => server.send(reply(r.message, 486, 'Busy Here'), rinfo.port, rinfo.address), 200);
      }
    });
    await new Promise<void>((r) => server.bind(0, '127.0.0.1', () => r()));
    const conn = await connect({ host: '127.0.0.1', port: server.address().port, transport: 'udp' });
    const c = new SipClient(conn, { timers: { t1: 30, t2: 400 } });
    const ex = await c.transaction(c.build('INVITE', 'sip:100@127.0.0.1', { body: 'v=0\r\n' }));
    assert.equal(ex.final?.status, 486);
    assert.deepEqual(
      ex.responses.map((r) => r.status),
      [100, 486],
    );
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(got, ['INVITE', 'ACK']);
    conn.close();
    server.close();
  });
});

describe('stream transports', () => {
  it('TCP: frames two responses written in one chunk', async () => {
    const server = net.createServer((s) => {
      const f = new StreamFramer();
      s.on('data', (d) => {
        for (const e of f.push(d))
          if (e.type === 'message')
            s.write(Buffer.concat([reply(e.message, 100, 'Trying'), reply(e.message, 404, 'Not Found')]));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const conn = await connect({
      host: '127.0.0.1',
      port: (server.address() as net.AddressInfo).port,
      transport: 'tcp',
    });
    const c = new SipClient(conn);
    const ex = await c.transaction(c.build('REGISTER', 'sip:127.0.0.1'), { timeoutMs: 2000 });
    assert.deepEqual(
      ex.responses.map((r) => r.status),
      [100, 404],
    );
    assert.equal(ex.sends, 1, 'no retransmission on a reliable transport');
    conn.close();
    server.close();
  });

  it('TCP: a closed port is refused quickly, a blackhole times out within the bound', async () => {
    const tmp = net.createServer();
    await new Promise<void>((r) => tmp.listen(0, '127.0.0.1', () => r()));
    const port = (tmp.address() as net.AddressInfo).port;
    await new Promise<void>((r) => tmp.close(() => r()));
    await assert.rejects(
      connect({ host: '127.0.0.1', port, transport: 'tcp' }),
      (e: TransportError) => e.kind === 'refused',
    );
  });

  it('TLS: records protocol, cipher, chain, names, expiry and verification result', async () => {
    const server = tls.createServer({ key, cert, minVersion: 'TLSv1.2' }, (s) => {
      const f = new StreamFramer();
      s.on('data', (d) => {
        for (const e of f.push(d))
          if (e.type === 'message') s.write(reply(e.message, 200, 'OK', [['Server', 'lab']]));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    const conn = await connect({ host: '127.0.0.1', port, transport: 'tls', servername: 'sip.lab.test' });
    const info = conn.tls!;
    assert.equal(info.protocol, 'TLSv1.3');
    assert.ok(info.cipher.length > 0);
    assert.equal(info.authorized, false, 'self-signed: not trusted');
    assert.match(info.authorizationError ?? '', /SELF_SIGNED/);
    assert.equal(info.hostnameError, undefined, 'name matches');
    assert.equal(info.chain.length, 1);
    assert.ok(info.chain[0]!.selfSigned);
    assert.match(info.chain[0]!.subjectAltName, /DNS:sip\.lab\.test/);
    assert.ok(new Date(info.chain[0]!.validTo).getTime() > Date.now());
    const c = new SipClient(conn);
    const ex = await c.transaction(c.build('OPTIONS', `sip:127.0.0.1:${port};transport=tls`), {
      timeoutMs: 2000,
    });
    assert.equal(ex.final?.get('server'), 'lab');
    conn.close();
    const wrongName = await tlsHandshake({
      host: '127.0.0.1',
      port,
      transport: 'tls',
      servername: 'other.example',
    });
    assert.match(wrongName.hostnameError ?? '', /other\.example/);
    const trusted = await tlsHandshake(
      { host: '127.0.0.1', port, transport: 'tls', servername: 'sip.lab.test' },
      { tls: { ca: cert } },
    );
    assert.equal(trusted.authorized, true);
    await assert.rejects(
      tlsHandshake(
        { host: '127.0.0.1', port, transport: 'tls' },
        { tls: { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' } },
      ),
      (e: TransportError) => e.kind === 'tls',
    );
    server.close();
  });

  it('WS and WSS: sip subprotocol, one message per frame', async () => {
    for (const secure of [false, true]) {
      const https = secure
        ? (await import('node:https')).createServer({ key, cert })
        : (await import('node:http')).createServer();
      const wss = new WebSocketServer({
        server: https,
        handleProtocols: (p) => (p.has('sip') ? 'sip' : false),
      });
      wss.on('connection', (ws) => {
        ws.on('message', (d: Buffer) => {
          const r = parse(d);
          if (r.ok) ws.send(reply(r.message, 200, 'OK').toString());
        });
      });
      await new Promise<void>((r) => https.listen(0, '127.0.0.1', () => r()));
      const port = (https.address() as net.AddressInfo).port;
      const conn = await connect({
        host: '127.0.0.1',
        port,
        transport: secure ? 'wss' : 'ws',
        servername: 'sip.lab.test',
      });
      assert.equal(Boolean(conn.tls), secure);
      const c = new SipClient(conn);
      const req = c.build('OPTIONS', `sip:127.0.0.1:${port};transport=ws`);
      assert.match(req.getAll('via')[0]!, /^SIP\/2\.0\/WSS? [0-9a-f]+\.invalid;branch=/);
      const ex = await c.transaction(req, { timeoutMs: 2000 });
      assert.equal(ex.final?.status, 200);
      conn.close();
      wss.close();
      https.close();
    }
  });
});
