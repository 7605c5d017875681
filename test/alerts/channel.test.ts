import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { AlertChannel, type AlertTransport } from '../../src/alerts/channel.js';
import { type AlertMessage, messageSubject, messageText } from '../../src/alerts/message.js';
import { incident } from './fixtures.js';

const silent = pino({ level: 'silent' });

function recorder(fail = 0): AlertTransport & { sent: AlertMessage[]; attempts: number } {
  const t = {
    type: 'test',
    sent: [] as AlertMessage[],
    attempts: 0,
    async send(m: AlertMessage) {
      t.attempts++;
      if (t.attempts <= fail) throw new Error('server said no');
      t.sent.push(m);
    },
  };
  return t;
}

describe('alert channel: severity, deduplication, digest, queue', () => {
  it('drops incidents below min_severity and sends the rest one by one', async () => {
    const t = recorder();
    const c = new AlertChannel({ name: 'x', transport: t, minSeverity: 'high', dedup: 0, logger: silent });
    c.offer(incident({ severity: 'medium', source: '203.0.113.1' }));
    c.offer(incident({ severity: 'high', source: '203.0.113.2' }));
    c.offer(incident({ severity: 'critical', source: '203.0.113.3' }));
    await c.idle();
    assert.deepEqual(
      t.sent.map((m) => (m.kind === 'incident' ? m.item.incident.subject.key : '')),
      ['203.0.113.2', '203.0.113.3'],
    );
    assert.equal(c.stats.filtered, 1);
    assert.equal(c.stats.sent, 2);
    await c.close();
  });

  it('sends one message per incident key within the dedup window and reports the repeats later', async () => {
    const clock = { now: 1_000_000 };
    const t = recorder();
    const c = new AlertChannel({
      name: 'x',
      transport: t,
      minSeverity: 'info',
      dedup: 600,
      logger: silent,
      now: () => clock.now,
    });
    for (let i = 0; i < 5; i++) c.offer(incident({ source: '203.0.113.77' }));
    c.offer(incident({ source: '203.0.113.88' })); // another key: sent
    await c.idle();
    assert.equal(t.sent.length, 2);
    assert.equal(c.stats.suppressed, 4);
    clock.now += 601_000; // window over: the next one goes out and says how many were held back
    c.offer(incident({ source: '203.0.113.77' }));
    await c.idle();
    assert.equal(t.sent.length, 3);
    const last = t.sent[2]!;
    assert.equal(last.kind, 'incident');
    assert.equal(last.kind === 'incident' && last.item.suppressed, 4);
    assert.match(messageText(last), /4 repeat\(s\) not sent separately/);
    await c.close();
  });

  it('digest mode: one message per period listing every key with its count', async () => {
    const clock = { now: Date.parse('2026-11-24T10:00:00Z') };
    const t = recorder();
    const c = new AlertChannel({
      name: 'd',
      transport: t,
      minSeverity: 'medium',
      dedup: 0,
      digest: 900,
      logger: silent,
      now: () => clock.now,
    });
    for (let i = 0; i < 30; i++) c.offer(incident({ source: '203.0.113.77' }));
    c.offer(incident({ source: '198.51.100.9', severity: 'critical' }));
    c.offer(incident({ source: '198.51.100.10', severity: 'low' })); // below min
    clock.now += 900_000;
    c.flushDigest();
    await c.idle();
    assert.equal(t.sent.length, 1, 'an attack of 31 incidents is one message');
    const m = t.sent[0]!;
    assert.equal(m.kind, 'digest');
    if (m.kind !== 'digest') return;
    assert.equal(m.items.length, 2);
    assert.equal(m.items.find((x) => x.key.endsWith('203.0.113.77'))?.count, 30);
    assert.equal(messageSubject(m), 'digest 10:00-10:15 UTC: 31 incidents (1 critical, 30 high)');
    const text = messageText(m);
    assert.ok(text.indexOf('198.51.100.9') < text.indexOf('203.0.113.77'), 'most severe first');
    assert.match(text, /happened 30 times/);
    // nothing new: no empty digest
    clock.now += 900_000;
    c.flushDigest();
    await c.idle();
    assert.equal(t.sent.length, 1);
    await c.close();
  });

  it('digest keys are bounded; the rest is counted', async () => {
    const t = recorder();
    const c = new AlertChannel({
      name: 'd',
      transport: t,
      minSeverity: 'info',
      dedup: 0,
      digest: 60,
      digestKeys: 3,
      logger: silent,
    });
    for (let i = 1; i <= 10; i++) c.offer(incident({ source: `203.0.113.${i}` }));
    c.flushDigest();
    await c.idle();
    const m = t.sent[0]!;
    assert.ok(m.kind === 'digest' && m.items.length === 3 && m.more === 7);
    assert.match(messageSubject(m), /and 7 more keys/);
    await c.close();
  });

  it('retries a failed delivery with backoff, and the queue is bounded (oldest dropped)', async () => {
    const t = recorder(2);
    const c = new AlertChannel({
      name: 'r',
      transport: t,
      minSeverity: 'info',
      dedup: 0,
      logger: silent,
      retryMs: 10,
      queueSize: 3,
    });
    for (let i = 1; i <= 6; i++) c.offer(incident({ source: `203.0.113.${i}` }));
    const t0 = Date.now();
    await c.idle();
    assert.ok(Date.now() - t0 >= 25, 'waited 10 + 20 ms between attempts');
    assert.equal(c.stats.retry, 2);
    assert.ok(c.stats.dropped >= 2, `dropped ${c.stats.dropped}`);
    assert.equal(c.stats.sent + c.stats.dropped, 6);
    await c.close();
  });

  it('offer() never waits, even when the transport hangs', async () => {
    const hang: AlertTransport = { type: 'hang', send: () => new Promise(() => undefined) };
    const c = new AlertChannel({ name: 'h', transport: hang, minSeverity: 'info', dedup: 0, logger: silent });
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 1000; i++) c.offer(incident({ source: `203.0.113.${i % 250}`, id: `x${i}` }));
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    assert.ok(ms < 500, `1000 offers took ${ms} ms`);
    assert.ok(c.stats.dropped > 800);
    await c.close(100);
  });
});
