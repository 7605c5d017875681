import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { AlertChannel } from '../../src/alerts/channel.js';
import { EmailTransport } from '../../src/alerts/email.js';
import { createAlerts } from '../../src/alerts/index.js';
import { SyslogTransport, sdValue, syslogLines } from '../../src/alerts/syslog.js';
import { WebhookTransport } from '../../src/alerts/webhook.js';
import { parsePolicy } from '../../src/policy/loader.js';
import { alertChannelSchema, syslogChannelSchema } from '../../src/policy/sections.js';
import { parse5424 } from '../../src/watch/sources/syslog.js';
import { incident, selfSigned } from './fixtures.js';

const silent = pino({ level: 'silent' });
const dir = mkdtempSync(path.join(tmpdir(), 'hl-alerts-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** RFC 5424 SYSLOG-MSG with structured data, as the ABNF of section 6 spells it. */
const RFC5424 =
  /^<(\d{1,3})>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{1,6}Z) ([\x21-\x7e]{1,255}) ([\x21-\x7e]{1,48}) ([\x21-\x7e]{1,128}) ([\x21-\x7e]{1,32}) (\[hardline@32473( [^\x00-\x20=\]"]{1,32}="(?:[^"\\\]]|\\["\\\]])*")+\]) \ufeff(.+)$/s;

const syslogConfig = (target: string) =>
  syslogChannelSchema.parse({ type: 'syslog', target, facility: 'local3', app_name: 'hardline' });

describe('syslog output (RFC 5424)', () => {
  it('formats an incident as RFC 5424 with structured data, escaping SD values', () => {
    const i = incident({ summary: 'brute force "quoted" ] text\nnext line' });
    i.subject.account = 'a"b]c\\d';
    const [l] = syslogLines(
      { kind: 'incident', item: { key: 'k', incident: i, count: 1, suppressed: 2, first: 0, last: 0 } },
      {
        facility: 19,
        appName: 'hardline',
        host: 'pbx1',
        procId: '42',
        maxBytes: 2048,
      },
    );
    const m = RFC5424.exec(l!);
    assert.ok(m, l);
    assert.equal(Number(m[1]), 19 * 8 + 3, 'local3.err for a high incident');
    assert.equal(m[3], 'pbx1');
    assert.equal(m[6], 'incident');
    assert.match(m[7]!, /account="a\\"b\\]c\\\\d"/);
    assert.match(m[7]!, / repeats="2"/);
    assert.match(m[7]!, / action="ban" source="203\.0\.113\.77"/);
    assert.ok(!m[9]!.includes('\n'));
    assert.equal(sdValue('x]"\\'), 'x\\]\\"\\\\');
    // hardline's own syslog listener reads it back
    const parsed = parse5424(l!.replace('\ufeff', ''), Date.now());
    assert.equal(parsed?.app, 'hardline');
    assert.match(
      parsed?.message ?? '',
      /^HIGH brute-force: brute force "quoted" \] text next line -> ban 203\.0\.113\.77/,
    );
  });

  it('keeps UDP messages within 2048 bytes, cutting only the free text', () => {
    const items = Array.from({ length: 200 }, (_, k) => ({
      key: `k${k}`,
      incident: incident({ source: `203.0.113.${k % 250}` }),
      count: 3,
      suppressed: 0,
      first: 0,
      last: 0,
    }));
    const [l] = syslogLines(
      { kind: 'digest', from: 0, to: 900_000, items, more: 5 },
      { facility: 4, appName: 'hardline', maxBytes: 2048 },
    );
    assert.ok(Buffer.byteLength(l!) <= 2048, `${Buffer.byteLength(l!)} bytes`);
    const m = RFC5424.exec(l!);
    assert.ok(m, l);
    assert.equal(m[6], 'digest');
    assert.match(m[7]!, /incidents="600" keys="200" more="5"/);
    assert.match(m[9]!, /\.\.\.$/);
  });

  it('delivers over UDP to a local listener', async () => {
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const got = new Promise<string>((r) => sock.once('message', (b) => r(b.toString('utf8'))));
    const t = new SyslogTransport(syslogConfig(`udp://127.0.0.1:${sock.address().port}`));
    await t.send({
      kind: 'incident',
      item: { key: 'k', incident: incident(), count: 1, suppressed: 0, first: 0, last: 0 },
    });
    const line = await got;
    assert.match(line, RFC5424);
    assert.ok(line.startsWith(`<${19 * 8 + 3}>1 `));
    await t.close();
    sock.close();
  });

  it('delivers over TCP with octet counting (RFC 6587), reconnecting after the receiver drops', async () => {
    const frames: string[] = [];
    let conns = 0;
    const srv = createTcpServer((c) => {
      conns++;
      let buf = Buffer.alloc(0);
      c.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        for (;;) {
          const sp = buf.indexOf(0x20);
          if (sp < 0) break;
          const len = Number(buf.subarray(0, sp).toString());
          if (buf.length < sp + 1 + len) break;
          frames.push(buf.subarray(sp + 1, sp + 1 + len).toString('utf8'));
          buf = buf.subarray(sp + 1 + len);
        }
        if (frames.length === 1) c.destroy(); // the receiver restarts after the first message
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as { port: number }).port;
    const ch = new AlertChannel({
      name: 's',
      transport: new SyslogTransport(syslogConfig(`tcp://127.0.0.1:${port}`)),
      minSeverity: 'info',
      dedup: 0,
      logger: silent,
      retryMs: 20,
    });
    ch.offer(incident({ source: '203.0.113.1' }));
    await ch.idle();
    await new Promise((r) => setTimeout(r, 100));
    ch.offer(incident({ source: '203.0.113.2' }));
    await ch.idle();
    const end = Date.now() + 3000;
    while (frames.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    assert.equal(frames.length, 2, JSON.stringify(frames));
    for (const f of frames) assert.match(f, RFC5424);
    assert.ok(conns >= 2, 'reconnected');
    await ch.close();
    srv.close();
  });
});

describe('e-mail over SMTP (python3-aiosmtpd on loopback: STARTTLS and AUTH required)', () => {
  let smtp: ChildProcess;
  let port = 0;
  const received: Record<string, unknown>[] = [];
  let certs: { cert: string; key: string };

  before(async () => {
    certs = selfSigned(dir);
    smtp = spawn('/usr/bin/python3', [
      path.join(import.meta.dirname, 'smtp-server.py'),
      certs.cert,
      certs.key,
      'alerts@pbx.example',
      'pw-for-the-test',
      '120',
    ]);
    smtp.on('error', () => undefined);
    let err = '';
    smtp.stderr!.on('data', (d) => {
      err += d;
    });
    const lines = createInterface({ input: smtp.stdout! });
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`SMTP test server did not start (apt-get install python3-aiosmtpd): ${err}`)),
        10_000,
      );
      lines.on('line', (l) => {
        const j = JSON.parse(l) as Record<string, unknown>;
        if (typeof j['port'] === 'number') {
          clearTimeout(timer);
          resolve(j['port']);
        } else received.push(j);
      });
    });
  });
  after(() => {
    smtp?.kill();
  });

  const emailConfig = (over: Record<string, unknown> = {}) =>
    alertChannelSchema.parse({
      type: 'email',
      min_severity: 'medium',
      digest: '15m',
      smtp: {
        host: '127.0.0.1',
        port,
        security: 'starttls',
        user: 'alerts@pbx.example',
        password_env: 'HL_TEST_SMTP_PASSWORD',
        ca_file: certs.cert,
        ...over,
      },
      from: 'hardline@pbx.example',
      to: ['ops@example.com'],
    });

  it('receives one digest mail for an attack of many incidents, over STARTTLS with AUTH', async () => {
    const clock = { now: Date.parse('2026-11-24T10:00:00Z') };
    const c = emailConfig();
    const ch = new AlertChannel({
      name: 'mail',
      transport: new EmailTransport(c as never, dir, { HL_TEST_SMTP_PASSWORD: 'pw-for-the-test' }),
      minSeverity: c.min_severity,
      dedup: c.dedup,
      digest: c.digest!,
      logger: silent,
      now: () => clock.now,
    });
    for (let k = 0; k < 25; k++) ch.offer(incident({ source: '203.0.113.77' }));
    ch.offer(incident({ source: '2001:db8:bad::5', severity: 'critical' }));
    ch.offer(incident({ source: '198.51.100.3', severity: 'info' }));
    clock.now += 900_000;
    ch.flushDigest();
    await ch.idle();
    assert.equal(ch.stats.sent, 1, JSON.stringify(ch.stats));
    const end = Date.now() + 5000;
    while (received.length < 1 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    assert.equal(received.length, 1);
    const m = received[0]!;
    assert.equal(m['tls'], true, 'STARTTLS was used');
    assert.equal(m['user'], 'alerts@pbx.example', 'authenticated');
    assert.deepEqual(m['to'], ['ops@example.com']);
    assert.equal(m['subject'], '[hardline] digest 10:00-10:15 UTC: 26 incidents (1 critical, 25 high)');
    const data = String(m['body']);
    assert.match(data, /happened 25 times/);
    assert.match(data, /2001:db8:bad::5/);
    assert.ok(!data.includes('198.51.100.3'), 'below min_severity');
    assert.ok(!String(m['data']).includes('pw-for-the-test'), 'the password never appears');
    await ch.close();
  });

  it('a wrong password fails without revealing it; a missing variable is a clear error', async () => {
    const t = new EmailTransport(emailConfig() as never, dir, {
      HL_TEST_SMTP_PASSWORD: 'wrong-secret-value',
    });
    await assert.rejects(
      t.send({
        kind: 'incident',
        item: { key: 'k', incident: incident(), count: 1, suppressed: 0, first: 0, last: 0 },
      }),
      (e: Error) =>
        /SMTP 127\.0\.0\.1: .*(535|auth)/i.test(e.message) && !e.message.includes('wrong-secret-value'),
    );
    await t.close();
    assert.throws(
      () => new EmailTransport(emailConfig() as never, dir, {}),
      /HL_TEST_SMTP_PASSWORD \(SMTP password\) is not set/,
    );
  });

  it('refuses to send when the server offers no STARTTLS (security: starttls)', async () => {
    const plain = spawn('/usr/bin/python3', [
      path.join(import.meta.dirname, 'smtp-server.py'),
      certs.cert,
      certs.key,
      'u',
      'p',
      '30',
      '--no-starttls',
    ]);
    const lines = createInterface({ input: plain.stdout! });
    const got: string[] = [];
    const p = await new Promise<number>((resolve) =>
      lines.on('line', (l) => {
        const j = JSON.parse(l);
        if (typeof j.port === 'number') resolve(j.port);
        else got.push(l);
      }),
    );
    const t = new EmailTransport(
      alertChannelSchema.parse({
        type: 'email',
        smtp: { host: '127.0.0.1', port: p, security: 'starttls' },
        from: 'a@b.example',
        to: ['c@d.example'],
      }) as never,
      dir,
    );
    await assert.rejects(
      t.send({
        kind: 'incident',
        item: { key: 'k', incident: incident(), count: 1, suppressed: 0, first: 0, last: 0 },
      }),
      /STARTTLS/i,
    );
    await t.close();
    plain.kill();
    assert.equal(got.length, 0, 'nothing was delivered in clear');
  });
});

describe('webhook channel and the policy section', () => {
  it('POSTs a digest as hardline.digest JSON', async () => {
    const bodies: unknown[] = [];
    const srv = createServer((req, res) => {
      let b = '';
      req.on('data', (d) => {
        b += d;
      });
      req.on('end', () => {
        bodies.push(JSON.parse(b));
        res.end();
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(srv.address() as { port: number }).port}/hook`;
    const c = alertChannelSchema.parse({ type: 'webhook', url, digest: 60 });
    const ch = new AlertChannel({
      name: 'w',
      transport: new WebhookTransport(c as never),
      minSeverity: 'info',
      dedup: 0,
      digest: 60,
      logger: silent,
    });
    ch.offer(incident());
    ch.offer(incident());
    ch.flushDigest();
    await ch.idle();
    const b = bodies[0] as { type: string; items: { count: number; incident: { id: string } }[] };
    assert.equal(b.type, 'hardline.digest');
    assert.equal(b.items[0]!.count, 2);
    await ch.close();
    srv.close();
  });

  it('alerts: is strict and checked (file:line), and builds one channel per entry', () => {
    const bad = (yaml: string) => {
      try {
        parsePolicy(`version: 1\nalerts:\n${yaml}`, '/tmp/hardline.yaml');
        return '';
      } catch (e) {
        return JSON.stringify((e as { details: unknown }).details);
      }
    };
    assert.match(
      bad('  channels:\n    - { type: syslog, target: udp://127.0.0.1:514, severity: high }\n'),
      /severity/,
    );
    assert.match(bad('  channels:\n    - { type: pager, url: x }\n'), /line/);
    assert.match(
      bad(
        '  channels:\n    - { type: email, smtp: { host: mail.example, user: a }, from: a@b.c, to: [x@y.z] }\n',
      ),
      /smtp\.user and smtp\.password_env go together/,
    );
    assert.match(
      bad(
        '  channels:\n    - { type: email, smtp: { host: mail.example, security: none, user: a, password_env: P }, from: a@b.c, to: [x@y.z] }\n',
      ),
      /password in clear/,
    );
    const p = parsePolicy(
      [
        'version: 1',
        'alerts:',
        '  channels:',
        '    - { type: syslog, target: "udp://127.0.0.1:514", min_severity: high, dedup: 30m }',
        '    - { type: webhook, name: chat, url: "http://127.0.0.1:9/x", format: slack, digest: 10m }',
      ].join('\n'),
      '/tmp/hardline.yaml',
    ).policy;
    assert.equal(p.alerts.channels[0]!.dedup, 1800);
    assert.equal(p.alerts.channels[1]!.digest, 600);
    const a = createAlerts(p, { logger: silent, baseDir: dir })!;
    assert.deepEqual(
      a.channels.map((c) => c.name),
      ['syslog-1', 'chat'],
    );
    return a.close();
  });
});
