import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HardlineError } from '../../src/core/errors.js';
import { parsePolicy } from '../../src/policy/loader.js';
import { parseDuration } from '../../src/policy/schema.js';

function errs(text: string) {
  try {
    parsePolicy(text, '/tmp/hardline.yaml');
  } catch (e) {
    assert.ok(e instanceof HardlineError);
    return e.details;
  }
  assert.fail('expected an error');
}

describe('policy detection section', () => {
  it('has sane defaults when absent', () => {
    const d = parsePolicy('version: 1\n', '/tmp/h.yaml').policy.detection;
    assert.equal(d.brute_force.failures, 10);
    assert.equal(d.brute_force.window, 300);
    assert.equal(d.request_flood.per_source.max, 50);
    assert.equal(d.state_cap, 20_000);
    assert.equal(d.toll_fraud.business_hours, undefined);
    assert.equal(d.spare_authenticated, 3600);
  });

  it('accepts durations as text or seconds and nested overrides', () => {
    const d = parsePolicy(
      [
        'version: 1',
        'networks: { office: [192.168.10.0/24] }',
        'detection:',
        '  brute_force: { failures: 5, window: 90s, ban: 2h }',
        '  request_flood: { per_source: { max: 16, window: 2 } }',
        '  registration_network: { accounts: [{ account: "1*", networks: [office, 203.0.113.0/24] }] }',
        '  toll_fraud: { business_hours: { timezone: Europe/Berlin }, premium: ["^00(881|882)"] }',
      ].join('\n'),
      '/tmp/h.yaml',
    ).policy.detection;
    assert.deepEqual(d.brute_force, { enabled: true, failures: 5, window: 90, ban: 7200 });
    assert.deepEqual(d.request_flood.per_source, { max: 16, window: 2 });
    assert.equal(d.request_flood.global.max, 2000);
    assert.deepEqual(d.toll_fraud.business_hours, {
      days: ['mon', 'tue', 'wed', 'thu', 'fri'],
      start: '08:00',
      end: '18:00',
      timezone: 'Europe/Berlin',
    });
    assert.equal(parseDuration('1.5h'), 5400);
  });

  it('is strict: unknown keys, bad durations, bad regexes and time zones are located', () => {
    const e = errs(
      [
        'version: 1',
        'detection:',
        '  brute_force: { failures: 5, windw: 5m }',
        '  enumeration: { window: soon }',
        '  toll_fraud:',
        '    premium: ["(unclosed"]',
        '    business_hours: { timezone: Mars/Olympus }',
      ].join('\n'),
    );
    const msgs = e.map((d) => `${d.line}:${d.message}`);
    assert.ok(
      msgs.some((m) => /^3:detection\.brute_force: unknown key 'windw'/.test(m)),
      msgs.join('\n'),
    );
    assert.ok(
      msgs.some((m) => /^4:detection\.enumeration\.window/.test(m)),
      msgs.join('\n'),
    );
    assert.ok(
      msgs.some((m) => /^6:detection\.toll_fraud\.premium\.0: expected a regular expression/.test(m)),
      msgs.join('\n'),
    );
    assert.ok(
      msgs.some((m) => /^7:detection\.toll_fraud\.business_hours\.timezone: expected an IANA/.test(m)),
      msgs.join('\n'),
    );
    const hint = e.find((d) => /windw/.test(d.message))?.hint ?? '';
    assert.match(hint, /enabled, failures, window, ban/);
  });
});
