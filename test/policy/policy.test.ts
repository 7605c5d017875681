import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HardlineError } from '../../src/core/errors.js';
import { defaultPolicy, parsePolicy } from '../../src/policy/loader.js';

function errorsOf(text: string): { line?: number; column?: number; message: string; hint?: string }[] {
  try {
    parsePolicy(text, '/tmp/hardline.yaml');
  } catch (e) {
    assert.ok(e instanceof HardlineError);
    return e.details;
  }
  assert.fail('expected the policy to be rejected');
}

describe('policy loader', () => {
  it('accepts a full policy and records which sections were set', () => {
    const p = parsePolicy(
      [
        'version: 1',
        'site: Test',
        'pbxs: [{ name: main, kind: asterisk, config: etc }]',
        'endpoints: [{ host: pbx.example.com, transport: tls, port: 5061 }]',
        'trunks: [{ name: t, addresses: [203.0.113.1, 2001:db8::/48, sip.example.net] }]',
        'networks: { lan: [192.168.1.0/24], mgmt: ["10.0.0.0/255.255.255.0"] }',
        'rtp: { start: 10000, end: 10999 }',
        'security: { srtp: required }',
        'exceptions:',
        '  - { rule: AST-RTP-001, target: "rtp:range", reason: migration, approver: bob, expires: 2026-12-31 }',
      ].join('\n'),
      '/tmp/hardline.yaml',
    );
    assert.equal(p.policy.endpoints[0]!.public, true);
    assert.equal(p.policy.security.sip_tls, 'preferred');
    assert.equal(p.policy.credentials.min_length, 12);
    assert.equal(p.policy.exceptions[0]!.expires, '2026-12-31T23:59:59.000Z');
    assert.deepEqual([...p.provided].sort(), ['endpoints', 'networks', 'rtp', 'security.srtp', 'trunks']);
    assert.deepEqual(p.exceptionLines, [10]);
  });

  it('defaults set nothing', () => {
    const d = defaultPolicy();
    assert.equal(d.provided.size, 0);
    assert.equal(d.policy.rtp, undefined);
  });

  it('rejects unknown keys at their line and column, with the allowed keys', () => {
    const errs = errorsOf('version: 1\nsecurity:\n  srtp: required\n  tls: yes\n');
    assert.equal(errs.length, 1);
    assert.equal(errs[0]!.line, 4);
    assert.equal(errs[0]!.column, 3);
    assert.match(errs[0]!.message, /unknown key 'tls'/);
    assert.match(errs[0]!.hint ?? '', /sip_tls, srtp, min_tls/);
  });

  it('names wrong values with their position and the expected shape', () => {
    const errs = errorsOf(
      [
        'version: 1',
        'trunks:',
        '  - name: t',
        '    addresses: [1.2.3.4, "not a host!"]',
        'rtp: { start: 20000, end: 10000 }',
        'security: { srtp: maybe }',
      ].join('\n'),
    );
    const byPath = Object.fromEntries(errs.map((e) => [e.message.split(':')[0], e]));
    assert.equal(byPath['trunks.0.addresses.1']?.line, 4);
    assert.equal(byPath['trunks.0.addresses.1']?.column, 26);
    assert.match(byPath['security.srtp']?.message ?? '', /required.*preferred.*off/);
    assert.equal(byPath['rtp']?.line, 5);
  });

  it('reports missing required fields of an exception at the exception', () => {
    const errs = errorsOf(
      'version: 1\nexceptions:\n  - rule: AST-RTP-001\n    target: rtp:range\n    expires: 2026-12-31\n',
    );
    assert.deepEqual(
      errs.map((e) => [e.message, e.line]),
      [
        ['exceptions.0.reason: required, missing', 3],
        ['exceptions.0.approver: required, missing', 3],
      ],
    );
  });

  it('rejects a bad date and a bad rule id', () => {
    const errs = errorsOf(
      'version: 1\nexceptions:\n  - { rule: ami-1, target: x, reason: why not, approver: a, expires: 2026-13-45 }\n',
    );
    assert.equal(errs.length, 2);
    assert.ok(errs.every((e) => e.line === 3));
  });

  it('reports YAML syntax errors with a position', () => {
    try {
      parsePolicy('version: 1\ntrunks: [a, b\n', '/tmp/hardline.yaml');
      assert.fail('should throw');
    } catch (e) {
      assert.ok(e instanceof HardlineError);
      assert.equal(e.code, 'HL_ERR_POLICY_SYNTAX');
      assert.ok((e.details[0]?.line ?? 0) >= 2);
    }
  });

  it('requires version 1', () => {
    const errs = errorsOf('site: x\n');
    assert.match(errs[0]!.message, /^version/);
  });
});
