import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Finding } from '../../src/core/finding.js';
import { ScriptedRunner } from '../../src/host/exec.js';
import {
  compareVersions,
  endOf,
  judgeAsterisk,
  loadAdvisoryTable,
  parseBanner,
  parseVersion,
  versionsFromHost,
  versionsFromProbe,
} from '../../src/review/versions.js';

const table = loadAdvisoryTable();
const NOW = new Date('2026-11-24T12:00:00Z');

describe('versions: banners and version numbers', () => {
  it('recognises Asterisk, FreePBX, certified Asterisk, FreeSWITCH and Kamailio banners', () => {
    assert.deepEqual(parseBanner('Asterisk PBX 20.5.0'), { product: 'asterisk', version: '20.5.0' });
    assert.deepEqual(
      parseBanner('Asterisk 18.20.0 built by root @ pbx on a x86_64 running Linux on 2023-10-01'),
      {
        product: 'asterisk',
        version: '18.20.0',
      },
    );
    assert.deepEqual(parseBanner('FPBX-16.0.40.7(18.13.0)'), { product: 'asterisk', version: '18.13.0' });
    assert.deepEqual(parseBanner('Asterisk certified/18.9-cert6'), {
      product: 'asterisk',
      version: '18.9-cert6',
    });
    assert.deepEqual(parseBanner('FreeSWITCH-mod_sofia/1.10.9-release~64bit'), {
      product: 'freeswitch',
      version: '1.10.9',
    });
    assert.deepEqual(parseBanner('kamailio (5.6.4 (x86_64/linux))'), {
      product: 'kamailio',
      version: '5.6.4',
    });
    assert.equal(parseBanner('PBX'), undefined);
    assert.equal(parseBanner('Yealink SIP-T54W 96.86.0.100'), undefined);
  });
  it('compares versions numerically, certified releases within their branch', () => {
    assert.ok(compareVersions('20.10.0', '20.9.3') > 0);
    assert.ok(compareVersions('66.86.0.15', '66.86.0.100') < 0);
    assert.ok(compareVersions('7.6.2c', '7.6.2b') > 0);
    assert.equal(compareVersions('1.0', '1.0.0'), 0);
    assert.deepEqual(parseVersion('18.9-cert6'), { parts: [18, 9], cert: 6, branch: '18.9-cert' });
    assert.equal(parseVersion('GIT-master-abc'), undefined);
  });
  it('a YYYY-MM date ends on the last second of that month', () => {
    assert.equal(endOf('2025-10').toISOString(), '2025-10-31T23:59:59.000Z');
    assert.equal(endOf('2024-02').toISOString(), '2024-02-29T23:59:59.000Z');
  });
});

describe('versions: the bundled advisory table', () => {
  it('is dated, says what it covers, and every fixed release parses', () => {
    assert.match(table.date, /^\d{4}-\d{2}-\d{2}$/);
    assert.match(table.covers_until, /^\d{4}-\d{2}/);
    assert.ok(table.advisories.length >= 4);
    for (const a of table.advisories) for (const f of a.fixed) assert.ok(parseVersion(f), `${a.id}: ${f}`);
  });
  it('Asterisk 20.5.0 lacks CVE-2023-49786 (fixed in 20.5.1) and CVE-2025-47779 (20.14.1)', () => {
    const j = judgeAsterisk('20.5.0', table, NOW);
    assert.equal(j.endOfLife, false);
    assert.deepEqual(
      j.missing.map((m) => `${m.advisory.id}@${m.fixedIn}`),
      ['CVE-2023-49786@20.5.1', 'CVE-2025-47779@20.14.1'],
    );
    assert.deepEqual(judgeAsterisk('20.14.1', table, NOW).missing, []);
  });
  it('end of life: branch 18 after October 2025, 16, and anything older than the table', () => {
    assert.equal(judgeAsterisk('18.26.2', table, new Date('2025-10-15T00:00:00Z')).endOfLife, false);
    const j = judgeAsterisk('18.26.2', table, NOW);
    assert.equal(j.endOfLife, true);
    assert.equal(j.endOfLifeSince, '2025-10');
    assert.equal(judgeAsterisk('16.30.0', table, NOW).endOfLife, true);
    assert.equal(judgeAsterisk('11.25.3', table, NOW).endOfLife, true);
    assert.equal(judgeAsterisk('22.5.0', table, NOW).endOfLife, false);
    assert.match(judgeAsterisk('99.0.0', table, NOW).note ?? '', /newer than the advisory table/);
  });
  it('certified releases are compared within their certified branch', () => {
    assert.deepEqual(
      judgeAsterisk('18.9-cert5', table, NOW).missing.map((m) => m.fixedIn),
      ['18.9-cert6', '18.9-cert14'],
    );
    assert.deepEqual(judgeAsterisk('18.9-cert14', table, NOW).missing, []);
  });
});

describe('versions: where they are read', () => {
  it('from the probe report: PRB-EXP-002 messages and the Server header in the evidence', () => {
    const f: Finding = {
      ruleId: 'PRB-EXP-002',
      severity: 'low',
      step: 'exposure',
      title: 'Server or User-Agent header reveals software and version',
      message: 'Server header names the software and its version: Asterisk PBX 20.5.0',
      target: 'sip:udp/192.0.2.1:5060/banner',
      source: 'udp:192.0.2.1:5060',
      evidence: [
        '<<< received after 3 ms',
        'SIP/2.0 200 OK',
        'Server: Asterisk PBX 20.5.0',
        'User-Agent: FPBX-16.0.40.7(20.5.0)',
      ],
      waived: false,
    };
    const v = versionsFromProbe([f, { ...f, ruleId: 'PRB-EXP-001' }]);
    assert.deepEqual(
      v.map((x) => `${x.product} ${x.version} ${x.via} ${x.source}`),
      ['asterisk 20.5.0 probe banner udp:192.0.2.1:5060'],
    );
  });
  it('from the host: running (core show version) and installed (asterisk -V); a pending restart is noted', async () => {
    const r = await versionsFromHost(
      new ScriptedRunner({
        'asterisk -rx core show version': {
          stdout:
            'Asterisk 20.5.0 built by root @ pbx on a x86_64 running Linux on 2023-10-01 10:00:00 UTC\n',
        },
        'asterisk -V': { stdout: 'Asterisk 20.14.1\n' },
      }),
      'pbx1',
    );
    assert.deepEqual(
      r.sightings.map((s) => `${s.version} ${s.via}`),
      ['20.5.0 asterisk -rx core show version', '20.14.1 asterisk -V'],
    );
    assert.match(r.notes[0]!, /20\.5\.0 is running but 20\.14\.1 is installed: restart Asterisk/);
  });
  it('from the host: no control socket access still reads asterisk -V; no asterisk at all says so', async () => {
    const r = await versionsFromHost(
      new ScriptedRunner({
        'asterisk -rx core show version': {
          code: 1,
          stderr: 'Unable to connect to remote asterisk (does /var/run/asterisk/asterisk.ctl exist?)\n',
        },
        'asterisk -V': { stdout: 'Asterisk 18.20.0\n' },
      }),
      'pbx1',
    );
    assert.deepEqual(
      r.sightings.map((s) => s.version),
      ['18.20.0'],
    );
    assert.match(r.notes[0]!, /Unable to connect to remote asterisk/);
    const none = await versionsFromHost(new ScriptedRunner({}), 'pbx1');
    assert.deepEqual(none, { sightings: [], notes: ['asterisk is not installed on this host'] });
  });
});
