import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assessPassword, assessPin, charClasses } from '../../src/credentials/strength.js';

const rules = { min_length: 12, min_classes: 3, passphrase_length: 20, common_check: true, min_score: 3 };
const pin = { min_length: 6, forbid_trivial: true, forbid_mailbox: true };

describe('password assessment', () => {
  const weak: [string, RegExp][] = [
    ['6001', /digits only/],
    ['6001', /equal to the account name/],
    ['password123', /common-password/],
    ['P@ssw0rd', /common-password/],
    ['Acme6001Phone!', /contains the account name/],
    ['Summer2024', /shorter than 12/],
    ['abcabcabcabcabcabcabc', /guessable/],
    ['qwertyuiopasdfgh', /character class|guessable/],
    ['', /empty/],
  ];
  for (const [pw, why] of weak) {
    it(`flags ${JSON.stringify(pw)} (${why.source})`, () => {
      const a = assessPassword(pw, ['6001'], rules);
      assert.equal(a.weak, true);
      assert.ok(
        a.reasons.some((r) => why.test(r)),
        a.reasons.join('; '),
      );
      for (const r of a.reasons)
        if (pw.length >= 4) assert.ok(!r.includes(pw), 'a reason must not quote the password');
    });
  }
  const strong = [
    'vT4m-Qz8r!Kp2wXe',
    '9f86d081884c7d659a2feaa0c55ad015',
    'correct horse battery staple',
    'x9$Lq2!vN8#pR4',
  ];
  for (const pw of strong) {
    it(`accepts ${JSON.stringify(pw)}`, () => {
      const a = assessPassword(pw, ['6001'], rules);
      assert.deepEqual(a.reasons, []);
    });
  }
  it('respects the policy: a shorter minimum and no class rule', () => {
    assert.equal(assessPassword('k2Vd9Qs4zr', [], { ...rules, min_length: 8, min_classes: 1 }).weak, false);
  });
  it('counts character classes', () => {
    assert.equal(charClasses('abc'), 1);
    assert.equal(charClasses('aB1!'), 4);
  });
});

describe('PIN assessment', () => {
  const cases: [string, string, RegExp | null][] = [
    ['', '100', /no PIN/],
    ['1234', '100', /trivial/],
    ['100', '100', /mailbox/],
    ['0100', '100', /mailbox/],
    ['001', '100', /mailbox/],
    ['123456', '100', /sequence/],
    ['987654', '100', /sequence/],
    ['777777', '100', /repeated digit/],
    ['121212', '100', /repeated pattern/],
    ['4242', '100', /trivial/],
    ['739215', '100', null],
    ['58301946', '107', null],
  ];
  for (const [p, mb, why] of cases) {
    it(`${JSON.stringify(p)} for mailbox ${mb}: ${why ? why.source : 'ok'}`, () => {
      const a = assessPin(p, mb, pin);
      if (why)
        assert.ok(
          a.reasons.some((r) => why.test(r)),
          a.reasons.join('; '),
        );
      else assert.deepEqual(a.reasons, []);
    });
  }
});

describe('password assessment: policy limits', () => {
  it('an 8-character random password is still guessable at the default strength', () => {
    const a = assessPassword('k2Vd9Qs4', [], { ...rules, min_length: 8, min_classes: 1 });
    assert.ok(a.reasons.some((r) => /guessable/.test(r)));
  });
});
