import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HardlineError } from '../../src/core/errors.js';
import { defaultPolicy, parsePolicy } from '../../src/policy/loader.js';
import { inPolicyScope } from '../../src/probe/runner.js';

/** The `probe:` section of hardline.yaml: defaults, strictness, errors with file:line:col. */
const FILE = '/tmp/hl-policy-test/hardline.yaml';

function errorsOf(text: string) {
  try {
    parsePolicy(text, FILE);
  } catch (e) {
    assert.ok(e instanceof HardlineError);
    assert.equal(e.code, 'HL_ERR_POLICY_SCHEMA');
    for (const d of e.details) assert.match(d.file ?? '', /hardline\.yaml$/, 'every error names the file');
    return e.details;
  }
  assert.fail('expected the policy to be rejected');
}

describe('policy: probe section', () => {
  it('defaults (no probe section): paced below pike, bounded in time, nothing enabled that needs a value', () => {
    for (const p of [defaultPolicy().policy, parsePolicy('version: 1\n', FILE).policy]) {
      assert.deepEqual(p.probe, {
        rate: 5,
        max_time: 120,
        timeout_ms: 2000,
        external_number: '+442079460000',
        public_ports: [],
        burst: 40,
        scope: [],
      });
    }
    assert.ok(!parsePolicy('version: 1\n', FILE).provided.has('probe'));
  });

  it('accepts every key, and records that the probe section was set', () => {
    const p = parsePolicy(
      [
        'version: 1',
        'probe:',
        '  rate: 2.5',
        '  max_time: 300',
        '  timeout_ms: 1500',
        '  known_extension: "1001"',
        '  extensions: ["100", "2000", "*97", "sales.1"]',
        '  external_number: "+4930123456"',
        '  account: { username: "1001", password_env: LAB_PW, destination: "1002" }',
        '  public_ports: [443, 8443]',
        '  ca_file: ca/ca.pem',
        '  burst: 20',
        '  scope: [198.18.1.0/24, staging.example.com, "2001:db8::1"]',
      ].join('\n'),
      FILE,
    );
    assert.equal(p.policy.probe.rate, 2.5);
    assert.equal(p.policy.probe.account?.password_env, 'LAB_PW');
    assert.deepEqual(p.policy.probe.scope, ['198.18.1.0/24', 'staging.example.com', '2001:db8::1']);
    assert.ok(p.provided.has('probe'));
  });

  it('an unknown key is an error at its line and column, with the allowed keys', () => {
    const errs = errorsOf('version: 1\nprobe:\n  rate: 5\n  speed: 10\n');
    assert.equal(errs.length, 1);
    assert.equal(errs[0]!.line, 4);
    assert.equal(errs[0]!.column, 3);
    assert.equal(errs[0]!.message, "probe: unknown key 'speed'");
    assert.match(
      errs[0]!.hint ?? '',
      /rate, max_time, timeout_ms, known_extension, extensions, external_number, account, public_ports, ca_file, burst, scope/,
    );
  });

  it('a password in the policy is refused: the account names an environment variable instead', () => {
    const errs = errorsOf(
      'version: 1\nprobe:\n  account:\n    username: "1001"\n    password: hunter2\n    password_env: LAB_PW\n    destination: "1002"\n',
    );
    assert.equal(errs.length, 1);
    assert.equal(errs[0]!.line, 5);
    assert.equal(errs[0]!.column, 5);
    assert.equal(errs[0]!.message, "probe.account: unknown key 'password'");
    assert.match(errs[0]!.hint ?? '', /username, password_env, destination/);
    assert.ok(!JSON.stringify(errs).includes('hunter2'), 'the error does not repeat the password');
  });

  it('names each wrong value with its position and the expected shape', () => {
    const errs = errorsOf(
      [
        'version: 1', // 1
        'probe:', // 2
        '  rate: 0', // 3
        '  max_time: 2', // 4
        '  timeout_ms: 100', // 5
        '  known_extension: "10 01"', // 6
        '  external_number: call-me', // 7
        '  account: { username: "1001", password_env: lab_pw, destination: "1002" }', // 8
        '  public_ports: [443, 70000]', // 9
        '  burst: 1000', // 10
        '  scope: ["not a host!"]', // 11
      ].join('\n'),
    );
    const at = (path: string) => {
      const e = errs.find((x) => x.message.startsWith(`${path}:`));
      assert.ok(e, `an error for ${path}: ${errs.map((x) => x.message).join(' | ')}`);
      return e;
    };
    assert.equal(at('probe.rate').line, 3);
    assert.equal(at('probe.max_time').line, 4);
    assert.equal(at('probe.timeout_ms').line, 5);
    assert.equal(at('probe.known_extension').line, 6);
    assert.match(at('probe.known_extension').message, /expected an extension such as 1001/);
    assert.equal(at('probe.external_number').line, 7);
    assert.match(at('probe.external_number').message, /expected a phone number such as \+442079460000/);
    assert.equal(at('probe.account.password_env').line, 8);
    assert.match(at('probe.account.password_env').message, /expected an environment variable name/);
    assert.equal(at('probe.public_ports.1').line, 9);
    assert.equal(at('probe.public_ports.1').column, 23);
    assert.equal(at('probe.burst').line, 10);
    assert.equal(at('probe.scope.0').line, 11);
    assert.match(at('probe.scope.0').message, /expected an IP address, a CIDR or a hostname/);
    assert.equal(errs.length, 9);
  });

  it('bounds the lists: at most 50 likely extensions', () => {
    const many = Array.from({ length: 51 }, (_, i) => `"${1000 + i}"`).join(', ');
    const errs = errorsOf(`version: 1\nprobe:\n  extensions: [${many}]\n`);
    assert.equal(errs.length, 1);
    assert.equal(errs[0]!.line, 3);
    assert.match(errs[0]!.message, /^probe\.extensions: /);
  });

  it('an account without its destination is reported at the account', () => {
    const errs = errorsOf('version: 1\nprobe:\n  account: { username: "1001", password_env: LAB_PW }\n');
    assert.deepEqual(
      errs.map((e) => [e.message, e.line]),
      [['probe.account.destination: required, missing', 3]],
    );
  });

  it('probe.scope widens what --target may name: endpoint hosts, listed hosts and networks', () => {
    const p = parsePolicy(
      'version: 1\nendpoints: [{ host: PBX.example.com, transport: tls }]\nprobe: { scope: [198.18.1.0/24, lab.test] }\n',
      FILE,
    ).policy;
    assert.ok(inPolicyScope(p, 'pbx.example.com'), 'an endpoint host (case-insensitive)');
    assert.ok(inPolicyScope(p, '198.18.1.77'), 'inside a listed network');
    assert.ok(inPolicyScope(p, 'LAB.test'));
    assert.ok(!inPolicyScope(p, '198.18.2.1'));
    assert.ok(!inPolicyScope(p, 'evil.example.com'));
    assert.ok(!inPolicyScope(p, '2001:db8::1'));
  });
});
