import assert from 'node:assert/strict';
import {
  appendFileSync,
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exceptionCommand } from '../../src/cli/exception.js';
import { type ReviewCliOptions, reviewCommand } from '../../src/cli/review.js';
import { ScriptedRunner } from '../../src/host/exec.js';
import type { Review } from '../../src/review/build.js';
import { EXAMPLE, FIXTURES } from '../helpers.js';

const FX = path.join(FIXTURES, 'review');
const T1 = '2026-11-10T12:00:00Z';
const T2 = '2026-11-24T12:00:00Z';
const UNSYNCED = readFileSync(path.join(FIXTURES, 'timesync', 'chrony-tracking-unsynced.txt'), 'utf8');

/** Runs `hardline review` in-process with a scripted host (chrony not synchronised, no asterisk). */
async function review(dir: string, o: Partial<ReviewCliOptions> & { format?: ReviewCliOptions['format'] }) {
  let out = '';
  const notes: string[] = [];
  const code = await reviewCommand(
    dir,
    { format: 'json', ...o },
    {
      runner: new ScriptedRunner({ 'chronyc -n tracking': { stdout: UNSYNCED } }),
      write: (t) => {
        out += t;
      },
      note: (t) => notes.push(t),
    },
  );
  return { code, out, notes, json: () => JSON.parse(out) as Review };
}

const keys = (list: { ruleId: string; target: string }[]) =>
  list.map((f) => `${f.ruleId} ${f.target}`).sort();

describe('hardline review: the example site over two weeks', () => {
  let dir = '';
  let first: Review;
  let second: Review;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'hl-review-'));
    cpSync(EXAMPLE, dir, { recursive: true });
    appendFileSync(
      path.join(dir, 'hardline.yaml'),
      '\n# Lowest firmware per phone model (hardline review checks what watch saw)\nfirmware:\n  - user_agent: Yealink SIP-T54W\n    min: 96.86.0.100\n    reason: the firmware the site tested\n',
    );
    const r1 = await review(dir, {
      now: T1,
      probe: path.join(FX, 'probe-before.json'),
      watch: path.join(FX, 'watch-before.json'),
      accept: true,
      by: 'M. Jones',
      note: 'baseline after the audit workshop',
    });
    assert.equal(r1.code, 0);
    first = r1.json();
    // Two weeks later: two fixes, one new weakness, one break-glass exception.
    const pjsip = path.join(dir, 'asterisk', 'pjsip.conf');
    writeFileSync(
      pjsip,
      readFileSync(pjsip, 'utf8')
        .replace('username = 102\npassword = 102\n', 'username = 102\npassword = Vq7#mT2p!xLr9wK\n')
        .replace('method = tlsv1 ', 'method = tlsv1_2 '),
    );
    appendFileSync(
      path.join(dir, 'asterisk', 'extensions.conf'),
      '\n[staff]\nexten => _8.,1,Dial(PJSIP/${EXTEN:1},30)\n',
    );
    await exceptionCommand(
      'add',
      undefined,
      {
        policy: path.join(dir, 'hardline.yaml'),
        now: T2,
        rule: 'PRB-EXP-004',
        target: 'tcp/pbx.acme-dental.example:5038',
        reason: 'CRM vendor connects to AMI from outside during the migration',
        approver: 'M. Jones',
        expires: '3d',
      },
      () => {},
    );
    const r2 = await review(dir, {
      now: T2,
      probe: path.join(FX, 'probe-after.json'),
      watch: path.join(FX, 'watch-after.json'),
    });
    second = r2.json();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the first review compares with nothing and says so; accepting it records the state', () => {
    assert.equal(first.previous, null);
    assert.equal(first.summary.drift, null);
    assert.ok(first.unseen.some((u) => /no accepted review yet/.test(u)));
    const ids = readdirSync(path.join(dir, 'hardline-reviews'));
    assert.deepEqual(ids, ['2026-11-10T120000Z']);
    const folder = path.join(dir, 'hardline-reviews', ids[0]!);
    assert.deepEqual(readdirSync(folder).sort(), [
      'accepted.json',
      'audit.json',
      'checks.json',
      'probe.json',
      'review.json',
      'review.md',
      'watch.json',
    ]);
    const a = JSON.parse(readFileSync(path.join(folder, 'accepted.json'), 'utf8'));
    assert.equal(a.by, 'M. Jones');
    assert.equal(a.acceptedAt, '2026-11-10T12:00:00.000Z');
    assert.equal(a.note, 'baseline after the audit workshop');
    assert.match(a.reports.audit.sha256, /^[0-9a-f]{64}$/);
    assert.match(a.policy.sha256, /^[0-9a-f]{64}$/);
    assert.equal(JSON.parse(readFileSync(path.join(folder, 'audit.json'), 'utf8')).command, 'audit');
  });

  it('compares with the accepted review: new, fixed and unchanged findings, per origin', () => {
    assert.equal(second.previous?.by, 'M. Jones');
    const fresh = second.findings.filter((f) => f.baselineState === 'new');
    assert.deepEqual(keys(fresh), [
      'AST-DP-002 dialplan:staff/_8./Dial',
      'HL-TIME-002 clock:file:/var/log/asterisk/security',
      'HL-VER-003 device:101/Yealink SIP-T54W',
      'PRB-EXP-004 tcp/pbx.acme-dental.example:5038',
    ]);
    assert.deepEqual(keys(second.fixed), [
      'AST-AUTH-001 pjsip:auth/102',
      'AST-TLS-001 pjsip:transport/transport-tls',
    ]);
    const d = second.summary.drift!;
    assert.deepEqual(d.byOrigin.probe, { new: 1, fixed: 0, unchanged: 1 });
    assert.deepEqual({ new: d.byOrigin.audit!.new, fixed: d.byOrigin.audit!.fixed }, { new: 1, fixed: 2 });
    // HL-TIME-001, HL-VER-001 twice, and the policy rules over all inputs (HL-POL-001, HL-POL-003).
    assert.deepEqual(d.byOrigin.review, { new: 2, fixed: 0, unchanged: 5 });
    assert.equal(d.new, 4);
    assert.equal(d.fixed, 2);
  });

  it('exposure: the AMI port is reachable now and was not; it is not declared; the exception waives it', () => {
    const e = second.exposure!;
    assert.deepEqual(keys(e.newlyReachable), ['PRB-EXP-004 tcp/pbx.acme-dental.example:5038']);
    assert.deepEqual(keys(e.undeclared), ['PRB-EXP-004 tcp/pbx.acme-dental.example:5038']);
    assert.equal(e.newlyReachable[0]!.waived, true);
    assert.deepEqual(e.noLongerReachable, []);
  });

  it('devices and networks: new firmware, new device and network, new account; cleartext use', () => {
    const inv = second.inventory!;
    assert.match(inv.basis, /compared with the watch data of the review accepted 2026-11-10/);
    assert.deepEqual(
      inv.changes.map(
        (c) =>
          `${c.account} ${c.kind}: ${c.what}${c.before ? ` (was ${c.before})` : ''}${c.kind === 'new network' ? ` ${c.declared ?? 'undeclared'}` : ''}`,
      ),
      [
        '101 new firmware: Yealink SIP-T54W 96.86.0.75 (was 96.86.0.100)',
        '102 new device: Grandstream GXP2170 1.0.11.79 (was Yealink SIP-T54W 96.86.0.100)',
        '102 new network: 203.0.113.64/27 (was 192.168.20.0/24) undeclared',
        '108 new account: Yealink SIP-T54W 96.86.0.100',
      ],
    );
    assert.deepEqual(
      inv.cleartext.map(
        (c) => `${c.account} ${c.kind} ${c.address} new=${c.isNew} policy=${c.violatesPolicy}`,
      ),
      [
        '102 media 203.0.113.77 new=true policy=true',
        '102 signalling 203.0.113.77 new=true policy=true',
        '105 media 192.168.20.25 new=false policy=true',
        '105 signalling 192.168.20.25 new=false policy=true',
        '106 media 192.168.20.26 new=true policy=true',
        '110 media 192.168.20.30 new=false policy=true',
        '110 signalling 192.168.20.30 new=false policy=true',
      ],
    );
  });

  it('exceptions: expired with the finding still present, and expiring within 7 days', () => {
    const ex = second.exceptions;
    assert.deepEqual(
      ex.expiredStillPresent.map((x) => `${x.rule} ${x.target} ${x.matched}`),
      ['AST-RTP-001 rtp:range 1'],
    );
    assert.deepEqual(
      ex.expiringSoon.map((x) => `${x.rule} ${x.expires}`),
      ['PRB-EXP-004 2026-11-27T12:00:00.000Z'],
    );
    assert.equal(ex.active, 3);
  });

  it('time: the host clock (scripted chrony) and the skew watch measured per source', () => {
    assert.equal(second.time.sync?.synchronised, false);
    assert.ok(second.findings.some((f) => f.ruleId === 'HL-TIME-001' && f.baselineState === 'unchanged'));
    assert.deepEqual(
      second.time.skew!.map((s) => `${s.source} ${s.over}`),
      ['hep:192.168.20.5 false', 'file:/var/log/asterisk/security true'],
    );
  });

  it('versions: Asterisk 20.5.0 from the probe banner and from watch lacks published fixes', () => {
    assert.deepEqual(
      second.versions.judged.map((j) => `${j.source} ${j.version} ${j.missing.join(',')}`),
      [
        'tls:pbx.acme-dental.example:5061 asterisk 20.5.0 CVE-2023-49786,CVE-2025-47779',
        'pbx1 asterisk 20.5.0 CVE-2023-49786,CVE-2025-47779',
      ],
    );
    const v = second.findings.filter((f) => f.ruleId === 'HL-VER-001');
    assert.equal(v.length, 2);
    assert.equal(v[0]!.severity, 'high');
  });

  it('the plan: five steps in order with what is open and what was done', () => {
    assert.deepEqual(
      second.plan.map((s) => `${s.number} ${s.step} ${s.status}`),
      ['1 exposure open', '2 authentication open', '3 transport open', '4 firewall open', '5 logging open'],
    );
    const t = second.plan[2]!;
    assert.deepEqual(t.done, [
      {
        ruleId: 'AST-TLS-001',
        title: 'TLS transport allows old protocol versions',
        target: 'pjsip:transport/transport-tls',
      },
    ]);
    assert.equal(t.fixed, 1);
    assert.ok(second.plan[4]!.items.some((i) => i.ruleId === 'HL-TIME-002' && i.isNew));
  });

  it('text, Markdown and HTML say the same things', async () => {
    const text = (
      await review(dir, {
        now: T2,
        probe: path.join(FX, 'probe-after.json'),
        watch: path.join(FX, 'watch-after.json'),
        format: 'text',
      })
    ).out;
    assert.match(text, /^hardline review: Acme Dental, 2026-11-24 12:00 UTC\n/);
    const flat = text.replace(/\s+/g, ' ');
    assert.match(
      flat,
      /Compared with the review accepted by M\. Jones on 2026-11-10 12:00 UTC \(2026-11-10T120000Z\): "baseline after the audit workshop"\./,
    );
    assert.match(flat, /Since the last review: 4 new, 2 fixed, /);
    assert.match(text, /\n5\. Logging, alerting and time sync: OPEN: /);
    assert.match(
      text,
      /102 +new network +203\.0\.113\.64\/27 +192\.168\.20\.0\/24 +203\.0\.113\.77 \(not a declared network\)/,
    );
    assert.match(
      flat,
      /Expired, finding still present \(1\): - [0-9a-f]{6} AST-RTP-001 rtp:range: expired 2026-09-30/,
    );
    const md = (
      await review(dir, {
        now: T2,
        probe: path.join(FX, 'probe-after.json'),
        watch: path.join(FX, 'watch-after.json'),
        format: 'markdown',
      })
    ).out;
    assert.match(md, /^# hardline review: Acme Dental, 2026-11-24 12:00 UTC\n/);
    assert.match(md, /\n## Hardening plan\n/);
    assert.match(md, /\n\| account \| change \| now \| before \| from \|\n\|---\|---\|---\|---\|---\|\n/);
    const html = (
      await review(dir, {
        now: T2,
        probe: path.join(FX, 'probe-after.json'),
        watch: path.join(FX, 'watch-after.json'),
        format: 'html',
      })
    ).out;
    assert.match(html, /<h2>Hardening plan<\/h2>/);
    assert.match(html, /<td>203\.0\.113\.64\/27<\/td>/);
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html + md + text, /Vq7#mT2p|password = 102/, 'no secret from the configuration');
  });

  it('accepting the second review makes it the baseline: an unchanged site then shows no drift', async () => {
    const inputs = { probe: path.join(FX, 'probe-after.json'), watch: path.join(FX, 'watch-after.json') };
    const acc = await review(dir, { ...inputs, now: T2, accept: true, by: 'IT contractor' });
    assert.match(
      acc.notes[0]!,
      /^accepted by IT contractor: recorded in .*hardline-reviews\/2026-11-24T120000Z\//,
    );
    const third = (await review(dir, { ...inputs, now: '2026-11-24T13:00:00Z' })).json();
    assert.equal(third.previous?.by, 'IT contractor');
    assert.deepEqual(
      { new: third.summary.drift!.new, fixed: third.summary.drift!.fixed },
      { new: 0, fixed: 0 },
    );
    assert.deepEqual(third.inventory!.changes, []);
    assert.ok(third.inventory!.cleartext.every((c) => !c.isNew));
  });

  it('a changed file in the state folder is refused, not silently compared', async () => {
    const folder = path.join(dir, 'hardline-reviews', '2026-11-24T120000Z');
    const file = path.join(folder, 'audit.json');
    const orig = readFileSync(file, 'utf8');
    writeFileSync(file, orig.replace('"AST-AMI-001"', '"AST-AMI-002"'));
    await assert.rejects(
      review(dir, { now: T2 }),
      /HL_ERR_REVIEW_STATE|changed after the review was accepted/,
    );
    writeFileSync(file, orig);
  });
});

describe('hardline review with less to go on', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'hl-review-min-'));
    cpSync(EXAMPLE, dir, { recursive: true });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('an audit alone is enough, and the review says what it could not see', async () => {
    const r = (await review(dir, { now: T2, host: false })).json();
    assert.equal(r.inputs.probe, null);
    assert.equal(r.inputs.watch, null);
    assert.equal(r.exposure, null);
    assert.equal(r.inventory, null);
    assert.equal(r.time.sync, null);
    for (const re of [
      /^no probe results/,
      /^no watch data/,
      /^host not checked/,
      /^PBX version: not seen/,
      /^no accepted review yet/,
    ])
      assert.ok(
        r.unseen.some((u) => re.test(u)),
        `unseen should say ${re}: ${r.unseen.join(' | ')}`,
      );
    assert.ok(r.findings.length > 50);
    assert.ok(r.findings.every((f) => f.origin === 'audit' || f.ruleId.startsWith('HL-POL-')));
  });

  it('a saved audit report works instead of a run, and swapped reports are refused', async () => {
    const auditFile = path.join(dir, 'audit.json');
    const { renderJson } = await import('../../src/report/json.js');
    const { audit } = await import('../helpers.js');
    writeFileSync(auditFile, renderJson({ ...(await audit(dir)), root: dir }));
    const r = (await review(dir, { now: T2, host: false, audit: auditFile })).json();
    assert.equal(r.inputs.audit?.origin, auditFile);
    await assert.rejects(
      review(dir, { now: T2, host: false, probe: auditFile }),
      /is a audit report, not a probe report/,
    );
    await assert.rejects(
      review(dir, { now: T2, host: false, audit: path.join(FX, 'probe-before.json') }),
      /is a probe report, not an audit report/,
    );
  });

  it('a watch file that does not match the interface is refused with the field named', async () => {
    const bad = path.join(dir, 'watch.json');
    writeFileSync(
      bad,
      JSON.stringify({
        schemaVersion: 1,
        kind: 'hardline-watch-snapshot',
        generatedAt: T2,
        endpoints: [{ account: '101', address: 'nope', transport: 'udp', firstSeen: T2, lastSeen: T2 }],
      }),
    );
    await assert.rejects(
      review(dir, { now: T2, host: false, watch: bad }),
      (e: Error & { details?: { message: string }[] }) =>
        /not a hardline watch snapshot/.test(e.message) &&
        e.details!.some((d) => /endpoints\.0\.address: expected an IP address/.test(d.message)),
    );
  });

  it('--accept needs --by', async () => {
    await assert.rejects(review(dir, { now: T2, host: false, accept: true }), /--accept needs --by NAME/);
  });
});
