import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { describe, it } from 'node:test';
import type { Incident } from '../../src/watch/incident.js';
import { WebhookSender, webhookBody } from '../../src/watch/outputs/webhook.js';

const inc = (n: number): Incident => ({
  id: `i${n}`,
  detector: 'brute-force',
  title: 'Password guessing from one source',
  severity: 'high',
  time: 0,
  firstSeen: 0,
  subject: { kind: 'source', source: '203.0.113.1', key: '203.0.113.1' },
  summary: `n=${n}`,
  count: 1,
  events: [],
  decision: { action: 'ban', source: '203.0.113.1', reason: 'password guessing', duration: 3600 },
});

describe('webhooks', () => {
  it('enqueue never blocks: a dead receiver fills a bounded queue that drops the oldest', () => {
    const results: string[] = [];
    // port 9 on loopback: nothing listens, deliveries fail
    const s = new WebhookSender({
      url: 'http://127.0.0.1:9/x',
      kind: 'json',
      queueSize: 100,
      baseDelayMs: 60_000,
      onResult: (r) => results.push(r),
    });
    const t0 = performance.now();
    for (let i = 0; i < 10_000; i++) s.enqueue(inc(i));
    const ms = performance.now() - t0;
    assert.ok(s.pending <= 100);
    assert.ok(s.dropped >= 9_900);
    assert.ok(ms < 2000, `enqueue took ${ms} ms`);
    void s.close(0);
  });

  it('retries with backoff until the receiver accepts, in order', async () => {
    const seen: string[] = [];
    let calls = 0;
    const server = createServer((req, res) => {
      let b = '';
      req.on('data', (d) => {
        b += d;
      });
      req.on('end', () => {
        calls++;
        const ok = calls > 3;
        if (ok) seen.push((JSON.parse(b) as { incident: Incident }).incident.id);
        res.writeHead(ok ? 204 : 500);
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const results: string[] = [];
    const s = new WebhookSender({
      url: `http://127.0.0.1:${port}/`,
      kind: 'json',
      baseDelayMs: 20,
      onResult: (r) => results.push(r),
    });
    s.enqueue(inc(1));
    s.enqueue(inc(2));
    const end = Date.now() + 5000;
    while (seen.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    await s.close(100);
    await new Promise<void>((r) => server.close(() => r()));
    assert.deepEqual(seen, ['i1', 'i2']);
    assert.deepEqual(results, ['retry', 'retry', 'retry', 'ok', 'ok']);
  });

  it('Slack-compatible body has text and blocks with the decision', () => {
    const b = webhookBody('slack', inc(1)) as { text: string; blocks: unknown[] };
    assert.match(b.text, /would ban 203\.0\.113\.1 for 3600 s/);
    assert.equal(b.blocks.length, 2);
  });
});
