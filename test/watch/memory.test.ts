import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryGuard } from '../../src/watch/memory.js';

describe('memory guard', () => {
  it('collects when resident memory passes the limit, at most once per interval', () => {
    const g = new MemoryGuard(1, 60_000);
    assert.equal(g.available, true);
    assert.equal(g.check(1_000_000), true);
    assert.equal(g.check(1_000_001), false);
    assert.equal(g.check(1_070_000), true);
    assert.equal(g.collections, 2);
  });

  it('does nothing below the limit or when off', () => {
    assert.equal(new MemoryGuard(1_000_000).check(), false);
    assert.equal(new MemoryGuard(0).check(), false);
  });
});
