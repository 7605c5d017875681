import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  acceptsNonDialChars,
  canSend,
  internationalReach,
  isUnbounded,
  matchesExtension,
  numberingPlan,
  parsePattern,
  patternsOverlap,
} from '../../src/pbx/asterisk/pattern.js';

const P = parsePattern;
const matches = (p: string, e: string) => matchesExtension(P(p), e);
const intl = (p: string, tr?: { prepend: string; skip: number; maxLen?: number }) =>
  internationalReach([P(p)], tr);

describe('extension pattern matching (pbx.c semantics)', () => {
  it('X, Z, N are digit classes', () => {
    assert.ok(matches('_1XX', '100'));
    assert.ok(matches('_1XX', '199'));
    assert.ok(!matches('_1XX', '1000'));
    assert.ok(!matches('_1XX', '10'));
    assert.ok(matches('_Z', '1') && !matches('_Z', '0'));
    assert.ok(matches('_N', '2') && !matches('_N', '1'));
    assert.ok(matches('_nxx', '255'), 'classes are case-insensitive');
  });
  it('[...] sets with ranges', () => {
    assert.ok(matches('_[1-35]00', '300'));
    assert.ok(matches('_[1-35]00', '500'));
    assert.ok(!matches('_[1-35]00', '400'));
    assert.ok(matches('_[+0-9]X', '+1'));
  });
  it('. is one or more, ! is zero or more, and both end the pattern', () => {
    assert.ok(matches('_9.', '91'));
    assert.ok(!matches('_9.', '9'));
    assert.ok(matches('_9!', '9'));
    assert.ok(matches('_9!', '9123'));
    assert.ok(matches('_X.', '1&DAHDI/g1'), '. takes any character');
    assert.ok(!matches('_X.', '&DAHDI/g1'), 'but X still needs a digit');
    assert.ok(matches('_9.XX', '91'), 'what follows . is ignored');
  });
  it('dashes in patterns are ignored; literal extensions compare exactly', () => {
    assert.ok(matches('_555-XXXX', '5551234'));
    assert.ok(matches('s', 's'));
    assert.ok(!matches('100', '1000'));
    assert.ok(!P('100').isPattern);
  });
  it('knows unbounded patterns', () => {
    assert.ok(isUnbounded(P('_X.')));
    assert.ok(isUnbounded(P('_!')));
    assert.ok(!isUnbounded(P('_NXXNXXXXXX')));
  });
});

describe('international reach', () => {
  it('flags open and international patterns', () => {
    for (const p of [
      '_X.',
      '_.',
      '_!',
      '_0.',
      '_00.',
      '_011.',
      '_+.',
      '_[+0-9].',
      '_00X.',
      '_011XXXXXXXXX',
    ]) {
      assert.ok(intl(p), `${p} reaches international numbers`);
    }
    assert.deepEqual(intl('_011.')?.prefixes, ['011']);
    assert.deepEqual(intl('_+.')?.prefixes, ['+']);
    assert.deepEqual(intl('_X.')?.prefixes, ['00', '011'], 'a digit class cannot produce +');
    assert.equal(intl('_X.')?.open, true);
    assert.equal(intl('_.')?.open, true);
    assert.equal(intl('_!')?.open, true);
    assert.equal(intl('_011.')?.open, false);
  });
  it('leaves national, internal and emergency patterns alone', () => {
    for (const p of [
      '_NXXNXXXXXX',
      '_1NXXNXXXXXX',
      '_1XX',
      '911',
      '_9NXXNXXXXXX',
      '_0[1-9]XXXXXXX',
      '_00X',
      '_ZX.',
    ])
      assert.equal(intl(p), undefined, p);
  });
  it('applies what the dial string does to the number', () => {
    // _9. with the 9 stripped sends anything, so 011... as well.
    assert.ok(intl('_9.', { prepend: '', skip: 1 })?.open);
    assert.deepEqual(intl('_9011.', { prepend: '', skip: 1 })?.prefixes, ['011']);
    // Without stripping, the trunk receives 9011..., which is not an international number.
    assert.equal(intl('_9011.'), undefined);
    // _9NXXNXXXXXX stripped is a national number.
    assert.equal(intl('_9NXXNXXXXXX', { prepend: '', skip: 1 }), undefined);
    // A literal 011 in the dial string makes any number international.
    assert.ok(intl('_ZXXX.', { prepend: '011', skip: 0 }));
    // ${EXTEN:0:4} keeps at most 4 digits: too short for an international number.
    assert.equal(intl('_011.', { prepend: '', skip: 0, maxLen: 4 }), undefined);
    // 1 prepended to a 10-digit national pattern: national.
    assert.equal(intl('_NXXNXXXXXX', { prepend: '1', skip: 0 }), undefined);
  });
  it('intersects several patterns (a number must match every one)', () => {
    assert.ok(internationalReach([P('_X.'), P('_011.')]));
    assert.equal(internationalReach([P('_X.'), P('_1XX')]), undefined);
    assert.ok(canSend([P('_X.'), P('_00.')], { prepend: '', skip: 0 }, '00', 9));
  });
});

describe('pattern overlap and injection', () => {
  it('overlap is exact', () => {
    assert.ok(patternsOverlap([P('_X.'), P('_1XX')]));
    assert.ok(!patternsOverlap([P('_1XX'), P('_2XX')]));
    assert.ok(!patternsOverlap([P('_1XX'), P('_011.')]));
    assert.ok(patternsOverlap([P('_9!'), P('9')]));
    assert.ok(!patternsOverlap([P('_9.'), P('9')]));
    assert.ok(patternsOverlap([]));
  });
  it('finds patterns that let a caller put & or / into ${EXTEN}', () => {
    for (const p of ['_X.', '_.', '_!', '_011.', '_[0-9&]XX']) assert.ok(acceptsNonDialChars([P(p)]), p);
    for (const p of ['_1XX', '_NXXNXXXXXX', '_[0-9*#]XX', '100']) assert.ok(!acceptsNonDialChars([P(p)]), p);
    assert.ok(!acceptsNonDialChars([P('_X.'), P('_1XX')]), 'intersection is digits only');
  });
});

describe('numbering plan', () => {
  const plan = (...ps: string[]) => numberingPlan(ps.map(P));
  it('North American dialplans: 011 is international, 00 is not', () => {
    assert.deepEqual(plan('_NXXNXXXXXX', '_011.'), ['+', '011']);
    assert.deepEqual(plan('_1NXXNXXXXXX'), ['+', '011']);
    assert.deepEqual(plan('_9011.'), ['+', '011']);
  });
  it('the rest of the world: 00 is international, 011 may be a national number', () => {
    assert.deepEqual(plan('_00.', '_0[1-9].'), ['+', '00']);
    assert.deepEqual(plan('_900.'), ['+', '00']);
  });
  it('without a clue both count', () => {
    assert.deepEqual(plan('_X.', '_1XX'), ['+', '00', '011']);
    assert.deepEqual(plan('_00.', '_011.'), ['+', '00', '011']);
  });
  it('internationalReach honours the plan', () => {
    assert.equal(internationalReach([P('_0[1-9].')], undefined, ['+', '00']), undefined);
    assert.ok(internationalReach([P('_0[1-9].')], undefined, ['+', '011']));
  });
});
