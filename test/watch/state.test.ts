import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Registry } from 'prom-client';
import { defaultPolicy } from '../../src/policy/loader.js';
import { policySchema } from '../../src/policy/schema.js';
import { KeptLine, sourceKey } from '../../src/watch/detector.js';
import { limitHeapGrowth } from '../../src/watch/memory.js';
import { Tally } from '../../src/watch/outputs/metrics.js';
import { Pipeline } from '../../src/watch/pipeline.js';
import { BusyState, RateRing, RecentRing, SlotTable } from '../../src/watch/state.js';

process.env.TZ = 'UTC';

describe('SlotTable', () => {
  it('assigns slots, keeps at most cap keys, evicts the least recently used generation and reuses slots', () => {
    const resets: number[] = [];
    const t = new SlotTable<string>(4);
    t.onReset = (s) => resets.push(s);
    const a = t.slot('a');
    const b = t.slot('b');
    assert.notEqual(a, b);
    assert.equal(t.slot('a'), a); // same key, same slot, no reset
    assert.deepEqual(resets, [a, b]);
    const c = t.slot('c'); // hot (a, b) full: it becomes the cold generation
    assert.equal(t.slot('a'), a); // touched again: back to hot with its slot (and state)
    const d = t.slot('d'); // hot (c, a) full: the cold generation (b) is evicted, its slot reused
    assert.equal(d, b);
    assert.equal(resets.at(-1), b); // and reset for the new key
    assert.equal(t.peek('b'), -1);
    assert.equal(t.evictions, 1);
    t.slot('e');
    assert.equal(t.size, 4); // never more than cap
    assert.equal(t.peek('a'), a);
    assert.equal(t.peek('c'), c);
  });

  it('grows its arrays in steps up to the cap', () => {
    const grows: number[] = [];
    const t = new SlotTable<number>(5000);
    t.onGrow = (c) => grows.push(c);
    for (let i = 0; i < 3000; i++) t.slot(i);
    assert.ok(grows.length >= 1 && grows.at(-1)! >= 3000 && grows.at(-1)! <= 5001, String(grows));
    assert.equal(t.size, 3000);
  });
});

describe('sourceKey', () => {
  it('gives canonical IPv4 addresses their 32-bit value and keeps every other text as is', () => {
    assert.equal(sourceKey('1.2.3.4'), 0x01020304);
    assert.equal(sourceKey('0.0.0.0'), 0);
    assert.notEqual(sourceKey('255.255.255.255'), sourceKey('255.255.255.254'));
    for (const t of ['01.2.3.4', '1.2.3', '1.2.3.4.5', '256.1.1.1', '2001:db8::1', '::ffff:1.2.3.4', 'x'])
      assert.equal(sourceKey(t), t);
  });
});

describe('rings', () => {
  it('RecentRing keeps the last n items oldest first, with tags, and grows to its bound', () => {
    const r = new RecentRing<number>(5);
    for (let i = 0; i < 7; i++) r.push(i * 10, i, `s${i % 2}`);
    assert.deepEqual(r.list(), [2, 3, 4, 5, 6]);
    assert.deepEqual(r.tagList(), ['s0', 's1', 's0', 's1', 's0']);
    assert.equal(r.full(60, 40), true);
    assert.equal(r.full(61, 40), false);
    assert.equal(r.tagsAtLeast(2), true);
    assert.equal(r.tagsAtLeast(3), false);
    r.clear();
    assert.deepEqual(r.list(), []);
    assert.equal(r.count, 0);
  });

  it('RateRing answers "n within the window"', () => {
    const r = new RateRing(3);
    assert.equal(r.hit(0, 100), false);
    assert.equal(r.hit(50, 100), false);
    assert.equal(r.hit(100, 100), true);
    assert.equal(r.hit(300, 100), false);
    r.reset();
    assert.equal(r.size, 0);
  });
});

describe('BusyState', () => {
  const slab = () => ({
    num: new Float64Array(1),
    ref: [undefined, undefined, undefined] as unknown[],
    n: 0,
    r: 0,
  });
  it('remembers a first event and creates the state from it at a second event within the window', () => {
    const seeds: unknown[] = [];
    const b = new BusyState<string[], string>(slab(), 1000, true, (t, k, v) => {
      seeds.push([t, k, v]);
      return [];
    });
    assert.equal(b.take(0, 'k0', 'v0'), undefined);
    assert.equal(b.take(5000, 'k1', 'v1'), undefined); // gap: k0 is out of the window for good
    const st = b.take(5500, 'k2', 'v2');
    assert.ok(st);
    assert.deepEqual(seeds, [[5000, 'k1', 'v1']]);
    assert.equal(b.take(5600, 'k3', 'v3'), st); // busy: same state
    assert.equal(b.take(9000, 'k4', 'v4'), undefined); // gap: state dropped
  });

  it('creates the state at once for a threshold of one event', () => {
    const b = new BusyState<number[], undefined>(slab(), 1000, false, () => []);
    const st = b.take(0, 'k', undefined);
    assert.ok(st);
    assert.equal(b.take(99_999, 'k', undefined), st);
  });
});

describe('compact evidence', () => {
  it('incidents carry events equal to the decoded ones, kept as lines and decoded again', async () => {
    const seen: unknown[] = [];
    const incidents: { events: unknown[] }[] = [];
    const p = await Pipeline.create({
      policy: policySchema.parse({ version: 1, detection: { brute_force: { failures: 3 } } }),
      only: ['brute-force'],
      sinks: [{ event: (e) => seen.push(e), incident: (i) => incidents.push(i) }],
    });
    const text = [0, 1, 2]
      .map(
        (i) =>
          `[2026-11-24 10:00:0${i}] NOTICE[2143] res_pjsip/pjsip_distributor.c:676 log_failed_request: Request 'REGISTER' from '<sip:10${i}@x>' failed for '203.0.113.9:5060' (callid: c${i}) - Failed to authenticate`,
      )
      .join('\n');
    const ctx = { fallbackTime: 0, refTime: Date.UTC(2026, 10, 25), origin: 'file:/x' };
    p.chunk(Buffer.from(text), 0, Buffer.byteLength(text), ctx);
    assert.equal(incidents.length, 1);
    assert.deepEqual(incidents[0]!.events, seen);
    assert.notEqual(incidents[0]!.events[0], seen[0]); // rebuilt from the kept line, not retained
  });

  it('KeptLine holds the line, a context, the origin and the event index', () => {
    const k = new KeptLine('x', { fallbackTime: 1, refTime: 2 }, 'f:1', 0, 5);
    assert.equal(k.time, 5);
    assert.equal(k.line, 'x');
    assert.equal(k.origin, 'f:1');
  });

  it('a reused context whose origin changes line by line: each event keeps its own origin', async () => {
    const seen: { evidence: { origin?: string } }[] = [];
    const incidents: { events: { evidence: { origin?: string } }[] }[] = [];
    const p = await Pipeline.create({
      policy: policySchema.parse({ version: 1, detection: { brute_force: { failures: 3 } } }),
      only: ['brute-force'],
      sinks: [{ event: (e) => seen.push(e), incident: (i) => incidents.push(i) }],
    });
    const ctx: { fallbackTime: number; refTime: number; origin?: string } = {
      fallbackTime: 0,
      refTime: Date.UTC(2026, 10, 25),
    };
    for (const i of [0, 1, 2]) {
      ctx.origin = `/var/log/asterisk/messages:${i + 7}`;
      p.line(
        `[2026-11-24 10:00:0${i}] NOTICE[2143] res_pjsip/pjsip_distributor.c:676 log_failed_request: Request 'REGISTER' from '<sip:10${i}@x>' failed for '203.0.113.9:5060' (callid: c${i}) - Failed to authenticate`,
        ctx,
      );
    }
    assert.equal(incidents.length, 1);
    assert.deepEqual(
      incidents[0]!.events.map((e) => e.evidence.origin),
      ['/var/log/asterisk/messages:7', '/var/log/asterisk/messages:8', '/var/log/asterisk/messages:9'],
    );
    assert.deepEqual(incidents[0]!.events, seen);
  });
});

describe('metrics tally and heap growth', () => {
  it('Tally adds its counts to the counter when flushed, once', async () => {
    const registry = new Registry();
    const c = new Counter({ name: 't_total', help: 'h', labelNames: ['a', 'b'], registers: [registry] });
    const t = new Tally(c, ['a', 'b']);
    t.add('x', 'y');
    t.add('x', 'y');
    t.add('x', 'z');
    t.flush();
    t.flush();
    const text = await registry.metrics();
    assert.match(text, /t_total\{a="x",b="y"\} 2/);
    assert.match(text, /t_total\{a="x",b="z"\} 1/);
  });

  it('limitHeapGrowth sets the V8 flag (and refuses 0)', () => {
    assert.equal(limitHeapGrowth(0), false);
    assert.equal(limitHeapGrowth(20), true);
    assert.ok(defaultPolicy().policy.detection.state_cap > 0);
  });
});
