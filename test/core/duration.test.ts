import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDuration } from '../../src/core/duration.js';
import { parseExpiry } from '../../src/policy/edit.js';
import { duration, durationSchema } from '../../src/policy/schema.js';

describe('durations: one parser for the policy and the command line', () => {
  it('reads every unit, decimals and a space before the unit', () => {
    assert.equal(parseDuration('500ms'), 0.5);
    assert.equal(parseDuration('90s'), 90);
    assert.equal(parseDuration('10m'), 600);
    assert.equal(parseDuration('1.5h'), 5400);
    assert.equal(parseDuration('2d'), 172800);
    assert.equal(parseDuration('1w'), 604800);
    assert.equal(parseDuration(' 6 h '), 21600);
  });
  it('says NaN for anything else', () => {
    for (const t of ['', '10', 'h', '10x', '-5m', '1e3s', '10 minutes', '2026-12-31']) {
      assert.ok(Number.isNaN(parseDuration(t)), t);
    }
  });
  it('the firewall ladder takes whole positive seconds only', () => {
    assert.equal(durationSchema.parse('1w'), 604800);
    assert.equal(durationSchema.parse(600), 600);
    assert.equal(durationSchema.safeParse('500ms').success, false);
    assert.equal(durationSchema.safeParse('0s').success, false);
    assert.equal(durationSchema.safeParse('soon').success, false);
  });
  it('detector windows take fractions and weeks too', () => {
    assert.equal(duration.parse('1w'), 604800);
    assert.equal(duration.parse('250ms'), 0.25);
    assert.equal(duration.safeParse('later').success, false);
  });
  it('exception --expires accepts the same durations, and dates', () => {
    const now = new Date('2026-11-25T10:00:00Z');
    assert.equal(parseExpiry('4h', now), '2026-11-25T14:00:00Z');
    assert.equal(parseExpiry('90s', now), '2026-11-25T10:01:30Z');
    assert.equal(parseExpiry('2026-12-31', now), '2026-12-31T23:59:59Z');
    assert.throws(() => parseExpiry('0m', now), /positive/);
    assert.throws(() => parseExpiry('tomorrow', now), /expected a duration/);
  });
});
