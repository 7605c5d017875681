import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCidr } from '../../src/net/address.js';
import { allowedByLongestPrefix, parseAll, publicPart, sizeLog2, subtract } from '../../src/net/cidrset.js';

const texts = (l: { text: string }[]) => l.map((c) => c.text);

describe('CIDR sets', () => {
  it('subtracts exactly, splitting prefixes around the holes', () => {
    assert.deepEqual(texts(subtract(parseAll(['10.0.0.0/30']), parseAll(['10.0.0.1/32']))), [
      '10.0.0.0/32',
      '10.0.0.2/31',
    ]);
    assert.deepEqual(subtract(parseAll(['10.0.0.0/24']), parseAll(['10.0.0.0/8'])), []);
    assert.deepEqual(
      texts(subtract(parseAll(['10.0.0.0/24']), parseAll(['::/0']))),
      ['10.0.0.0/24'],
      'families do not mix',
    );
    assert.equal(sizeLog2(subtract(parseAll(['0.0.0.0/0']), parseAll(['0.0.0.0/1']))), 31);
  });
  it('keeps the Internet-routable part (documentation ranges count as public)', () => {
    assert.deepEqual(texts(publicPart(parseAll(['10.1.0.0/16', '192.168.1.0/24']))), []);
    assert.deepEqual(texts(publicPart(parseAll(['203.0.113.0/24']))), ['203.0.113.0/24']);
    assert.ok(publicPart(parseAll(['0.0.0.0/0'])).length > 5);
  });
  it('evaluates longest-prefix lists with defaults', () => {
    const n = (t: string, allow: boolean) => ({ cidr: parseCidr(t)!, allow });
    assert.ok(
      allowedByLongestPrefix([n('10.0.0.0/8', true), n('10.1.0.0/16', false)], false).some((c) =>
        c.text.startsWith('10.0.'),
      ),
    );
    assert.ok(
      !allowedByLongestPrefix([n('10.0.0.0/8', true), n('10.1.0.0/16', false)], false).some((c) =>
        c.text.startsWith('10.1.'),
      ),
    );
    const all = allowedByLongestPrefix([n('192.168.0.0/16', false)], true);
    assert.ok(
      all.some((c) => c.text === '::/0'),
      'default allow covers IPv6 too',
    );
    assert.ok(!all.some((c) => c.text.startsWith('192.168.')));
  });
});
