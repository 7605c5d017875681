import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryGuard } from '../../src/watch/memory.js';

describe('memory guard', () => {
  it('collects when resident memory passes the limit, at most once per interval', () => {
    // every collection frees a lot (fake heap sizes): the interval stays at its minimum
    let used = 0;
    const g = new MemoryGuard(1, 60_000, 600_000, () => {
      used = used === 0 ? 10 << 20 : 0;
      return used;
    });
    assert.equal(g.available, true);
    assert.equal(g.check(1_000_000), true);
    assert.equal(g.check(1_000_001), false);
    assert.equal(g.check(1_070_000), true);
    assert.equal(g.collections, 2);
    assert.equal(g.fruitless, 0);
    assert.equal(g.currentIntervalMs, 60_000);
  });

  it('backs off while collections free little, and returns to the minimum when one frees memory', () => {
    let freed = 0;
    let before = true;
    const g = new MemoryGuard(1, 1000, 4000, () => {
      const v = before ? 50 << 20 : (50 << 20) - freed;
      before = !before;
      return v;
    });
    assert.equal(g.check(10_000), true); // frees nothing
    assert.equal(g.currentIntervalMs, 2000);
    assert.equal(g.check(11_500), false);
    assert.equal(g.check(12_000), true);
    assert.equal(g.currentIntervalMs, 4000);
    assert.equal(g.check(16_000), true);
    assert.equal(g.currentIntervalMs, 4000); // capped
    assert.equal(g.fruitless, 3);
    freed = 1 << 20; // a collection that frees the whole limit
    assert.equal(g.check(20_000), true);
    assert.equal(g.currentIntervalMs, 1000);
    assert.equal(g.fruitless, 3);
    assert.equal(g.collections, 4);
  });

  it('a real collection of real garbage is not counted as fruitless', () => {
    const g = new MemoryGuard(1, 0);
    let junk: number[][] | undefined = Array.from({ length: 2000 }, () => new Array(1000).fill(1.5));
    assert.equal(junk.length, 2000);
    junk = undefined;
    assert.equal(g.check(), true);
    assert.equal(g.fruitless, 0);
  });

  it('does nothing below the limit or when off', () => {
    assert.equal(new MemoryGuard(1_000_000).check(), false);
    assert.equal(new MemoryGuard(0).check(), false);
  });
});
