import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SEVERITIES } from '../../src/core/severity.js';
import { STEPS } from '../../src/core/steps.js';
import type { TimeSyncStatus } from '../../src/host/timesync.js';
import { parsePolicy } from '../../src/policy/loader.js';
import { deviceModel } from '../../src/review/build.js';
import { type ReviewCheckInput, runReviewChecks } from '../../src/review/check.js';
import { firmwareAfter } from '../../src/review/checks/hl-ver-003.js';
import { REVIEW_CHECKS } from '../../src/review/checks/index.js';
import { loadAdvisoryTable, type VersionSighting } from '../../src/review/versions.js';
import { parseWatchSnapshot, sightingNetwork, type WatchSnapshot } from '../../src/review/watch.js';
import { FIXTURES, ROOT } from '../helpers.js';

const NOW = new Date('2026-11-24T12:00:00Z');
const advisories = loadAdvisoryTable();
const policy = parsePolicy(
  'version: 1\nfirmware:\n  - { user_agent: Yealink SIP-T54W, min: 96.86.0.100 }\n  - { user_agent: Cisco/SPA504G, min: 7.6.2c, reason: web login bypass }\n',
  '/tmp/hardline.yaml',
).policy;
const watchAfter = parseWatchSnapshot(
  readFileSync(path.join(FIXTURES, 'review', 'watch-after.json'), 'utf8'),
  'watch-after.json',
);

function run(id: string, input: Partial<ReviewCheckInput>) {
  const check = REVIEW_CHECKS.find((c) => c.id === id)!;
  return runReviewChecks([check], { policy, now: NOW, versions: [], advisories, ...input });
}

const sync = (s: Partial<TimeSyncStatus>): TimeSyncStatus => ({
  synchronised: true,
  noClient: false,
  detail: 'chrony: synchronised',
  evidence: ['chronyc tracking: chrony: synchronised'],
  ...s,
});

const asterisk = (version: string, source = 'pbx1'): VersionSighting => ({
  product: 'asterisk',
  version,
  raw: `Asterisk PBX ${version}`,
  via: 'probe banner',
  source,
});

describe('review checks: metadata', () => {
  const doc = readFileSync(path.join(ROOT, 'docs', 'review.md'), 'utf8');
  for (const c of REVIEW_CHECKS)
    it(`${c.id}: complete metadata, documented in docs/review.md`, () => {
      assert.match(c.id, /^HL-[A-Z]+-\d{3}$/);
      assert.ok((SEVERITIES as readonly string[]).includes(c.severity));
      assert.ok((STEPS as readonly string[]).includes(c.step));
      assert.ok(c.docs.why.length >= 60 && c.docs.fix.length >= 30 && c.docs.refs.length >= 1);
      assert.ok(doc.includes(`| ${c.id} |`), `docs/review.md lists ${c.id}`);
    });
  it('ids are unique', () =>
    assert.equal(new Set(REVIEW_CHECKS.map((c) => c.id)).size, REVIEW_CHECKS.length));
});

describe('HL-TIME-001 host clock', () => {
  it('reports no client, not synchronised, and far off; not a synchronised clock or "could not tell"', () => {
    assert.match(
      run('HL-TIME-001', { timeSync: sync({ noClient: true, synchronised: false }) })[0]!.message,
      /no NTP client/,
    );
    assert.match(
      run('HL-TIME-001', { timeSync: sync({ synchronised: false, detail: 'chrony: not synchronised' }) })[0]!
        .message,
      /not synchronised: chrony: not synchronised/,
    );
    assert.match(run('HL-TIME-001', { timeSync: sync({ offsetMs: -2500 }) })[0]!.message, /-2\.50 s off/);
    assert.deepEqual(run('HL-TIME-001', { timeSync: sync({ offsetMs: 3 }) }), []);
    assert.deepEqual(run('HL-TIME-001', { timeSync: sync({ synchronised: undefined }) }), []);
    assert.deepEqual(run('HL-TIME-001', {}), [], 'host not checked');
  });
});

describe('HL-TIME-002 clock skew per source', () => {
  it('reports sources more than a second off; high beyond a minute', () => {
    const f = run('HL-TIME-002', { watch: watchAfter });
    assert.deepEqual(
      f.map((x) => `${x.target} ${x.severity}`),
      ['clock:file:/var/log/asterisk/security medium'],
    );
    assert.match(f[0]!.message, /\+4\.20 s off watch's clock \(median of 2390 events, at most 4\.63 s\)/);
    const far = {
      ...watchAfter,
      clockSkew: [{ source: 'syslog:pbx1', skewMs: -90_000, samples: 5, lastSeen: NOW.toISOString() }],
    };
    assert.equal(run('HL-TIME-002', { watch: far })[0]!.severity, 'high');
    assert.deepEqual(
      run('HL-TIME-002', {
        watch: {
          ...watchAfter,
          clockSkew: [{ source: 'x', skewMs: 999, samples: 1, lastSeen: NOW.toISOString() }],
        },
      }),
      [],
    );
  });
});

describe('HL-VER-001 and HL-VER-002 versions', () => {
  it('missing fixes: one finding per source with each advisory as evidence, severity of the worst', () => {
    const f = run('HL-VER-001', { versions: [asterisk('20.5.0'), asterisk('20.5.0')] });
    assert.equal(f.length, 1);
    assert.equal(f[0]!.severity, 'high');
    assert.equal(f[0]!.target, 'pbx:pbx1/advisories');
    assert.match(
      f[0]!.message,
      /Asterisk 20\.5\.0 \(probe banner\) lacks the fixes for 2 published advisories: CVE-2023-49786, CVE-2025-47779/,
    );
    assert.ok(f[0]!.evidence!.some((e) => /^CVE-2023-49786 \(high\): fixed in 20\.5\.1: /.test(e)));
    assert.deepEqual(run('HL-VER-001', { versions: [asterisk('22.5.0')] }), []);
    assert.deepEqual(run('HL-VER-001', { versions: [{ ...asterisk('1.10.9'), product: 'freeswitch' }] }), []);
  });
  it('end of life: branch 18 (since 2025-10), not branch 22', () => {
    const f = run('HL-VER-002', { versions: [asterisk('18.26.2')] });
    assert.match(
      f[0]!.message,
      /Asterisk 18\.26\.2 \(probe banner\) is on branch 18, end of life since 2025-10/,
    );
    assert.deepEqual(run('HL-VER-002', { versions: [asterisk('22.5.0')] }), []);
  });
});

describe('HL-VER-003 firmware minimum', () => {
  it('policy: firmware entries are strict and the version is checked, with file:line', () => {
    assert.throws(
      () =>
        parsePolicy(
          'version: 1\nfirmware:\n  - { user_agent: Yealink SIP-T54W, min: latest }\n',
          '/tmp/p.yaml',
        ),
      (e: Error & { details?: { message: string; line?: number }[] }) =>
        e.details!.some(
          (d) => /firmware\.0\.min: expected a firmware version/.test(d.message) && d.line === 3,
        ),
    );
    assert.throws(
      () =>
        parsePolicy(
          'version: 1\nfirmware:\n  - { user_agent: Yealink, min: 1.0, model: x }\n',
          '/tmp/p.yaml',
        ),
      (e: Error & { details?: { message: string }[] }) =>
        e.details!.some((d) => /unknown key 'model'/.test(d.message)),
    );
  });
  it('reports devices below the policy minimum, by User-Agent prefix', () => {
    const f = run('HL-VER-003', { watch: watchAfter });
    assert.deepEqual(
      f.map((x) => `${x.target} ${x.source}`),
      ['device:101/Yealink SIP-T54W pbx1'],
    );
    assert.match(
      f[0]!.message,
      /firmware 96\.86\.0\.75 is below the minimum 96\.86\.0\.100 for Yealink SIP-T54W/,
    );
    const cisco: WatchSnapshot = {
      ...watchAfter,
      endpoints: [{ ...watchAfter.endpoints[0]!, account: '120', userAgent: 'Cisco/SPA504G-7.6.2b' }],
    };
    assert.match(
      run('HL-VER-003', { watch: cisco })[0]!.message,
      /7\.6\.2b is below the minimum 7\.6\.2c .*\(web login bypass\)/,
    );
    assert.deepEqual(run('HL-VER-003', {}), [], 'no watch data');
  });
  it('firmware is the first dotted number after the model prefix', () => {
    assert.equal(firmwareAfter('Yealink SIP-T54W 96.86.0.100', 'yealink sip-t54w'), '96.86.0.100');
    assert.equal(firmwareAfter('PolycomVVX-VVX_450-UA/6.4.3.5156', 'PolycomVVX-VVX_450'), '6.4.3.5156');
    assert.equal(firmwareAfter('Grandstream HT802 1.0.43.11', 'Yealink'), undefined);
  });
});

describe('watch snapshot interface', () => {
  it('fills defaults and derives networks: /24 for IPv4, /64 for IPv6, or the given one', () => {
    const s = parseWatchSnapshot(
      JSON.stringify({
        schemaVersion: 1,
        kind: 'hardline-watch-snapshot',
        generatedAt: NOW.toISOString(),
        endpoints: [
          {
            account: '1',
            address: '2001:db8:1:2::5',
            transport: 'tls',
            firstSeen: NOW.toISOString(),
            lastSeen: NOW.toISOString(),
          },
        ],
      }),
      'w.json',
    );
    assert.equal(s.endpoints[0]!.media, 'unknown');
    assert.deepEqual(s.cleartext, []);
    assert.equal(sightingNetwork(s.endpoints[0]!), '2001:db8:1:2::/64');
    assert.equal(sightingNetwork({ address: '192.168.20.22' }), '192.168.20.0/24');
    assert.equal(sightingNetwork({ address: '203.0.113.77', network: '203.0.113.64/27' }), '203.0.113.64/27');
  });
  it('device model: the User-Agent without its version', () => {
    assert.deepEqual(deviceModel('Yealink SIP-T54W 96.86.0.100'), {
      model: 'Yealink SIP-T54W',
      firmware: '96.86.0.100',
    });
    assert.deepEqual(deviceModel('Zoiper rv2.10.20.4'), { model: 'Zoiper', firmware: '2.10.20.4' });
    assert.deepEqual(deviceModel('snom760/10.1.54.13'), { model: 'snom760', firmware: '10.1.54.13' });
    assert.deepEqual(deviceModel('MicroSIP'), { model: 'MicroSIP' });
  });
});
