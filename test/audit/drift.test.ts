import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { compareWithBaseline, parseBaseline } from '../../src/audit/drift.js';
import { HardlineError } from '../../src/core/errors.js';
import type { Finding } from '../../src/core/finding.js';
import { EXAMPLE, ROOT } from '../helpers.js';

const require = createRequire(import.meta.url);

function finding(ruleId: string, target: string, line: number, message = 'm'): Finding {
  return {
    ruleId,
    severity: 'high',
    step: 'authentication',
    title: 't',
    message,
    target,
    source: 'pbx1',
    location: { file: 'pjsip.conf', line },
    waived: false,
  };
}

function baselineOf(findings: Finding[]) {
  return parseBaseline(
    JSON.stringify({ schemaVersion: 1, generatedAt: '2026-11-01T00:00:00Z', findings }),
    'prev.json',
  );
}

describe('drift: matching by rule, source and target', () => {
  it('a finding that moved to another line is unchanged; new and fixed are told apart', () => {
    const before = [finding('AST-A-001', 'pjsip:auth/1', 10), finding('AST-B-001', 'x', 20)];
    const now = [finding('AST-A-001', 'pjsip:auth/1', 99), finding('AST-C-001', 'y', 5)];
    const r = compareWithBaseline(now, baselineOf(before));
    assert.deepEqual(
      r.findings.map((f) => f.baselineState),
      ['unchanged', 'new'],
    );
    assert.deepEqual(
      r.drift.fixedFindings.map((f) => f.ruleId),
      ['AST-B-001'],
    );
    assert.deepEqual([r.drift.new, r.drift.fixed, r.drift.unchanged], [1, 1, 1]);
  });
  it('the same key several times pairs one to one, identical messages first', () => {
    const before = [finding('AST-A-001', 'u', 1, 'write all'), finding('AST-A-001', 'u', 2, 'write system')];
    const now = [
      finding('AST-A-001', 'u', 3, 'write system'),
      finding('AST-A-001', 'u', 4, 'write config'),
      finding('AST-A-001', 'u', 5, 'write all'),
    ];
    const r = compareWithBaseline(now, baselineOf(before));
    assert.deepEqual(
      r.findings.map((f) => f.baselineState),
      ['unchanged', 'new', 'unchanged'],
    );
    assert.equal(r.drift.fixed, 0);
  });
  it('source is part of the key', () => {
    const other = { ...finding('AST-A-001', 't', 1), source: 'pbx2' };
    const r = compareWithBaseline([finding('AST-A-001', 't', 1)], baselineOf([other]));
    assert.equal(r.drift.new, 1);
    assert.equal(r.drift.fixed, 1);
  });
  it('rejects files that are not hardline JSON reports with HL_ERR_BASELINE', () => {
    for (const [text, why] of [
      ['{', /invalid JSON/],
      ['{"schemaVersion":2,"findings":[]}', /schemaVersion 2/],
      ['{"schemaVersion":1}', /no findings array/],
      ['{"schemaVersion":1,"findings":[{"ruleId":"X"}]}', /findings\[0\]\.source/],
    ] as const) {
      assert.throws(
        () => parseBaseline(text, 'prev.json'),
        (e: unknown) => e instanceof HardlineError && e.code === 'HL_ERR_BASELINE' && why.test(e.message),
      );
    }
  });
});

function hardline(args: string[]) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'hardline.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('hardline audit --baseline (CLI, on a changed copy of the example)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hl-drift-'));
  const site = path.join(dir, 'site');
  cpSync(EXAMPLE, site, { recursive: true });
  const NOW = ['--now', '2026-11-24T12:00:00Z'];
  const prev = path.join(dir, 'previous.json');
  assert.equal(hardline(['audit', site, ...NOW, '--format', 'json', '--output', prev]).code, 0);
  // The review: fix two things, add a comment block that moves every line, add a new route.
  const pj = path.join(site, 'asterisk', 'pjsip.conf');
  writeFileSync(
    pj,
    `; reviewed 2026-12-01\n; next review 2027-03\n${readFileSync(pj, 'utf8')
      .replace('password = 102\n', 'password = Vb7!pQ2x-Rt9mWz4\n')
      .replace(/^method = tlsv1 .*$/m, 'method = tlsv1_2')}`,
  );
  const ext = path.join(site, 'asterisk', 'extensions.conf');
  writeFileSync(ext, `${readFileSync(ext, 'utf8')}\n[staff]\nexten => _8.,1,Dial(PJSIP/\${EXTEN:1})\n`);

  it('JSON: drift object and baselineState on every finding', () => {
    const r = hardline(['audit', site, ...NOW, '--baseline', prev, '--format', 'json']);
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out);
    assert.deepEqual(doc.drift.summary, { new: 1, fixed: 2, unchanged: doc.findings.length - 1 });
    assert.equal(doc.drift.baseline.file, prev);
    assert.deepEqual(
      doc.drift.fixed.map((f: { ruleId: string; target: string }) => `${f.ruleId} ${f.target}`).sort(),
      ['AST-AUTH-001 pjsip:auth/102', 'AST-TLS-001 pjsip:transport/transport-tls'],
    );
    const fresh = doc.findings.filter((f: { baselineState: string }) => f.baselineState === 'new');
    assert.deepEqual(
      fresh.map((f: { ruleId: string; target: string }) => `${f.ruleId} ${f.target}`),
      ['AST-DP-002 dialplan:staff/_8./Dial'],
    );
    assert.ok(doc.findings.every((f: { baselineState?: string }) => f.baselineState));
    // Every pjsip.conf line moved by two; the findings are still "unchanged".
    const auth = doc.findings.find(
      (f: { target: string; ruleId: string }) => f.ruleId === 'AST-AUTH-001' && f.target === 'pjsip:auth/103',
    );
    assert.equal(auth.location.line, 90);
    assert.equal(auth.baselineState, 'unchanged');
  });
  it('text: a drift section and [new] marks', () => {
    const r = hardline(['audit', site, ...NOW, '--baseline', prev]);
    assert.equal(r.code, 0, r.err);
    assert.match(
      r.out,
      /Drift since .*previous\.json \(2026-11-24T12:00:00\.000Z\): 1 new, 2 fixed, \d+ unchanged/,
    );
    assert.match(r.out, /\[new\] \[medium\] \[staff\] _8\. puts/);
    assert.match(r.out, /fixed {2}critical AST-AUTH-001 {2}asterisk\/pjsip\.conf:78 {2}pjsip:auth\/102/);
  });
  it('SARIF: baselineState new/unchanged, fixed findings as absent; still valid SARIF', () => {
    const r = hardline(['audit', site, ...NOW, '--baseline', prev, '--format', 'sarif']);
    const log = JSON.parse(r.out);
    const states = log.runs[0].results.map((x: { baselineState: string }) => x.baselineState);
    assert.equal(states.filter((s: string) => s === 'new').length, 1);
    assert.equal(states.filter((s: string) => s === 'absent').length, 2);
    assert.ok(states.every((s: string) => ['new', 'unchanged', 'absent'].includes(s)));
    const Ajv = require('ajv');
    const ajv = new Ajv({ schemaId: 'auto', allErrors: true });
    ajv.addMetaSchema(require('ajv/lib/refs/json-schema-draft-04.json'));
    const validate = ajv.compile(require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'));
    assert.ok(validate(log), ajv.errorsText(validate.errors));
  });
  it('HTML: a drift table and new marks', () => {
    const r = hardline(['audit', site, ...NOW, '--baseline', prev, '--format', 'html']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /<h2>Drift since [^<]*previous\.json<\/h2><p>1 new, 2 fixed, \d+ unchanged/);
    assert.match(r.out, /<b class="new">new<\/b>/);
    assert.match(r.out, /<td>AST-TLS-001<\/td><td>high<\/td>/);
  });
  it('--fail-on-new fails only on new findings at the threshold', () => {
    assert.equal(
      hardline(['audit', site, ...NOW, '--baseline', prev, '--fail-on', 'medium', '--fail-on-new']).code,
      1,
    );
    assert.equal(
      hardline(['audit', site, ...NOW, '--baseline', prev, '--fail-on', 'high', '--fail-on-new']).code,
      0,
    );
    assert.equal(hardline(['audit', site, ...NOW, '--fail-on', 'high']).code, 1);
  });
  it('a missing or foreign baseline is a usage error (exit 2)', () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{"version":"2.1.0"}');
    const r = hardline(['audit', site, ...NOW, '--baseline', bad]);
    assert.equal(r.code, 2);
    assert.match(r.err, /HL_ERR_BASELINE/);
    assert.equal(hardline(['audit', site, ...NOW, '--baseline', path.join(dir, 'none.json')]).code, 2);
    assert.match(hardline(['audit', site, '--fail-on-new']).err, /--fail-on-new needs --baseline/);
  });
});
