import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClockSkewTracker, combineSkew } from '../../src/watch/skew.js';

const H = 3_600_000;
const T = Date.UTC(2026, 10, 25, 10, 0, 0);

describe('clock skew per event source', () => {
  it('summarises event time minus receive time per source: median, min, max, largest absolute value', () => {
    const k = new ClockSkewTracker({ run: 'r1' });
    // a HEP agent 250 ms ahead with a little jitter, and one late packet
    for (const [i, d] of [240, 250, 255, 260, 245, -900].entries())
      k.sample('hep:192.0.2.5', T + i * 10 + d + 3, T + i * 10);
    const rows = k.drain();
    assert.equal(rows.length, 1);
    const r = rows[0]!;
    assert.equal(r.source, 'hep:192.0.2.5');
    assert.equal(r.run, 'r1');
    assert.equal(r.bucket, T);
    assert.equal(r.samples, 6);
    assert.equal(r.medianMs, (245 + 3 + 250 + 3) / 2);
    assert.equal(r.minMs, -897);
    assert.equal(r.maxMs, 263);
    assert.equal(r.maxAbsMs, 897);
    assert.equal(r.resolutionMs, 1);
    assert.equal(r.lastSeen, T + 50);
    assert.deepEqual(k.drain(), [], 'nothing new: nothing to write');
  });

  it('centres whole-second timestamps by +500 ms (a log line names the second the event happened in)', () => {
    const k = new ClockSkewTracker();
    // a perfectly synchronised PBX writing whole seconds, read 0..900 ms into the second
    for (let i = 0; i < 10; i++)
      k.sample('file:/var/log/asterisk/messages', T + i * 1000, T + i * 1000 + i * 100);
    const r = k.drain()[0]!;
    assert.equal(r.resolutionMs, 1000);
    assert.ok(Math.abs(r.medianMs) <= 50, `centred near 0: ${r.medianMs}`);
    // one sub-second timestamp: no longer whole seconds, no centring
    k.sample('file:/var/log/asterisk/messages', T + 10_250, T + 10_000);
    const r2 = k.drain()[0]!;
    assert.equal(r2.resolutionMs, 1);
  });

  it('starts a new row every hour (and per watch run), keeping the finished hour for the store', () => {
    const k = new ClockSkewTracker({ run: 'a' });
    k.sample('syslog:192.0.2.7', T + 100, T);
    k.sample('syslog:192.0.2.7', T + H + 4001, T + H + 1);
    const rows = k.drain();
    assert.deepEqual(
      rows.map((r) => [r.bucket, r.samples, r.medianMs]),
      [
        [T, 1, 100],
        [T + H, 1, 4000],
      ],
    );
    assert.notEqual(new ClockSkewTracker().run, new ClockSkewTracker().run);
  });

  it('is bounded: sources (least recently seen evicted, its summary kept) and samples per source', () => {
    const k = new ClockSkewTracker({ maxSources: 3, reservoir: 16 });
    for (let i = 0; i < 10; i++) k.sample(`hep:198.51.100.${i}`, T + i + 1000, T + i);
    for (let i = 0; i < 5000; i++) k.sample('hep:198.51.100.9', T + 20_000 + i + 7, T + 20_000 + i);
    const rows = k.drain();
    assert.equal(rows.length, 10, 'every source summarised once (7 of them on eviction)');
    const big = rows.find((r) => r.source === 'hep:198.51.100.9' && r.samples > 1)!;
    assert.equal(big.samples, 5001);
    assert.equal(big.medianMs, 7, 'the reservoir keeps the median');
    assert.ok(k.dropped === 0);
    k.sample('hep:x', Number.NaN, T);
    assert.equal(k.dropped, 1, 'a non-finite time is refused and counted');
  });

  it('combines hourly rows: samples summed, median weighted by samples, largest absolute value', () => {
    const row = (medianMs: number, samples: number, maxAbsMs: number, lastSeen: number) => ({
      source: 's',
      bucket: 0,
      run: 'r',
      samples,
      medianMs,
      minMs: 0,
      maxMs: 0,
      maxAbsMs,
      resolutionMs: 1,
      lastSeen,
    });
    assert.deepEqual(combineSkew([row(4000, 100, 4500, 5), row(10, 3, 20, 9), row(12, 2, 30, 7)]), {
      samples: 105,
      medianMs: 4000,
      maxAbsMs: 4500,
      lastSeen: 9,
    });
    assert.equal(combineSkew([row(-50, 10, 60, 1), row(300, 11, 320, 2)]).medianMs, 300);
  });
});
